/**
 * Checks on the JSON log lines a test captured. Log pipelines resolve a key
 * written twice in one object differently (first wins, last wins, or an
 * error), so no line may carry one; `JSON.parse` keeps the last silently,
 * so the text itself is scanned.
 */
import { findDuplicateKey } from '../../src/preview/json-duplicate-keys.ts';

/** Each line that holds a key twice in one object, with the key. */
export function linesWithDuplicateKeys(lines: readonly string[]): string[] {
  return lines.flatMap((line) => {
    const key = findDuplicateKey(line);
    return key === undefined ? [] : [`"${key}" twice in ${line.slice(0, 300)}`];
  });
}

/** Throws naming every line with a duplicate key. */
export function assertNoDuplicateKeys(lines: readonly string[]): void {
  const found = linesWithDuplicateKeys(lines);
  if (found.length > 0) throw new Error(`log lines with a duplicate key:\n${found.join('\n')}`);
}
