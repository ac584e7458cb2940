/**
 * Glob patterns over normalized image names (`docker.io/library/nginx`).
 * `*` matches within one path segment, `**` across any number of segments,
 * and `**` followed by `/` may also match no segment at all (`ghcr.io/**` +
 * `/app` matches `ghcr.io/app`); a pattern without wildcards matches exactly
 * that name. Matching ignores case (ASCII: names are ASCII), because registry
 * hosts are case-insensitive.
 *
 * Patterns come from namespace annotations, that is from any tenant, so
 * matching must never backtrack. The literal text before the first and after
 * the last wildcard is compared directly; what lies between is matched by
 * simulating the pattern's automaton one character at a time (a Thompson
 * NFA): at most O(name length × pattern length) steps whatever the pattern,
 * and patterns are bounded to {@link MAX_GLOB_LENGTH} characters at load.
 */

/** A compiled glob: compile once at policy load, test on every image. */
export interface Glob {
  readonly pattern: string;
  matches(name: string): boolean;
}

/** Longest pattern accepted: far beyond any registry path, short enough to bound matching. */
export const MAX_GLOB_LENGTH = 512;

// A pattern is a list of elements: a literal is its folded character code (>= 0).
const SEGMENT_WILDCARD = -1; // `*`: any characters but '/'
const ANY_WILDCARD = -2; // `**`: any characters
const SEGMENTS_WILDCARD = -3; // `**/`: nothing, or any characters ending with '/'
const SLASH = 0x2f;

/** Matches `name` between `start` and `end` (exclusive). */
type RangeMatcher = (name: string, start: number, end: number) => boolean;

/** Compiles `pattern` into a matcher. */
export function compileGlob(pattern: string): Glob {
  const elements = splitPattern(pattern);
  let first = 0;
  while (first < elements.length && (elements[first] ?? -1) >= 0) first++;
  let last = elements.length;
  while (last > first && (elements[last - 1] ?? -1) >= 0) last--;
  const prefix = String.fromCharCode(...elements.slice(0, first));
  const suffix = String.fromCharCode(...elements.slice(last));
  const fixedLength = prefix.length + suffix.length;
  if (first === last) {
    return {
      pattern,
      matches: (name) => name.length === fixedLength && hasFoldedAt(name, prefix, 0),
    };
  }
  const middle = compileMiddle(elements.slice(first, last));
  return {
    pattern,
    matches: (name) =>
      name.length >= fixedLength &&
      hasFoldedAt(name, prefix, 0) &&
      hasFoldedAt(name, suffix, name.length - suffix.length) &&
      middle(name, prefix.length, name.length - suffix.length),
  };
}

/** Why `pattern` cannot be a glob, or undefined when it can. */
export function describeBadGlob(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'must not be empty';
  if (pattern.length > MAX_GLOB_LENGTH) {
    return `must be at most ${MAX_GLOB_LENGTH} characters (has ${pattern.length})`;
  }
  if (/\*{3,}/.test(pattern)) return 'use "*" for one segment or "**" for many, not "***"';
  if (/\s/.test(pattern)) return 'must not contain white space';
  return undefined;
}

// Split exactly as the earlier regular expression did: `**/`, then `**`, then `*`.
function splitPattern(pattern: string): number[] {
  const elements: number[] = [];
  for (let index = 0; index < pattern.length;) {
    if (pattern.startsWith('**/', index)) {
      elements.push(SEGMENTS_WILDCARD);
      index += 3;
    } else if (pattern.startsWith('**', index)) {
      elements.push(ANY_WILDCARD);
      index += 2;
    } else if (pattern[index] === '*') {
      elements.push(SEGMENT_WILDCARD);
      index += 1;
    } else {
      elements.push(foldCode(pattern.charCodeAt(index)));
      index += 1;
    }
  }
  return elements;
}

/** The middle of a pattern: it starts and ends with a wildcard. */
function compileMiddle(elements: readonly number[]): RangeMatcher {
  const only = elements.length === 1 ? elements[0] : undefined;
  if (only === SEGMENT_WILDCARD) {
    return (name, start, end) => {
      const slash = name.indexOf('/', start);
      return slash === -1 || slash >= end;
    };
  }
  if (only === ANY_WILDCARD) return () => true;
  if (only === SEGMENTS_WILDCARD) {
    return (name, start, end) => start === end || name.charCodeAt(end - 1) === SLASH;
  }
  const automaton = new GlobAutomaton(elements);
  return (name, start, end) => automaton.matches(name, start, end);
}

// The automaton's program: one step per element, and `**/` as a group that may
// be skipped whole: SKIP_GROUP → ANY_CHARACTERS → '/' → (after the group).
const LITERAL = 0;
const SEGMENT_CHARACTERS = 1;
const ANY_CHARACTERS = 2;
const SKIP_GROUP = 3;
const ACCEPT = 4;

/**
 * A pattern as a program over positions, simulated breadth-first: the set of
 * live positions is kept in preallocated lists (to visit) and marks (to
 * deduplicate), so matching allocates nothing. Shared safely: it is synchronous.
 */
class GlobAutomaton {
  private readonly kinds: Uint8Array;
  private readonly characters: Uint16Array;
  private readonly accept: number;
  private current: Int32Array;
  private next: Int32Array;
  private onCurrent: Uint8Array;
  private onNext: Uint8Array;
  private currentSize = 0;
  private nextSize = 0;

  constructor(elements: readonly number[]) {
    const kinds: number[] = [];
    const characters: number[] = [];
    for (const element of elements) {
      if (element === SEGMENTS_WILDCARD) {
        kinds.push(SKIP_GROUP, ANY_CHARACTERS, LITERAL);
        characters.push(0, 0, SLASH);
      } else {
        kinds.push(
          element === SEGMENT_WILDCARD
            ? SEGMENT_CHARACTERS
            : element === ANY_WILDCARD
              ? ANY_CHARACTERS
              : LITERAL,
        );
        characters.push(Math.max(element, 0));
      }
    }
    kinds.push(ACCEPT);
    characters.push(0);
    this.kinds = Uint8Array.from(kinds);
    this.characters = Uint16Array.from(characters);
    this.accept = kinds.length - 1;
    this.current = new Int32Array(kinds.length);
    this.next = new Int32Array(kinds.length);
    this.onCurrent = new Uint8Array(kinds.length);
    this.onNext = new Uint8Array(kinds.length);
  }

  // Between calls both sets are empty and every mark is 0.
  matches(name: string, start: number, end: number): boolean {
    this.add(0);
    this.advance();
    for (let index = start; index < end && this.currentSize > 0; index++) {
      this.step(foldCode(name.charCodeAt(index)));
      this.advance();
    }
    const accepted = this.onCurrent[this.accept] === 1;
    this.clearCurrent();
    return accepted;
  }

  /** Every live position consumes `code`; where it leads goes to the next set. */
  private step(code: number): void {
    const { kinds, characters, current } = this;
    for (let entry = 0; entry < this.currentSize; entry++) {
      const position = current[entry] ?? 0;
      const kind = kinds[position];
      if (kind === ANY_CHARACTERS || (kind === SEGMENT_CHARACTERS && code !== SLASH)) {
        this.add(position);
      } else if (kind === LITERAL && characters[position] === code) {
        this.add(position + 1);
      }
    }
  }

  /** Adds `position` to the next set, with every position reachable from it without input. */
  private add(position: number): void {
    const { kinds, next, onNext } = this;
    let at = position;
    while (onNext[at] === 0) {
      onNext[at] = 1;
      next[this.nextSize++] = at;
      const kind = kinds[at];
      if (kind === SKIP_GROUP) {
        // Past the group's three steps; the recursion is as deep as the pattern has groups.
        this.add(at + 3);
      } else if (kind !== SEGMENT_CHARACTERS && kind !== ANY_CHARACTERS) {
        return;
      }
      at += 1;
    }
  }

  /** The next set becomes the current one; the old current one is emptied for reuse. */
  private advance(): void {
    this.clearCurrent();
    const list = this.current;
    this.current = this.next;
    this.next = list;
    const marks = this.onCurrent;
    this.onCurrent = this.onNext;
    this.onNext = marks;
    this.currentSize = this.nextSize;
    this.nextSize = 0;
  }

  private clearCurrent(): void {
    for (let entry = 0; entry < this.currentSize; entry++)
      this.onCurrent[this.current[entry] ?? 0] = 0;
    this.currentSize = 0;
  }
}

function foldCode(code: number): number {
  return code >= 0x41 && code <= 0x5a ? code + 0x20 : code;
}

/** True when `name` holds `folded` (already lower case) at `offset`, ignoring ASCII case. */
function hasFoldedAt(name: string, folded: string, offset: number): boolean {
  // Names are normally lower case already: the native comparison decides most calls.
  if (name.startsWith(folded, offset)) return true;
  for (let index = 0; index < folded.length; index++) {
    if (foldCode(name.charCodeAt(offset + index)) !== folded.charCodeAt(index)) return false;
  }
  return true;
}
