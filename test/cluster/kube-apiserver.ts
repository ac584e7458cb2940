/**
 * kube-apiserver, from the multi-call binary, on the node's address. Static
 * tokens for every component, Node and RBAC authorization, and
 * `--enable-aggregator-routing` so the apiserver calls webhooks at their
 * Service's endpoints (it runs on the node, outside any Pod network).
 */
import { httpsGet } from '../e2e/support/tls-probes.ts';
import { startDaemon, waitFor } from './daemons.ts';
import { ETCD_URL } from './etcd.ts';
import { addresses, APISERVER_PORT, HOST_API_PORT } from './layout.ts';
import type { Pki } from './pki.ts';
import type { ClusterState } from './state.ts';

const READY_TIMEOUT_MS = 120_000;

/** The host-side URL of the apiserver. */
export const HOST_API_URL = `https://127.0.0.1:${HOST_API_PORT}`;

/** Starts the apiserver and waits until /readyz answers 200 through the host forward. */
export async function startKubeApiserver(
  state: ClusterState,
  kube: string,
  pki: Pki,
): Promise<void> {
  const recorded = await startDaemon(state, 'kube-apiserver', [
    kube,
    'kube-apiserver',
    `--advertise-address=${addresses.node}`,
    '--bind-address=0.0.0.0',
    `--secure-port=${APISERVER_PORT}`,
    `--etcd-servers=${ETCD_URL}`,
    `--tls-cert-file=${pki.apiserver.certFile}`,
    `--tls-private-key-file=${pki.apiserver.keyFile}`,
    `--client-ca-file=${pki.clusterCaFile}`,
    `--kubelet-certificate-authority=${pki.clusterCaFile}`,
    `--kubelet-client-certificate=${pki.apiserverKubeletClient.certFile}`,
    `--kubelet-client-key=${pki.apiserverKubeletClient.keyFile}`,
    '--kubelet-preferred-address-types=InternalIP',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountKeyFile}`,
    `--service-account-signing-key-file=${pki.serviceAccountKeyFile}`,
    `--service-cluster-ip-range=${addresses.serviceSubnet}`,
    `--token-auth-file=${pki.tokenFile}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    '--enable-aggregator-routing=true',
    '--allow-privileged=true',
    '--profiling=false',
  ]);
  await waitFor(recorded, `${HOST_API_URL}/readyz answers 200`, READY_TIMEOUT_MS, async () => {
    const { status } = await httpsGet(`${HOST_API_URL}/readyz`, {
      caPem: pki.clusterCaPem,
      token: pki.adminToken,
    });
    return status === 200 ? true : undefined;
  });
}
