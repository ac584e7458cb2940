/**
 * The `harbor-image-webhook` command line: finds the command, answers
 * `--help` and `--version`, runs it and turns what it throws into one message
 * and an exit code (failure-report.ts). Only the command asked for is loaded:
 * `serve` never pays for the preview's modules, nor the reverse.
 *
 * A new command is a file exporting a {@link Command} and one entry below.
 */
import { closestName } from '../core/edit-distance.ts';
import { ExitCode, UsageError } from '../config/user-error.ts';
import type { Command } from './command.ts';
import { reportFailure } from './failure-report.ts';
import { productVersion } from '../version.ts';

interface CommandEntry {
  /** One line in the command list. */
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  serve: {
    summary: 'run the webhook: HTTPS /mutate, /preview, /healthz, /readyz, /metrics',
    load: async () => (await import('./serve-command.ts')).serveCommand,
  },
  preview: {
    summary: 'show what the webhook would change in a manifest, offline',
    load: async () => (await import('./preview-command.ts')).previewCommand,
  },
  inventory: {
    summary: 'list what the policy would do to the images running in a live cluster',
    load: async () => (await import('./inventory-command.ts')).inventoryCommand,
  },
  'sync-plan': {
    summary: 'plan the skopeo copy of every image the policy sends to Harbor',
    load: async () => (await import('./sync-plan-command.ts')).syncPlanCommand,
  },
};

const PROGRAM = 'harbor-image-webhook';

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const list = Object.entries(COMMANDS)
    .map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`)
    .join('\n');
  return `Routes every Pod image through a private Harbor registry.

Usage: ${PROGRAM} <command> [flags]

Commands:
${list}

Flags for every command:
  -h, --help     the command's flags and examples
  --debug        print the stack of an error (also LOG_LEVEL=debug)
  --version      print the version

Exit codes: 0 ok, 1 the input has problems, 2 usage, 3 configuration, 4 I/O (file, directory, port).

Examples:
  ${PROGRAM} preview --config examples/policy.yaml -f examples/bundle.yaml -o diff
  ${PROGRAM} serve --config examples/policy.yaml
  ${PROGRAM} serve --help`;
}

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function runCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const debug = argv.includes('--debug') || env['LOG_LEVEL']?.toLowerCase() === 'debug';
  const [name = '', ...args] = argv.filter((arg) => arg !== '--debug');
  if (name === '--version' || name === 'version') {
    console.log(productVersion());
    return ExitCode.ok;
  }
  if (['--help', '-h', 'help'].includes(name)) return printHelp(args[0], env);
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    const problem =
      name === ''
        ? 'no command given'
        : `unknown command ${JSON.stringify(name)}${didYouMean(name)}`;
    return reportFailure(new UsageError(problem), { program: PROGRAM, usage: overview(), debug });
  }
  return runCommand(`${PROGRAM} ${name}`, entry, args, debug);
}

/** `help` alone: the overview; `help preview`: the command's own help. */
async function printHelp(
  topic: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  if (topic !== undefined && Object.hasOwn(COMMANDS, topic)) {
    return runCommandLine([topic, '--help'], env);
  }
  console.log(overview());
  return ExitCode.ok;
}

/** Loads and runs one command; whatever it throws becomes one message and an exit code. */
async function runCommand(
  program: string,
  entry: CommandEntry,
  args: readonly string[],
  debug: boolean,
): Promise<number> {
  let usage: string | undefined;
  try {
    const command = await entry.load();
    usage = command.usage;
    if (args.includes('--help') || args.includes('-h')) {
      console.log(command.usage);
      return ExitCode.ok;
    }
    return await command.run(args);
  } catch (error) {
    return reportFailure(
      error,
      usage === undefined ? { program, debug } : { program, usage, debug },
    );
  }
}

function didYouMean(name: string): string {
  const near = closestName(name, Object.keys(COMMANDS));
  return near === undefined ? '' : `; did you mean "${near}"?`;
}
