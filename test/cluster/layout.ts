/**
 * Where the real-node cluster lives: its work directory, network namespace,
 * addresses and names. Every address here exists only inside the cluster's
 * own network namespace (or is on 127.0.0.1), so nothing the cluster does
 * leaves this machine.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The cluster's files; HARBOR_NODE_DIR moves them. Logs stay after `cluster:down`. */
export const WORK_DIR = process.env.HARBOR_NODE_DIR ?? '/var/tmp/harbor-node';

/** Paths under {@link WORK_DIR}. */
export const paths = {
  state: join(WORK_DIR, 'state.json'),
  logs: join(WORK_DIR, 'logs'),
  pki: join(WORK_DIR, 'pki'),
  etc: join(WORK_DIR, 'etc'),
  bin: join(WORK_DIR, 'bin'),
  images: join(WORK_DIR, 'images'),
  etcdData: join(WORK_DIR, 'etcd'),
  containerd: join(WORK_DIR, 'containerd'),
  containerdSocket: join(WORK_DIR, 'containerd', 'containerd.sock'),
  /** containerd's `config_path`: one directory per registry host, as users configure trust. */
  certsD: join(WORK_DIR, 'containerd', 'certs.d'),
  cniConf: join(WORK_DIR, 'cni', 'net.d'),
  cniIpam: join(WORK_DIR, 'cni', 'ipam'),
  kubelet: join(WORK_DIR, 'kubelet'),
  podLogs: join(WORK_DIR, 'pod-logs'),
  registries: join(WORK_DIR, 'registries'),
  /** Directories bind-mounted over host paths inside the cluster's mount namespace. */
  private: join(WORK_DIR, 'private'),
  /** Unix socket that carries the apiserver's port out of the namespace. */
  apiSocket: join(WORK_DIR, 'apiserver.sock'),
  adminKubeconfig: join(WORK_DIR, 'admin.kubeconfig'),
} as const;

/** The network namespace (`/run/netns/NAME`) and the node's name. */
export const NETNS = 'harbor-node';
export const NODE_NAME = 'harbor-node';

/** Addresses inside the namespace: /32s on its loopback device. */
export const addresses = {
  node: '10.250.0.1',
  harbor: '10.250.0.2',
  artifacts: '10.250.0.3',
  /** Pods' subnet on the CNI bridge; the bridge holds the first address. */
  podSubnet: '10.244.0.0/24',
  bridge: '10.244.0.1',
  serviceSubnet: '10.96.0.0/16',
  /** The `kubernetes` Service's ClusterIP (first of the Service subnet). */
  kubernetesService: '10.96.0.1',
} as const;

/** Registry host names, mapped in the namespace's own hosts file. */
export const hosts = {
  /** The Harbor stand-in: TLS from a private CA the node does not trust at start, htpasswd auth. */
  harbor: 'harbor.test',
  /** Where the product's image and chart come from: trusted by the node from the start. */
  artifacts: 'artifacts.test',
} as const;

export const CNI_BRIDGE = 'cni0';
export const APISERVER_PORT = 6443;
/** The apiserver as seen from the host: 127.0.0.1:PORT (HARBOR_NODE_API_PORT). */
export const HOST_API_PORT = Number(process.env.HARBOR_NODE_API_PORT ?? '16443');
/** The sandbox image the node runs every pod in; built locally, never pulled. */
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';

/**
 * Host paths the cluster's processes write to whatever their configuration
 * says (the kubelet's device plugin socket is always under
 * /var/lib/kubelet/device-plugins), given a private directory in its mount
 * namespace.
 */
export const PRIVATE_HOST_DIRS = [
  '/run/containerd',
  '/run/netns',
  '/var/lib/cni',
  '/var/lib/kubelet',
  '/var/log/containers',
  '/var/log/pods',
] as const;

/** Host sysctls the kubelet sets (not namespaced): saved at start, restored by teardown. */
export const KUBELET_SYSCTLS = ['vm.overcommit_memory', 'kernel.panic', 'kernel.panic_on_oops'];

/** The log file of a part of the cluster. */
export function logFile(part: string): string {
  return join(paths.logs, `${part}.log`);
}
