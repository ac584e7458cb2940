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

/**
 * Orders pointers token by token, array indices numerically, so a patch reads
 * top-down and appended array elements stay in ascending order.
 */
export function comparePointers(left: string, right: string): number {
  const a = left.split('/');
  const b = right.split('/');
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareTokens(a[i] ?? '', b[i] ?? '');
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

function compareTokens(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}
