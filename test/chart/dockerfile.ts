// A small Dockerfile reader for the image tests: instructions grouped by build stage.
// Handles comments, blank lines and backslash continuations; not heredocs (the Dockerfile has none).

/** One instruction, keyword upper-cased, arguments with continuations joined. */
export interface Instruction {
  keyword: string;
  args: string;
}

/** One build stage: its FROM image, its `AS` name and its instructions after FROM. */
export interface Stage {
  /** The image with global build arguments replaced by their defaults. */
  image: string;
  /** The image as written after FROM (`${BUILD_BASE}` stays as it is). */
  written: string;
  name: string | undefined;
  instructions: Instruction[];
}

function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    lines.push(pending + line);
    pending = '';
  }
  if (pending !== '') lines.push(pending.trim());
  return lines;
}

/** `${NAME}` and `$NAME` in `value`, replaced from `defaults` (unknown names left as written). */
function substitute(value: string, defaults: ReadonlyMap<string, string>): string {
  return value.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (whole, braced?: string, bare?: string) => defaults.get(braced ?? bare ?? '') ?? whole,
  );
}

/**
 * The global build arguments (ARG before the first FROM) with their defaults, as FROM sees them
 * when no --build-arg overrides them.
 */
export function globalArgs(text: string): Map<string, string> {
  const defaults = new Map<string, string>();
  for (const line of logicalLines(text)) {
    if (/^FROM\s/i.test(line)) break;
    const arg = /^ARG\s+(\w+)(?:=(\S*))?$/i.exec(line);
    if (arg) defaults.set(arg[1]!, arg[2] ?? '');
  }
  return defaults;
}

/** Parses a Dockerfile into its stages; instructions before the first FROM (ARG) are dropped. */
export function parseDockerfile(text: string): Stage[] {
  const defaults = globalArgs(text);
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const match = /^(\S+)\s+(.*)$/s.exec(line);
    if (!match) continue;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!;
    if (keyword === 'FROM') {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      const written = from?.[1] ?? args;
      stages.push({
        image: substitute(written, defaults),
        written,
        name: from?.[2],
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push({ keyword, args });
    }
  }
  return stages;
}

/** The arguments of the stage's instructions with `keyword`, in order. */
export function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions
    .filter((instruction) => instruction.keyword === keyword)
    .map((instruction) => instruction.args);
}

/** An exec-form (JSON array) ENTRYPOINT or CMD; throws on the shell form. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw new Error(`not an exec-form JSON array of strings: ${args}`);
  }
  return parsed as string[];
}

/** KEY=value pairs of an ENV instruction (values may be double-quoted). */
export function envPairs(args: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S+)/g)) {
    pairs.set(match[1]!, match[3] ?? match[2]!);
  }
  return pairs;
}
