/**
 * `cluster:down`: undoes what the recorded state says bring-up did, in
 * order: the kubelet first (so it stops restarting containers), the other
 * parts, whatever is left in the node's namespaces and `kubepods` cgroups
 * (containerd's shims, containers), the namespace holder; then the cgroups,
 * the network namespace, the host sysctls, the host directories it made and
 * the work directory (its logs are kept). Idempotent, bounded in time, and
 * it goes on after a failed step, reporting every one.
 */
import { existsSync } from 'node:fs';
import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tryRun } from './commands.ts';
import { removeEmptyTree, restoreSysctls } from './host-changes.ts';
import { NETNS, paths, WORK_DIR } from './layout.ts';
import {
  killAll,
  kubepodsCgroups,
  processesInCgroup,
  processesInNamespaces,
  stopRecorded,
} from './node-processes.ts';
import { readState, type ClusterState } from './state.ts';

const GRACE_MS = 10_000;
const CGROUP_REMOVE_TIMEOUT_MS = 10_000;

/**
 * Tears the cluster down; resolves with the problems met (empty: the machine
 * is as it was). `progress` hears each step and how long it took.
 */
export async function tearDown(progress: (line: string) => void = () => {}): Promise<string[]> {
  const state = readState();
  const problems: string[] = [];
  const step = async (name: string, action: () => Promise<void>): Promise<void> => {
    const started = Date.now();
    try {
      await action();
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
    progress(`${name} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  };
  if (state !== undefined) {
    await step('stop processes', () => stopProcesses(state));
    await step('remove kubepods cgroups', () => removeKubepods(state));
    await step('restore sysctls', async () => {
      problems.push(...(await restoreSysctls(state)).map((failed) => `restore sysctl ${failed}`));
    });
  }
  await step('delete the network namespace', deleteNetns);
  if (state !== undefined) {
    await step('remove host directories', () => removeHostDirs(state, problems));
  }
  await step('remove the work directory', removeWorkDir);
  return problems;
}

// Stopped in this order, each group given its grace before the next: the
// kubelet first (it would restart containers), the apiserver while etcd still
// answers (otherwise it waits out its whole grace on a dead store).
const STOP_ORDER: readonly (readonly string[])[] = [
  ['kubelet'],
  ['kube-proxy', 'kube-scheduler', 'kube-controller-manager'],
  ['kube-apiserver', 'api-forward-host', 'api-forward-node'],
  ['etcd'],
];

async function stopProcesses(state: ClusterState): Promise<void> {
  for (const parts of STOP_ORDER) {
    await stopRecorded(
      state.processes.filter((recorded) => parts.includes(recorded.part)),
      GRACE_MS,
    );
  }
  const ordered = STOP_ORDER.flat();
  await stopRecorded(
    state.processes.filter((recorded) => !ordered.includes(recorded.part)),
    GRACE_MS,
  );
  // Two rounds: a shim can start a process while the first round kills.
  for (let round = 0; round < 2; round++) {
    const left = [
      ...(state.namespaces === undefined ? [] : await processesInNamespaces(state.namespaces)),
      ...(await ownKubepods(state).then(async (dirs) =>
        (await Promise.all(dirs.map(processesInCgroup))).flat(),
      )),
    ].filter((pid) => pid !== state.holder?.pid);
    const survivors = await killAll(left);
    if (survivors.length > 0 && round === 1) {
      throw new Error(`processes still running after SIGKILL: ${survivors.join(', ')}`);
    }
  }
  if (state.holder !== undefined) await stopRecorded([state.holder], 2_000);
}

async function ownKubepods(state: ClusterState): Promise<string[]> {
  return (await kubepodsCgroups()).filter((dir) => !state.kubepodsBefore.includes(dir));
}

async function removeKubepods(state: ClusterState): Promise<void> {
  const left: string[] = [];
  for (const dir of await ownKubepods(state)) {
    if (!(await removeCgroupTree(dir))) left.push(dir);
  }
  if (left.length > 0) throw new Error(`could not remove ${left.join(', ')}`);
}

// A cgroup is removed with rmdir once it has no tasks and no children; tasks
// killed a moment ago may take a little while to leave it.
async function removeCgroupTree(dir: string): Promise<boolean> {
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory()) await removeCgroupTree(join(dir, entry.name));
  }
  const deadline = Date.now() + CGROUP_REMOVE_TIMEOUT_MS;
  while (existsSync(dir)) {
    try {
      await rmdir(dir);
    } catch (error) {
      if (Date.now() > deadline) return false;
      if ((error as NodeJS.ErrnoException).code !== 'EBUSY') return false;
      await sleep(100);
    }
  }
  return true;
}

async function deleteNetns(): Promise<void> {
  if (!existsSync(`/run/netns/${NETNS}`)) return;
  if (!(await tryRun(['ip', 'netns', 'delete', NETNS]))) {
    throw new Error(`ip netns delete ${NETNS} failed`);
  }
}

async function removeHostDirs(state: ClusterState, problems: string[]): Promise<void> {
  for (const dir of state.createdHostDirs) {
    if (!(await removeEmptyTree(dir))) {
      problems.push(`kept ${dir}: it is not empty (not only ours)`);
    }
  }
  // Last: the unmounts above may have written there too.
  for (const path of state.sideEffectPaths) await rm(path, { recursive: true, force: true });
}

// Everything but the logs, so a failure can still be read after teardown.
async function removeWorkDir(): Promise<void> {
  if (!existsSync(WORK_DIR)) return;
  for (const entry of await readdir(WORK_DIR)) {
    const path = join(WORK_DIR, entry);
    if (path !== paths.logs) await rm(path, { recursive: true, force: true, maxRetries: 3 });
  }
}
