/**
 * The e2e suite's settings, read once from the environment (the only module
 * of the driver that reads `process.env`). See test/e2e/support/README.md.
 */
import { spawnSync } from 'node:child_process';

/** `local`: start a kube-apiserver and the webhook here; `existing`: use `$KUBECONFIG`'s cluster. */
export type ClusterMode = 'local' | 'existing';

export interface E2eSettings {
  readonly mode: ClusterMode;
  /** `existing` mode: the kubeconfig of the cluster (from `$KUBECONFIG`). */
  readonly kubeconfig: string | undefined;
  /** Skip, loudly, instead of failing when Go is missing (`HARBOR_E2E_SKIP_WITHOUT_GO=1`). */
  readonly skipWithoutGo: boolean;
  /** Echo every child process's output to stderr (`HARBOR_E2E_VERBOSE=1`). */
  readonly verbose: boolean;
  /**
   * What the webhook installed in an existing cluster is expected to do; in
   * `local` mode the suite writes a policy with exactly these values.
   */
  readonly expected: ExpectedPolicy;
}

/** The parts of the policy the shared scenarios assert on. */
export interface ExpectedPolicy {
  /** `policy.harbor.host` (`HARBOR_E2E_HARBOR_HOST`, default harbor.example.com). */
  readonly harborHost: string;
  /** The project `docker.io/**` maps to (`HARBOR_E2E_DOCKERHUB_PROJECT`, default dockerhub-proxy). */
  readonly dockerHubProject: string;
  /** `policy.imagePullSecrets` (`HARBOR_E2E_PULL_SECRETS`, comma-separated, default harbor-pull). */
  readonly imagePullSecrets: readonly string[];
  /** The namespace opt-in label (`HARBOR_E2E_OPT_IN_LABEL`, default harbor-image-webhook/enabled=true). */
  readonly optInLabel: { readonly key: string; readonly value: string };
}

function readSettings(env: NodeJS.ProcessEnv): E2eSettings {
  const existing = env['HARBOR_E2E_EXISTING_CLUSTER'] === '1';
  const kubeconfig = env['KUBECONFIG'];
  if (existing && (kubeconfig === undefined || kubeconfig === '')) {
    throw new Error('HARBOR_E2E_EXISTING_CLUSTER=1 needs KUBECONFIG to name the cluster');
  }
  const [key = '', value = ''] = (
    env['HARBOR_E2E_OPT_IN_LABEL'] ?? 'harbor-image-webhook/enabled=true'
  ).split('=');
  return Object.freeze({
    mode: existing ? 'existing' : 'local',
    kubeconfig: existing ? kubeconfig : undefined,
    skipWithoutGo: env['HARBOR_E2E_SKIP_WITHOUT_GO'] === '1',
    verbose: env['HARBOR_E2E_VERBOSE'] === '1',
    expected: Object.freeze({
      harborHost: env['HARBOR_E2E_HARBOR_HOST'] ?? 'harbor.example.com',
      dockerHubProject: env['HARBOR_E2E_DOCKERHUB_PROJECT'] ?? 'dockerhub-proxy',
      imagePullSecrets: (env['HARBOR_E2E_PULL_SECRETS'] ?? 'harbor-pull')
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== ''),
      optInLabel: { key, value },
    }),
  });
}

export const settings: E2eSettings = readSettings(process.env);

/**
 * Why the e2e tests of a file cannot run here, or undefined when they can.
 * Only a missing Go toolchain with `HARBOR_E2E_SKIP_WITHOUT_GO=1` is a skip
 * (announced on stderr); without that variable a missing Go fails the
 * `before` hook with a clear message instead.
 */
export function e2eSkipReason(): string | undefined {
  if (settings.mode === 'existing' || !settings.skipWithoutGo || hasGo()) return undefined;
  const reason =
    'SKIPPED: Go is not installed, so the e2e kube-apiserver cannot be built (HARBOR_E2E_SKIP_WITHOUT_GO=1); these tests did NOT run';
  console.error(`\n*** harbor-image-webhook e2e: ${reason} ***\n`);
  return reason;
}

/** Skip reason for scenarios that need the suite's own apiserver (not an existing cluster). */
export function localOnlySkipReason(): string | undefined {
  return settings.mode === 'existing'
    ? 'needs the suite-started kube-apiserver (HARBOR_E2E_EXISTING_CLUSTER=1 is set)'
    : e2eSkipReason();
}

/** True when `go version` runs. */
export function hasGo(): boolean {
  const result = spawnSync('go', ['version'], { stdio: 'ignore', timeout: 30_000 });
  return result.error === undefined && result.status === 0;
}
