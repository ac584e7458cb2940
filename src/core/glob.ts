/**
 * Glob patterns over normalized image names (`docker.io/library/nginx`).
 * `*` matches within one path segment, `**` across any number of segments;
 * a pattern without wildcards matches exactly that name.
 */

/** A compiled glob: compile once at policy load, test on every image. */
export interface Glob {
  readonly pattern: string;
  matches(name: string): boolean;
}

const SPECIAL_CHARACTERS = /[.+?^${}()|[\]\\]/g;

/** Compiles `pattern` into a matcher. Registry hosts are case-insensitive, so matching is too. */
export function compileGlob(pattern: string): Glob {
  if (!pattern.includes('*')) {
    const exact = pattern.toLowerCase();
    return { pattern, matches: (name) => name.toLowerCase() === exact };
  }
  const source = pattern
    .split(/(\*\*\/|\*\*|\*)/)
    .map((part) => {
      // `**/` may also match no segment at all: `ghcr.io/**/app` matches `ghcr.io/app`.
      if (part === '**/') return '(?:.*/)?';
      if (part === '**') return '.*';
      if (part === '*') return '[^/]*';
      return part.replace(SPECIAL_CHARACTERS, '\\$&');
    })
    .join('');
  const regexp = new RegExp(`^${source}$`, 'i');
  return { pattern, matches: (name) => regexp.test(name) };
}

/** Why `pattern` cannot be a glob, or undefined when it can. */
export function describeBadGlob(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'must not be empty';
  if (/\*{3,}/.test(pattern)) return 'use "*" for one segment or "**" for many, not "***"';
  if (/\s/.test(pattern)) return 'must not contain white space';
  return undefined;
}
