/**
 * cert-bootstrap: makes the webhook's serving certificate and injects its CA
 * into the webhook registration, as two idempotent steps (`create`, `patch`)
 * that Helm runs as pre-install/pre-upgrade hook Jobs, plus `local` for a
 * cluster-free setup, and `uninstall`, the post-delete hook that removes the
 * Secrets the release made at run time (the TLS Secret, the pull-secret copies). See `usage.ts` for the command line, which is a contract.
 *
 * This file is wiring only: parse, build clients, run, print, exit.
 */
import { describeError } from './cert-bootstrap/api-status.ts';
import { parseCommandLine, type CommandLine } from './cert-bootstrap/command-line.ts';
import { createTlsSecret } from './cert-bootstrap/create.ts';
import { writeLocalCertificates } from './cert-bootstrap/local.ts';
import { patchCaBundle } from './cert-bootstrap/patch.ts';
import { uninstallRelease } from './cert-bootstrap/uninstall.ts';
import { commandUsage, usage, UsageError } from './cert-bootstrap/usage.ts';
import { UserError } from '../src/config/user-error.ts';

const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

async function main(argv: readonly string[]): Promise<number> {
  let commandLine: CommandLine;
  try {
    commandLine = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const [command] = argv;
    const help = command !== undefined && Object.hasOwn(commandUsage, command);
    const text = help ? commandUsage[command as keyof typeof commandUsage] : usage;
    console.error(`cert-bootstrap: ${error.message}${hintOf(error)}\n\n${text}`);
    return ExitCode.usage;
  }
  if (commandLine.command === 'help') {
    console.log(commandLine.topic === undefined ? usage : commandUsage[commandLine.topic]);
    return ExitCode.ok;
  }
  try {
    console.log(JSON.stringify(await run(commandLine)));
    return ExitCode.ok;
  } catch (error) {
    // A file or directory the user can fix: the shared form and exit code (4), no cause chain.
    const message =
      error instanceof UserError ? `${error.message}${hintOf(error)}` : describeErrorChain(error);
    console.error(`cert-bootstrap ${commandLine.command}: ${message}`);
    return error instanceof UserError ? error.exitCode : ExitCode.failure;
  }
}

async function run(commandLine: Exclude<CommandLine, { command: 'help' }>): Promise<object> {
  if (commandLine.command === 'local') return writeLocalCertificates(commandLine.options);
  // Loaded only for cluster commands: the client library takes most of a second to import.
  const { createKubeClients } = await import('../src/kube/client.ts');
  const clients = createKubeClients({ kubeconfig: commandLine.kubeconfig });
  if (commandLine.command === 'create') return createTlsSecret(clients.core, commandLine.options);
  if (commandLine.command === 'uninstall')
    return uninstallRelease(clients.core, commandLine.options);
  return patchCaBundle(
    { secrets: clients.core, webhookConfigurations: clients.admissionregistration },
    commandLine.options,
  );
}

function hintOf(error: UserError): string {
  return error.hint === undefined ? '' : `\n  hint: ${error.hint}`;
}

// "cannot read Secret ns/name: HTTP 403: secrets "name" is forbidden: …"
function describeErrorChain(error: unknown): string {
  const messages: string[] = [];
  // Bounded, in case a cause chain loops.
  for (let current = error, depth = 0; current !== undefined && depth < 10; depth++) {
    messages.push(describeError(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return messages.join(': ');
}

process.exitCode = await main(process.argv.slice(2));
