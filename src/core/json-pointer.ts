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
 * Sorts items by their pointer `path`, token by token, array indices
 * numerically, so a patch reads top-down and appended array elements stay in
 * ascending order. Each path is split once, not once per comparison.
 */
export function sortByPointer<T extends { readonly path: string }>(items: readonly T[]): T[] {
  return items
    .map((item) => ({ item, tokens: item.path.split('/').map(toSortKey) }))
    .sort((left, right) => compareTokenLists(left.tokens, right.tokens))
    .map(({ item }) => item);
}

type SortKey = string | number;

const toSortKey = (token: string): SortKey => (/^\d+$/.test(token) ? Number(token) : token);

function compareTokenLists(a: readonly SortKey[], b: readonly SortKey[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareKeys(a[i] ?? '', b[i] ?? '');
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}
