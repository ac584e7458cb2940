/**
 * Kubernetes API clients, built once by a command's entry point and passed
 * down, so every function doing Kubernetes I/O can be handed a fake instead.
 */
import { AdmissionregistrationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from './kube-config.ts';

/** The API groups the project talks to. */
export interface KubeClients {
  core: CoreV1Api;
  admissionregistration: AdmissionregistrationV1Api;
}

/**
 * Clients for the cluster in `kubeconfig`, or, without one, the default
 * resolution: `$KUBECONFIG`, `~/.kube/config`, then the in-cluster service
 * account when running in a Pod.
 */
export function createKubeClients(options: { kubeconfig?: string | undefined } = {}): KubeClients {
  const config = loadKubeConfig(options);
  return {
    core: config.makeApiClient(CoreV1Api),
    admissionregistration: config.makeApiClient(AdmissionregistrationV1Api),
  };
}
