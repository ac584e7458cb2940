/** kube-scheduler: binds Pods to the one node. */
import { startDaemon } from './daemons.ts';
import type { Pki } from './pki.ts';
import type { ClusterState } from './state.ts';

/** Starts the scheduler. */
export async function startScheduler(state: ClusterState, kube: string, pki: Pki): Promise<void> {
  const kubeconfig = pki.kubeconfigs['kube-scheduler'];
  await startDaemon(state, 'kube-scheduler', [
    kube,
    'kube-scheduler',
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    '--leader-elect=false',
    '--profiling=false',
  ]);
}
