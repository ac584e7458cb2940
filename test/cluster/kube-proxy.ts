/**
 * kube-proxy in iptables mode, so Pods (and the apiserver, through the
 * Service route of network-namespace.ts) reach Services. Its conntrack
 * settings are left alone: they are host-wide, and a test cluster must not
 * change them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inNode, tryRun } from './commands.ts';
import { startDaemon, waitFor } from './daemons.ts';
import { addresses, NODE_NAME, paths } from './layout.ts';
import type { Pki } from './pki.ts';
import type { ClusterState } from './state.ts';

const HEALTHZ = '127.0.0.1:10256';

function proxyConfig(kubeconfig: string): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: ${kubeconfig}
mode: iptables
clusterCIDR: ${addresses.podSubnet}
hostnameOverride: ${NODE_NAME}
bindAddress: ${addresses.node}
healthzBindAddress: ${HEALTHZ}
metricsBindAddress: 127.0.0.1:10249
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
`;
}

/** Starts kube-proxy (healthy only once its Node exists: see {@link waitUntilKubeProxyHealthy}). */
export async function startKubeProxy(state: ClusterState, kube: string, pki: Pki): Promise<void> {
  const dir = join(paths.etc, 'kube-proxy');
  await mkdir(dir, { recursive: true });
  const configFile = join(dir, 'config.yaml');
  await writeFile(configFile, proxyConfig(pki.kubeconfigs['kube-proxy']));
  await startDaemon(state, 'kube-proxy', [kube, 'kube-proxy', `--config=${configFile}`]);
}

/** Waits until kube-proxy's health check answers 200: its rules are in sync. */
export async function waitUntilKubeProxyHealthy(state: ClusterState): Promise<void> {
  const recorded = state.processes.find((r) => r.part === 'kube-proxy')!;
  const holderPid = state.holder!.pid;
  await waitFor(recorded, `http://${HEALTHZ}/healthz answers 200`, 60_000, async () =>
    (await tryRun(
      inNode(holderPid, ['curl', '-sf', '-o', '/dev/null', `http://${HEALTHZ}/healthz`]),
      5_000,
    ))
      ? true
      : undefined,
  );
}
