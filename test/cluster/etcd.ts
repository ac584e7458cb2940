/** etcd, embedded in the multi-call binary (`kube etcd`), on the namespace's 127.0.0.1. */
import { startDaemon, waitForLog } from './daemons.ts';
import { paths } from './layout.ts';
import type { ClusterState } from './state.ts';

/** Where the apiserver finds etcd. */
export const ETCD_URL = 'http://127.0.0.1:2379';

/** Starts etcd and waits until it serves. */
export async function startEtcd(state: ClusterState, kube: string): Promise<void> {
  const recorded = await startDaemon(state, 'etcd', [
    kube,
    'etcd',
    `--data-dir=${paths.etcdData}`,
    `--listen-client-url=${ETCD_URL}`,
    '--listen-peer-url=http://127.0.0.1:2380',
  ]);
  await waitForLog(recorded, /etcd ready at/, 60_000);
}
