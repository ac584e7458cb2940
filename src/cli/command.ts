/**
 * What a `harbor-image-webhook` command is: its `--help` text and a `run`.
 * Adding one is a file exporting a {@link Command} and a line in
 * `commands.ts`; the frame does the rest (`--help`, `--debug`, error
 * reporting, exit codes).
 */
export interface Command {
  /**
   * The whole `--help`: a usage line, the flags and at least one example
   * under an `Examples:` heading (a test checks every command has one).
   */
  readonly usage: string;
  /**
   * Runs with the arguments after the command's name; resolves to the exit
   * code (`ExitCode` in config/user-error.ts). For an expected failure throw a
   * `UserError` (a `UsageError` for a wrong command line): the frame prints
   * it as one message with its hint, and the stack only under `--debug`.
   */
  readonly run: (args: readonly string[]) => Promise<number>;
}
