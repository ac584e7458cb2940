/**
 * The cluster a test file runs against: by default a kube-apiserver started
 * for the file (node:test runs each file in its own process), or, with
 * `HARBOR_E2E_EXISTING_CLUSTER=1`, the cluster of `$KUBECONFIG`.
 */
import { AdmissionregistrationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import {
  startKubeApiserver,
  type KubeApiserver,
  type KubeApiserverOptions,
} from './kube-apiserver.ts';
import { NamespaceTracker } from './namespaces.ts';
import { settings, type ClusterMode } from './settings.ts';
import { pollUntil } from './wait.ts';

/** Everything a scenario needs to talk to the cluster. */
export interface E2eCluster {
  readonly mode: ClusterMode;
  readonly kubeConfig: KubeConfig;
  /** For kubectl, helm and cert-bootstrap (`--kubeconfig`). */
  readonly kubeconfigFile: string;
  readonly core: CoreV1Api;
  readonly admissionregistration: AdmissionregistrationV1Api;
  /** Creates this file's namespaces; they are deleted by {@link E2eCluster.stop}. */
  readonly namespaces: NamespaceTracker;
  /** The apiserver started for this file (`local` mode only). */
  readonly apiserver: KubeApiserver | undefined;
  /**
   * Stops the apiserver (local mode) or deletes this file's namespaces
   * (existing mode). Call it from `after`.
   */
  stop(): Promise<void>;
}

/**
 * Starts (or connects to) the cluster and waits until kube-system exists.
 * `options` shape a started apiserver; an existing cluster is as it is.
 */
export async function startCluster(options: KubeApiserverOptions = {}): Promise<E2eCluster> {
  const apiserver = settings.mode === 'local' ? await startKubeApiserver(options) : undefined;
  const kubeConfig = apiserver?.kubeConfig ?? loadExistingKubeConfig();
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const namespaces = new NamespaceTracker(core);
  const cluster: E2eCluster = {
    mode: settings.mode,
    kubeConfig,
    kubeconfigFile: apiserver?.kubeconfigFile ?? settings.kubeconfig ?? '',
    core,
    admissionregistration: kubeConfig.makeApiClient(AdmissionregistrationV1Api),
    namespaces,
    apiserver,
    stop: async () => {
      // A suite-started apiserver takes its namespaces with it (and without a
      // controller-manager they would stay Terminating anyway).
      if (apiserver !== undefined) return apiserver.stop();
      await namespaces.deleteAll().catch((error: unknown) => {
        console.error('e2e: could not delete every test namespace:', error);
      });
    },
  };
  try {
    // The apiserver creates its system namespaces right after it turns ready.
    await pollUntil(
      'the kube-system namespace exists',
      async () => (await core.readNamespace({ name: 'kube-system' })).metadata?.name,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

function loadExistingKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(settings.kubeconfig ?? '');
  return kubeConfig;
}
