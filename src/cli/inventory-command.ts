/**
 * `harbor-image-webhook inventory`: what the policy would do to the images
 * running in the cluster now, per namespace, and whether each namespace is
 * opted in, in audit mode, or off. Read-only; needs `list` on namespaces and
 * pods. Exit codes: 0 done, 2 usage, 3 bad policy or kubeconfig, 4 a file or
 * the cluster could not be read (unreachable, refused credentials, forbidden).
 */
import { parseFlags } from '../config/command-flags.ts';
import { loadPolicyFile } from '../config/policy-file.ts';
import { ExitCode, UsageError, UserError } from '../config/user-error.ts';
import { createInventoryBuilder } from '../core/inventory.ts';
import { createApiTransport } from '../kube/api-transport.ts';
import { ClusterReadError, readInventory, type InventoryScope } from '../kube/inventory-source.ts';
import { currentNamespace, isUnconfigured, loadKubeConfig } from '../kube/kube-config.ts';
import { DEFAULT_OPT_IN_LABEL, optInSelector } from '../kube/opt-in-label.ts';
import type { Command } from './command.ts';
import {
  INVENTORY_API_VERSION,
  INVENTORY_FORMATS,
  renderInventory,
  type InventoryFormat,
} from './inventory-output.ts';

export const INVENTORY_USAGE = `usage: harbor-image-webhook inventory --config FILE [-n NAMESPACE | -A] [-o table|json]
  Lists, per namespace, the images of the Pods running now: those the policy would rewrite
  (and to what), those it would leave and why, and whether the namespace is opted in
  (enabled), in audit mode (audit: the opt-in key with the value "audit") or off.
  --config FILE             policy file (YAML or JSON), the one the webhook serves
  -n, --namespace NS        one namespace (default: the kubeconfig context's, else "default")
  -A, --all-namespaces      every namespace
  -o, --output FORMAT       table (default) | json (kind Inventory, apiVersion ${INVENTORY_API_VERSION}; README)
  --opt-in-label KEY=VALUE  the webhook's opt-in label (default ${DEFAULT_OPT_IN_LABEL})
  --kubeconfig FILE         cluster to read (default: $KUBECONFIG, ~/.kube/config, in-cluster)
  Needs list on namespaces and pods. Exit codes: 0 done, 2 usage, 3 bad policy or
  kubeconfig, 4 unreadable file, cluster unreachable, credentials refused or forbidden.

Examples:
  $ harbor-image-webhook inventory --config policy.yaml -A
  NAMESPACE   OPT-IN    IMAGE                                                   CONTAINERS   ACTION    DETAIL
  payments    enabled   harbor.example.com/dockerhub-proxy/library/nginx:1.25   1            leave     already on the Harbor host; left unchanged
  shop        audit     nginx:1.25                                              2            rewrite   to harbor.example.com/dockerhub-proxy/library/nginx:1.25
  shop        audit     quay.io/prometheus/node-exporter:v1.8.2                 1            leave     no rule matches "quay.io/prometheus/node-exporter"; left unchanged

  2 namespaces, 3 Pods: 1 image to rewrite (2 containers), 2 images left (2 containers)`;

export const inventoryCommand: Command = { usage: INVENTORY_USAGE, run: runInventory };

interface InventoryArgs {
  readonly config: string;
  readonly namespace: string | undefined;
  readonly allNamespaces: boolean;
  readonly output: InventoryFormat;
  readonly optInLabel: string;
  readonly kubeconfig: string | undefined;
}

export async function runInventory(args: readonly string[]): Promise<number> {
  const options = parseInventoryArgs(args);
  // A bad policy file is a UserError (exit 3) reported by the command-line frame.
  const { policy } = await loadPolicyFile(options.config);
  const cluster = connect(options);
  if (!cluster.ok) throw new UserError(ExitCode.configuration, cluster.problem);
  const builder = createInventoryBuilder(policy);
  try {
    await readInventory(builder, {
      transport: cluster.transport,
      scope: cluster.scope,
      optInLabel: options.optInLabel,
      server: cluster.server,
    });
  } catch (error) {
    if (!(error instanceof ClusterReadError)) throw error;
    throw new UserError(ExitCode.io, error.message, { cause: error });
  }
  process.stdout.write(renderInventory(builder.build(), options.optInLabel, options.output));
  return ExitCode.ok;
}

type Connection =
  | {
      readonly ok: true;
      readonly transport: ReturnType<typeof createApiTransport>;
      readonly scope: InventoryScope;
      readonly server: string;
    }
  | { readonly ok: false; readonly problem: string };

function connect(options: InventoryArgs): Connection {
  let config;
  try {
    config = loadKubeConfig({ kubeconfig: options.kubeconfig });
  } catch (error) {
    const cause = (error as Error).cause;
    const detail = cause instanceof Error ? `: ${cause.message.split('\n')[0]}` : '';
    return { ok: false, problem: `${(error as Error).message}${detail}` };
  }
  if (options.kubeconfig === undefined && isUnconfigured(config)) {
    return {
      ok: false,
      problem:
        'no kubeconfig found: set KUBECONFIG, pass --kubeconfig FILE, or create ~/.kube/config',
    };
  }
  const scope: InventoryScope = options.allNamespaces
    ? { kind: 'all' }
    : { kind: 'namespace', name: options.namespace ?? currentNamespace(config) };
  return {
    ok: true,
    transport: createApiTransport(config),
    scope,
    server: config.getCurrentCluster()?.server ?? 'the cluster',
  };
}

function parseInventoryArgs(args: readonly string[]): InventoryArgs {
  const values = parseFlags(args, {
    config: { type: 'string' },
    namespace: { type: 'string', short: 'n' },
    'all-namespaces': { type: 'boolean', short: 'A' },
    output: { type: 'string', short: 'o' },
    'opt-in-label': { type: 'string' },
    kubeconfig: { type: 'string' },
  });
  if (values.config === undefined) throw new UsageError('--config is required');
  const allNamespaces = values['all-namespaces'] ?? false;
  if (allNamespaces && values.namespace !== undefined) {
    throw new UsageError('-n NAMESPACE and -A go apart: one namespace, or all of them');
  }
  const output = values.output ?? 'table';
  if (!(INVENTORY_FORMATS as readonly string[]).includes(output)) {
    throw new UsageError(`-o must be one of ${INVENTORY_FORMATS.join(', ')}`);
  }
  const optInLabel = values['opt-in-label'] ?? DEFAULT_OPT_IN_LABEL;
  try {
    optInSelector(optInLabel);
  } catch (error) {
    throw new UsageError(`--opt-in-label: ${(error as Error).message}`, { cause: error });
  }
  return {
    config: values.config,
    namespace: values.namespace,
    allNamespaces,
    output: output as InventoryFormat,
    optInLabel,
    kubeconfig: values.kubeconfig,
  };
}
