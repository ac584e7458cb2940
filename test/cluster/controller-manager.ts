/**
 * kube-controller-manager: without it the node keeps its not-ready taint,
 * no namespace gets its default ServiceAccount and no Deployment makes Pods.
 */
import { startDaemon } from './daemons.ts';
import { addresses } from './layout.ts';
import type { Pki } from './pki.ts';
import type { ClusterState } from './state.ts';

/** Starts the controller-manager (readiness shows in the cluster: see the bring-up's waits). */
export async function startControllerManager(
  state: ClusterState,
  kube: string,
  pki: Pki,
): Promise<void> {
  const kubeconfig = pki.kubeconfigs['kube-controller-manager'];
  await startDaemon(state, 'kube-controller-manager', [
    kube,
    'kube-controller-manager',
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    '--leader-elect=false',
    '--cluster-name=harbor-node',
    `--service-cluster-ip-range=${addresses.serviceSubnet}`,
    `--service-account-private-key-file=${pki.serviceAccountKeyFile}`,
    `--root-ca-file=${pki.clusterCaFile}`,
    // Each controller acts as its own ServiceAccount, with its own RBAC, as in kubeadm clusters.
    '--use-service-account-credentials=true',
    '--profiling=false',
  ]);
}
