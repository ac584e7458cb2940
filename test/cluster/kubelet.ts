/**
 * The kubelet: containerd through CRI, cgroupfs on cgroup v1 (kept allowed
 * with `failCgroupV1: false`), its root, pod logs and resolv.conf in the work
 * directory, serving with a certificate of the cluster CA that the apiserver
 * verifies. It sets host sysctls (saved by the bring-up, restored by
 * teardown) and makes `kubepods` cgroups (removed by teardown).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemon } from './daemons.ts';
import { addresses, NODE_NAME, paths } from './layout.ts';
import type { Pki } from './pki.ts';
import type { ClusterState } from './state.ts';

function kubeletConfig(pki: Pki): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${addresses.node}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: ${pki.kubelet.certFile}
tlsPrivateKeyFile: ${pki.kubelet.keyFile}
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: ${pki.clusterCaFile}
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://${paths.containerdSocket}
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
resolvConf: ${join(paths.etc, 'resolv.conf')}
podLogsDirectory: ${paths.podLogs}
staticPodPath: ""
serializeImagePulls: false
# A throw-away node on a shared disk: never evict or collect images for space.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: "100Mi"
  nodefs.available: "1%"
  imagefs.available: "1%"
  nodefs.inodesFree: "1%"
maxPods: 50
rotateCertificates: false
serverTLSBootstrap: false
`;
}

/** Starts the kubelet (its readiness is the Node's Ready condition: see the bring-up). */
export async function startKubelet(state: ClusterState, kube: string, pki: Pki): Promise<void> {
  await mkdir(paths.kubelet, { recursive: true });
  await mkdir(paths.podLogs, { recursive: true });
  const configFile = join(paths.etc, 'kubelet-config.yaml');
  await writeFile(configFile, kubeletConfig(pki));
  await startDaemon(state, 'kubelet', [
    kube,
    'kubelet',
    `--config=${configFile}`,
    `--kubeconfig=${pki.kubeconfigs.kubelet}`,
    `--root-dir=${paths.kubelet}`,
    `--hostname-override=${NODE_NAME}`,
    `--node-ip=${addresses.node}`,
  ]);
}
