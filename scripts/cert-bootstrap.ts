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
import { usage, UsageError } from './cert-bootstrap/usage.ts';

const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

async function main(argv: readonly string[]): Promise<number> {
  let commandLine: CommandLine;
  try {
    commandLine = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`cert-bootstrap: ${error.message}\n\n${usage}`);
    return ExitCode.usage;
  }
  if (commandLine.command === 'help') {
    console.log(usage);
    return ExitCode.ok;
  }
  try {
    console.log(JSON.stringify(await run(commandLine)));
    return ExitCode.ok;
  } catch (error) {
    console.error(`cert-bootstrap ${commandLine.command}: ${describeErrorChain(error)}`);
    return ExitCode.failure;
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
