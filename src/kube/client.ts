/**
 * Kubernetes API clients, built once by a command's entry point and passed
 * down, so every function doing Kubernetes I/O can be handed a fake instead.
 */
import { AdmissionregistrationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';

/** The API groups the project talks to. */
export interface KubeClients {
  core: CoreV1Api;
  admissionregistration: AdmissionregistrationV1Api;
}

/**
 * Clients for the cluster in `kubeconfig`, or, without one, the default
 * resolution of `KubeConfig.loadFromDefault()`: `$KUBECONFIG`, `~/.kube/config`,
 * then the in-cluster service account when running in a Pod.
 */
export function createKubeClients(options: { kubeconfig?: string | undefined } = {}): KubeClients {
  const config = new KubeConfig();
  try {
    if (options.kubeconfig === undefined) config.loadFromDefault();
    else config.loadFromFile(options.kubeconfig);
  } catch (error) {
    const source = options.kubeconfig ?? 'the default kubeconfig';
    throw new Error(`cannot load Kubernetes client configuration from ${source}`, { cause: error });
  }
  return {
    core: config.makeApiClient(CoreV1Api),
    admissionregistration: config.makeApiClient(AdmissionregistrationV1Api),
  };
}
