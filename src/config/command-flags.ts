/**
 * Flag parsing for every command (node:util parseArgs, strict), with
 * mistakes reported in the user's terms: the flag they typed, and the flag
 * they probably meant ("unknown flag --outdir; did you mean --out-dir?").
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closestName } from '../core/edit-distance.ts';
import { UsageError } from './user-error.ts';

type FlagSpecs = NonNullable<ParseArgsConfig['options']>;

/** Parses `args` against `options`; any mistake is a {@link UsageError} naming the flag. */
export function parseFlags<T extends FlagSpecs>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const flags = Object.entries(options).flatMap(([name, spec]) => [
      `--${name}`,
      ...(spec.short === undefined ? [] : [`-${spec.short}`]),
    ]);
    throw new UsageError(describeFlagError(error, flags), { cause: error });
  }
}

/** parseArgs' error in the user's terms; `flags` are the known ones, for "did you mean". */
export function describeFlagError(error: unknown, flags: Iterable<string>): string {
  const { code, message } = error as { code?: string; message: string };
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const typed = /'([^']+)'/.exec(message)?.[1] ?? '';
    const near = closestName(typed, [...flags]);
    return `unknown flag ${typed}${near === undefined ? '' : `; did you mean ${near}?`}`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const typed = /'([^']+)'/.exec(message)?.[1] ?? '';
    return `unexpected argument ${JSON.stringify(typed)}: every value follows its flag (--flag VALUE)`;
  }
  // "Option '--port <value>' argument missing" and the like already name the flag.
  return message.split('. ')[0] ?? message;
}
