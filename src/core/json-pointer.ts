/**
 * RFC 6901 JSON Pointers. Every hand-built patch or change path goes through
 * here, because annotation keys such as `harbor-image-webhook/original-images`
 * contain `/`, which a pointer must spell `~1`.
 */

/** Escapes one reference token: `~` → `~0`, `/` → `~1` (in that order). */
export function escapePointerToken(token: string | number): string {
  return String(token).replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Joins tokens into a pointer: `toPointer(['metadata', 'annotations', 'a/b'])` → `/metadata/annotations/a~1b`. */
export function toPointer(tokens: readonly (string | number)[]): string {
  return tokens.map((token) => `/${escapePointerToken(token)}`).join('');
}
