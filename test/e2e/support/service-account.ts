/**
 * Acting as a ServiceAccount: a kubeconfig with a short-lived token from the
 * TokenRequest API, so a test can prove that the chart's RBAC grants its
 * Jobs exactly what their commands need.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { E2eCluster } from './cluster.ts';

/** Writes `<dir>/<namespace>-<name>.kubeconfig.json` for ServiceAccount `namespace/name` and returns its path. */
export async function writeServiceAccountKubeconfig(
  cluster: E2eCluster,
  serviceAccount: { namespace: string; name: string },
  dir: string,
): Promise<string> {
  const { namespace, name } = serviceAccount;
  const request = await cluster.core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const token = request.status?.token;
  if (token === undefined)
    throw new Error(`no token issued for ServiceAccount ${namespace}/${name}`);
  const current = cluster.kubeConfig.getCurrentCluster();
  if (current === null) throw new Error('the cluster kubeconfig has no current cluster');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ ...current, name: 'e2e' }],
    users: [{ name: `${namespace}-${name}`, token }],
    contexts: [{ name: 'e2e', cluster: 'e2e', user: `${namespace}-${name}` }],
    currentContext: 'e2e',
  });
  const file = join(dir, `${namespace}-${name}.kubeconfig.json`);
  await writeFile(file, kubeConfig.exportConfig(), { mode: 0o600 });
  return file;
}
