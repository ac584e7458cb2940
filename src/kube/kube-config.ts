/**
 * The KubeConfig every Kubernetes client of the project is built from: a file
 * when given, otherwise `$KUBECONFIG`, `~/.kube/config`, then the in-cluster
 * service account.
 */
import { KubeConfig } from '@kubernetes/client-node';

export function loadKubeConfig(options: { kubeconfig?: string | undefined } = {}): KubeConfig {
  const config = new KubeConfig();
  try {
    if (options.kubeconfig === undefined) config.loadFromDefault();
    else config.loadFromFile(options.kubeconfig);
  } catch (error) {
    const source = options.kubeconfig ?? 'the default kubeconfig';
    throw new Error(`cannot load Kubernetes client configuration from ${source}`, { cause: error });
  }
  if (config.getCurrentCluster() === null) {
    const source = options.kubeconfig ?? 'the default kubeconfig';
    throw new Error(`${source} names no current cluster`);
  }
  return config;
}
