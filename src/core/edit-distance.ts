/**
 * "Did you mean …?" for a mistyped field, flag or command name: the closest
 * known name by edit distance, when it is close enough to be a typo.
 */

/**
 * Edits that turn `a` into `b`: insert, delete or substitute a character, or
 * swap two adjacent ones (the commonest typo: "hots" for "host" is one edit).
 */
export function editDistance(a: string, b: string): number {
  // rows[i][j]: the distance between the first i characters of a and the first j of b.
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      const substitution = at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1);
      const swapped = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1];
      const transposition = swapped ? at(i - 2, j - 2) + 1 : Number.POSITIVE_INFINITY;
      rows[i]?.push(Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, substitution, transposition));
    }
  }
  return at(a.length, b.length);
}

/**
 * The known name closest to `typed`, or undefined when none is within a third
 * of its length (at least 1, at most 3 edits): further than that it is not a
 * typo, and a wrong suggestion misleads more than none. Case is ignored.
 */
export function closestName(typed: string, known: Iterable<string>): string | undefined {
  const budget = Math.min(3, Math.max(1, Math.floor(typed.length / 3)));
  let best: string | undefined;
  let bestDistance = budget + 1;
  for (const name of known) {
    const distance = editDistance(typed.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}
