/**
 * `cluster:up`: the parts in order, each waited for before the next, every
 * change recorded in the state as it is made. A failure names the part and
 * its log, and tears down what was started (HARBOR_NODE_KEEP_ON_FAILURE=1
 * keeps it for a look). A cluster that is already up and healthy is reused.
 */
import { mkdir, rm } from 'node:fs/promises';
import { kubectl } from '../e2e/support/tools.ts';
import { httpsGet } from '../e2e/support/tls-probes.ts';
import { startApiForward } from './api-forward.ts';
import { readClusterInfo, writeClusterInfo, type ClusterInfo } from './cluster-info.ts';
import { startContainerd } from './containerd.ts';
import { startControllerManager } from './controller-manager.ts';
import { waitFor } from './daemons.ts';
import { startEtcd } from './etcd.ts';
import { saveSysctls } from './host-changes.ts';
import { buildKubeBinary } from './kube-binary.ts';
import { HOST_API_URL, startKubeApiserver } from './kube-apiserver.ts';
import { startKubeProxy, waitUntilKubeProxyHealthy } from './kube-proxy.ts';
import { startKubelet } from './kubelet.ts';
import { NODE_NAME, paths } from './layout.ts';
import { setUpNodeNamespaces } from './network-namespace.ts';
import { kubepodsCgroups } from './node-processes.ts';
import { ClusterPartError } from './part-error.ts';
import { importPauseImage } from './pause-image.ts';
import { preflight, requireRoot } from './preflight.ts';
import { writePki, type Pki } from './pki.ts';
import { startRegistries } from './registry.ts';
import { startScheduler } from './scheduler.ts';
import { emptyState, isRunning, readState, saveState, type ClusterState } from './state.ts';
import { tearDown } from './teardown.ts';

const NODE_READY_TIMEOUT_MS = 180_000;

/** Brings the cluster up (or finds it up) and returns how to use it. */
export async function bringUp(progress: (line: string) => void): Promise<ClusterInfo> {
  requireRoot();
  const running = await findRunningCluster();
  if (running !== undefined) {
    progress('already up: reusing it');
    return running;
  }
  if (readState() !== undefined) {
    progress('remains of an earlier cluster found: tearing them down first');
    const problems = await tearDown();
    if (problems.length > 0) throw new ClusterPartError('teardown', problems.join('\n  '));
  }
  await preflight();
  await rm(paths.logs, { recursive: true, force: true });
  await mkdir(paths.logs, { recursive: true });
  progress('building (or finding cached) the Kubernetes binary');
  const kube = await buildKubeBinary();
  const state = emptyState();
  try {
    return await startParts(state, kube, progress);
  } catch (error) {
    if (process.env.HARBOR_NODE_KEEP_ON_FAILURE !== '1') {
      progress('bring-up failed: tearing down what was started (logs are kept)');
      await tearDown();
    }
    throw error;
  }
}

async function startParts(
  state: ClusterState,
  kube: string,
  progress: (line: string) => void,
): Promise<ClusterInfo> {
  state.kubepodsBefore = await kubepodsCgroups();
  await saveSysctls(state);
  const pki = await writePki();
  progress('network and mount namespaces');
  await setUpNodeNamespaces(state);
  progress('containerd, with the locally built pause image');
  await startContainerd(state);
  await importPauseImage();
  progress('registries: harbor.test (not trusted yet) and artifacts.test (trusted)');
  const registries = await startRegistries(state, pki);
  progress('etcd and kube-apiserver');
  await startEtcd(state, kube);
  await startApiForward(state);
  await startKubeApiserver(state, kube, pki);
  await grantApiserverKubeletAccess();
  progress('kube-controller-manager, kube-scheduler, kube-proxy, kubelet');
  await startControllerManager(state, kube, pki);
  await startScheduler(state, kube, pki);
  await startKubeProxy(state, kube, pki);
  await startKubelet(state, kube, pki);
  await waitUntilNodeUsable(state, pki);
  await waitUntilKubeProxyHealthy(state);
  const info: ClusterInfo = {
    kubeconfig: paths.adminKubeconfig,
    apiServer: HOST_API_URL,
    clusterCaFile: pki.clusterCaFile,
    holderPid: state.holder!.pid,
    nodeName: NODE_NAME,
    registries,
    logsDir: paths.logs,
  };
  await writeClusterInfo(info);
  state.ready = true;
  await saveState(state);
  return info;
}

// The kubelet authorizes the apiserver's client certificate (logs, exec) by SubjectAccessReview.
async function grantApiserverKubeletAccess(): Promise<void> {
  const result = await kubectl(paths.adminKubeconfig, [
    'create',
    'clusterrolebinding',
    'kube-apiserver-kubelet-client',
    '--clusterrole=system:kubelet-api-admin',
    '--user=kube-apiserver-kubelet-client',
  ]);
  if (result.code !== 0) {
    throw new ClusterPartError(
      'kube-apiserver',
      `cannot grant kubelet API access: ${result.stderr}`,
    );
  }
}

// Ready, untainted (the controller-manager lifts not-ready) and with a default ServiceAccount.
async function waitUntilNodeUsable(state: ClusterState, pki: Pki): Promise<void> {
  const kubelet = state.processes.find((recorded) => recorded.part === 'kubelet')!;
  const get = (path: string): Promise<{ status: number; body: string }> =>
    httpsGet(`${HOST_API_URL}${path}`, { caPem: pki.clusterCaPem, token: pki.adminToken });
  await waitFor(
    kubelet,
    `node ${NODE_NAME} is Ready without taints`,
    NODE_READY_TIMEOUT_MS,
    async () => {
      const { status, body } = await get(`/api/v1/nodes/${NODE_NAME}`);
      if (status !== 200) return undefined;
      const node = JSON.parse(body) as {
        spec?: { taints?: unknown[] };
        status?: { conditions?: { type: string; status: string }[] };
      };
      const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      return ready === true && (node.spec?.taints ?? []).length === 0 ? true : undefined;
    },
  );
  const controllerManager = state.processes.find((r) => r.part === 'kube-controller-manager')!;
  await waitFor(controllerManager, 'the default ServiceAccount exists', 60_000, async () =>
    (await get('/api/v1/namespaces/default/serviceaccounts/default')).status === 200
      ? true
      : undefined,
  );
}

/** The recorded cluster, if it finished bring-up and every process still runs. */
export async function findRunningCluster(): Promise<ClusterInfo | undefined> {
  const state = readState();
  const info = readClusterInfo();
  if (state?.ready !== true || info === undefined) return undefined;
  for (const recorded of [state.holder!, ...state.processes]) {
    if (!(await isRunning(recorded))) return undefined;
  }
  return info;
}
