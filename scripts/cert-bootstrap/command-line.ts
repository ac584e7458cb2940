/** Parsing `cert-bootstrap <command> [flags]` into typed options; every mistake is a {@link UsageError}. */
import { parseFlags } from '../../src/config/command-flags.ts';
import { parseSecretPath } from '../../src/core/secret-path.ts';
import {
  certificateSettingFlags,
  readCertificateSettings,
  splitSubjectAltNames,
} from './certificate-settings.ts';
import type { CreateOptions } from './create.ts';
import type { LocalOptions } from './local.ts';
import { FailurePolicy, type PatchOptions } from './patch.ts';
import { closestName } from '../../src/core/edit-distance.ts';
import type { UninstallOptions } from './uninstall.ts';
import { COMMAND_NAMES, UsageError, type CommandName } from './usage.ts';

/** A command ready to run. */
export type CommandLine =
  | { command: 'help'; topic?: CommandName }
  | { command: 'create'; options: CreateOptions; kubeconfig: string | undefined }
  | { command: 'patch'; options: PatchOptions; kubeconfig: string | undefined }
  | { command: 'local'; options: LocalOptions }
  | { command: 'uninstall'; options: UninstallOptions; kubeconfig: string | undefined };

const clusterFlags = {
  namespace: { type: 'string' },
  'secret-name': { type: 'string' },
  kubeconfig: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
} as const;

/** Parses `argv` (without node and the script path). */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError('missing command');
  if (command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (rest.includes('--help') || rest.includes('-h')) {
    return isCommandName(command) ? { command: 'help', topic: command } : { command: 'help' };
  }
  switch (command) {
    case 'create':
      return parseCreate(rest);
    case 'patch':
      return parsePatch(rest);
    case 'local':
      return parseLocal(rest);
    case 'uninstall':
      return parseUninstall(rest);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}${didYouMean(command)}`);
  }
}

function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

function didYouMean(name: string): string {
  const near = closestName(name, COMMAND_NAMES);
  return near === undefined ? '' : `; did you mean "${near}"?`;
}

function parseCreate(args: readonly string[]): CommandLine {
  const values = parseFlags(args, {
    ...clusterFlags,
    ...certificateSettingFlags,
    service: { type: 'string' },
    'extra-san': { type: 'string', multiple: true, default: [] },
  });
  return {
    command: 'create',
    kubeconfig: values.kubeconfig,
    options: {
      ...readCertificateSettings(values),
      namespace: required('--namespace', values.namespace),
      secretName: required('--secret-name', values['secret-name']),
      service: required('--service', values.service),
      extraSubjectAltNames: splitSubjectAltNames('--extra-san', values['extra-san']),
      dryRun: values['dry-run'],
    },
  };
}

function parsePatch(args: readonly string[]): CommandLine {
  const values = parseFlags(args, {
    ...clusterFlags,
    'webhook-name': { type: 'string' },
    'failure-policy': { type: 'string' },
  });
  const failurePolicy = values['failure-policy'];
  const policies: readonly string[] = Object.values(FailurePolicy);
  if (failurePolicy !== undefined && !policies.includes(failurePolicy)) {
    throw new UsageError(`--failure-policy must be one of ${policies.join(', ')}`);
  }
  return {
    command: 'patch',
    kubeconfig: values.kubeconfig,
    options: {
      namespace: required('--namespace', values.namespace),
      secretName: required('--secret-name', values['secret-name']),
      webhookName: required('--webhook-name', values['webhook-name']),
      ...(failurePolicy === undefined ? {} : { failurePolicy: failurePolicy as FailurePolicy }),
      dryRun: values['dry-run'],
    },
  };
}

function parseLocal(args: readonly string[]): CommandLine {
  const values = parseFlags(args, {
    ...certificateSettingFlags,
    'out-dir': { type: 'string' },
    dns: { type: 'string', multiple: true, default: ['localhost'] },
    ip: { type: 'string', multiple: true, default: ['127.0.0.1'] },
  });
  const dns = splitSubjectAltNames('--dns', values.dns);
  const ip = splitSubjectAltNames('--ip', values.ip);
  if (dns.ipAddresses.length > 0 || ip.dnsNames.length > 0) {
    throw new UsageError('--dns takes DNS names and --ip takes IP addresses');
  }
  return {
    command: 'local',
    options: {
      ...readCertificateSettings(values),
      outDir: required('--out-dir', values['out-dir']),
      dnsNames: dns.dnsNames,
      ipAddresses: ip.ipAddresses,
    },
  };
}

function parseUninstall(args: readonly string[]): CommandLine {
  const values = parseFlags(args, {
    ...clusterFlags,
    'secret-name': { type: 'string', multiple: true, default: [] },
    'pull-secret-source': { type: 'string' },
  });
  const source = values['pull-secret-source'];
  const pullSecretSource = source === undefined ? undefined : parseSecretPath(source);
  if (source !== undefined && pullSecretSource === undefined) {
    throw new UsageError(
      `--pull-secret-source must be namespace/name of a Secret, not ${JSON.stringify(source)}`,
    );
  }
  return {
    command: 'uninstall',
    kubeconfig: values.kubeconfig,
    options: {
      namespace: required('--namespace', values.namespace),
      secretNames: values['secret-name'].filter((name) => name !== ''),
      pullSecretSource,
      dryRun: values['dry-run'],
    },
  };
}

function required(flag: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  return value;
}
