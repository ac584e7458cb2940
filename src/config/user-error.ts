/**
 * Expected failures: things the person running a command can fix (a wrong
 * flag, a bad policy, a missing file, a port in use). Any command or adapter
 * throws a {@link UserError}; the command line reports it as one message,
 * "what failed, where, how to fix it", with its exit code and without a
 * JavaScript stack (`--debug` shows it). Anything else is a bug.
 */

/** The documented exit codes; scripts test them. */
export const ExitCode = {
  ok: 0,
  /** The command ran and found problems in its input (an unparsable manifest, say). */
  problems: 1,
  /** The command line is wrong: unknown command or flag, a missing or bad value. */
  usage: 2,
  /** A configuration file or setting is wrong: the policy, a certificate or key, the Node.js version. */
  configuration: 3,
  /** A file, directory or port could not be read, written or bound. */
  io: 4,
  /** An unexpected error: a bug (printed with its stack; please report it). */
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface UserErrorOptions extends ErrorOptions {
  /** How to fix it, as an instruction: "choose another --port". */
  readonly hint?: string | undefined;
}

/** A failure the user can fix; `message` says what failed and where. */
export class UserError extends Error {
  override readonly name: string = 'UserError';
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(exitCode: ExitCode, message: string, options: UserErrorOptions = {}) {
    super(message, options);
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

/** A command line that cannot be run; reported with the command's usage. Exit code 2. */
export class UsageError extends UserError {
  override readonly name: string = 'UsageError';

  constructor(message: string, options: UserErrorOptions = {}) {
    super(ExitCode.usage, message, options);
  }
}
