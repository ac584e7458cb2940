/**
 * Duplicate keys in JSON text. `JSON.parse` keeps the last of two equal keys
 * without a word, while the YAML parser (and the apiserver's strict decoding)
 * refuses them; a preview must not answer for an object the cluster would
 * read differently. One linear pass over text that `JSON.parse` accepted.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

interface Level {
  /** Keys seen so far; undefined for an array. */
  readonly keys: Set<string> | undefined;
  expectKey: boolean;
}

/** The first key that repeats within one object of valid JSON `text`, or undefined. */
export function findDuplicateKey(text: string): string | undefined {
  const stack: Level[] = [];
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code !== QUOTE) {
      step(stack, code);
      continue;
    }
    const end = stringEnd(text, index);
    const top = stack.at(-1);
    if (top?.keys !== undefined && top.expectKey) {
      const key = decode(text.slice(index, end + 1));
      if (top.keys.has(key)) return key;
      top.keys.add(key);
      top.expectKey = false;
    }
    index = end;
  }
  return undefined;
}

/** Follows the nesting outside strings: objects and arrays open and close, commas start keys. */
function step(stack: Level[], code: number): void {
  if (code === 0x7b /* { */) stack.push({ keys: new Set(), expectKey: true });
  else if (code === 0x5b /* [ */) stack.push({ keys: undefined, expectKey: false });
  else if (code === 0x7d /* } */ || code === 0x5d /* ] */) stack.pop();
  else if (code === 0x2c /* , */) {
    const top = stack.at(-1);
    if (top?.keys !== undefined) top.expectKey = true;
  }
}

/** Index of the quote closing the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === BACKSLASH) index += 2;
    else if (code === QUOTE) return index;
    else index += 1;
  }
  return index;
}

/** A key as JSON means it: escapes decoded only when there are any. */
function decode(quoted: string): string {
  return quoted.includes('\\') ? (JSON.parse(quoted) as string) : quoted.slice(1, -1);
}
