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

/**
 * True when the default loading rules found nothing (no `$KUBECONFIG`, no
 * `~/.kube/config`, not in a Pod) and client-node fell back to
 * `http://localhost:8080`: a command run from a terminal should say so rather
 * than fail to connect to a server nobody configured.
 */
export function isUnconfigured(config: KubeConfig): boolean {
  const cluster = config.getCurrentCluster();
  return (
    config.getCurrentContext() === 'loaded-context' &&
    cluster?.name === 'cluster' &&
    cluster.server === 'http://localhost:8080'
  );
}

/** The namespace of the current context, `default` when it names none (kubectl's rule). */
export function currentNamespace(config: KubeConfig): string {
  const namespace = config.getContextObject(config.getCurrentContext())?.namespace;
  return namespace === undefined || namespace === '' ? 'default' : namespace;
}
