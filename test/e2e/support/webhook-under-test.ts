/**
 * Our webhook, ready in the cluster: in `local` mode a `serve` process plus a
 * registration that only selects namespaces carrying a per-scenario label, so
 * several can coexist in one apiserver; in `existing` mode the webhook the
 * chart installed. Either way it returns once the apiserver really rewrites.
 */
import type { E2eCluster } from './cluster.ts';
import {
  applyRegistration,
  deleteRegistration,
  waitUntilRewriting,
  type RegistrationOptions,
} from './registration.ts';
import { settings } from './settings.ts';
import {
  startWebhookProcess,
  type ServingFiles,
  type WebhookProcess,
  type WebhookProcessOptions,
} from './webhook-process.ts';

/** The label a scenario's namespaces carry, besides the opt-in label, to reach its own webhook. */
export const SCENARIO_LABEL = 'e2e.harbor-image-webhook/scenario';

/**
 * The policy the suite serves in `local` mode, matching
 * `settings.expected` (so the same assertions hold on an existing cluster),
 * with `overrides` merged over its top-level fields.
 */
export function e2ePolicy(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const expected = settings.expected;
  return {
    harbor: { host: expected.harborHost },
    rules: [
      { match: 'docker.io/**', project: expected.dockerHubProject },
      { match: 'ghcr.io/**', project: 'ghcr-proxy' },
    ],
    exclude: ['registry.k8s.io/pause'],
    imagePullSecrets: [...expected.imagePullSecrets],
    imagePullPolicy: 'enforce',
    onError: 'allow',
    ...overrides,
  };
}

export interface DeployOptions {
  /** Lowercase name, unique in the file: names the registration and the namespace label. */
  readonly scenario: string;
  /** Overrides of {@link e2ePolicy} (local mode). */
  readonly policy?: Record<string, unknown>;
  /** Registration settings (local mode); the URL, CA and selector are filled in. */
  readonly registration?: Partial<
    Omit<RegistrationOptions, 'name' | 'url' | 'caBundle' | 'namespaceLabels'>
  >;
  /** Serve these certificate files instead of fresh ones (local mode). */
  readonly tls?: ServingFiles;
  /** More `serve` flags and its environment (local mode), e.g. `--kubeconfig` for cluster-aware features. */
  readonly serve?: Pick<WebhookProcessOptions, 'extraArgs' | 'env'>;
  /** The Harbor host the policy rewrites to, when an override names another than the settings' one. */
  readonly harborHost?: string;
}

/** Our webhook, in force for namespaces with the opt-in label and {@link DeployedWebhook.namespaceLabels}. */
export interface DeployedWebhook {
  /** Extra labels a namespace needs to be served by this webhook (empty in `existing` mode). */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /** The MutatingWebhookConfiguration's name (local mode). */
  readonly registrationName: string | undefined;
  /** The `serve` process (local mode). */
  readonly process: WebhookProcess | undefined;
  /** Deletes the registration, stops the process. Idempotent. */
  stop(): Promise<void>;
}

/** Deploys (local) or finds (existing) our webhook and waits until the apiserver rewrites through it. */
export async function deployWebhook(
  cluster: E2eCluster,
  options: DeployOptions,
): Promise<DeployedWebhook> {
  const namespaceLabels = cluster.mode === 'local' ? { [SCENARIO_LABEL]: options.scenario } : {};
  const deployed =
    cluster.mode === 'local'
      ? await deployLocally(cluster, options, namespaceLabels)
      : {
          namespaceLabels,
          registrationName: undefined,
          process: undefined,
          stop: () => Promise.resolve(),
        };
  try {
    const probe = await cluster.namespaces.create(`${options.scenario}-probe`, {
      optIn: true,
      labels: namespaceLabels,
    });
    await waitUntilRewriting(cluster.core, probe, options.harborHost);
  } catch (error) {
    await deployed.stop();
    throw error;
  }
  return deployed;
}

async function deployLocally(
  cluster: E2eCluster,
  options: DeployOptions,
  namespaceLabels: Record<string, string>,
): Promise<DeployedWebhook> {
  const server = await startWebhookProcess({
    name: `webhook-${options.scenario}`,
    policy: e2ePolicy(options.policy),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...options.serve,
  });
  const registrationName = `e2e-${options.scenario}-harbor-image-webhook`;
  const stop = async (): Promise<void> => {
    await deleteRegistration(cluster.admissionregistration, registrationName).catch(
      () => undefined,
    );
    await server.stop();
  };
  try {
    await applyRegistration(cluster.admissionregistration, {
      ...options.registration,
      name: registrationName,
      url: server.url,
      auditUrl: new URL('/audit', server.url).href,
      caBundle: server.caBundle,
      namespaceLabels,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { namespaceLabels, registrationName, process: server, stop };
}
