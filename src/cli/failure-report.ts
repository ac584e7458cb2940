/**
 * How every command reports a failure: one message on stderr, saying what
 * failed and where, then how to fix it; the usage for a wrong command line;
 * the stack only with `--debug` (or `LOG_LEVEL=debug`), or for a bug.
 */
import { ExitCode, UsageError, UserError } from '../config/user-error.ts';

export interface FailureContext {
  /** `harbor-image-webhook preview`: the prefix of the message. */
  readonly program: string;
  /** The command's usage, printed after a usage error. */
  readonly usage?: string;
  readonly debug: boolean;
}

/** Writes `error` to stderr and returns the exit code for it. */
export function reportFailure(
  error: unknown,
  context: FailureContext,
  write: (text: string) => void = (text) => process.stderr.write(text),
): ExitCode {
  if (error instanceof UserError) {
    const lines = [`${context.program}: ${error.message}`];
    if (error.hint !== undefined) lines.push(`  hint: ${error.hint}`);
    if (error instanceof UsageError && context.usage !== undefined) lines.push('', context.usage);
    if (context.debug) lines.push('', stackOf(error));
    write(`${lines.join('\n')}\n`);
    return error.exitCode;
  }
  write(
    `${context.program}: unexpected error (a bug; please report it with this output):\n${stackOf(error)}\n`,
  );
  return ExitCode.internal;
}

/** The stack of `error` and of each cause (bounded, in case a chain loops). */
function stackOf(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 10; depth++) {
    parts.push(
      (depth === 0 ? '' : 'caused by: ') +
        (current instanceof Error ? (current.stack ?? current.message) : String(current)),
    );
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\n');
}
