/**
 * Finding and stopping what runs on the node, by PID: the parts the state
 * recorded, and what they started that was never recorded (containerd's
 * shims, the containers in the `kubepods` cgroups), found through the node's
 * namespaces and cgroups, never by process name.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRunning, type RecordedProcess } from './state.ts';

const CGROUP_ROOT = '/sys/fs/cgroup';

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** SIGTERM to each recorded process still running, SIGKILL after `graceMs`; resolves once all are gone. */
export async function stopRecorded(
  processes: readonly RecordedProcess[],
  graceMs: number,
): Promise<void> {
  const running: RecordedProcess[] = [];
  for (const recorded of processes) {
    if (await isRunning(recorded)) running.push(recorded);
  }
  for (const recorded of running) signal(recorded.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    const alive = await filterRunning(running);
    if (alive.length === 0) return;
    await sleep(100);
  }
  for (const recorded of await filterRunning(running)) signal(recorded.pid, 'SIGKILL');
  await sleep(200);
}

async function filterRunning(processes: readonly RecordedProcess[]): Promise<RecordedProcess[]> {
  const alive: RecordedProcess[] = [];
  for (const recorded of processes) if (await isRunning(recorded)) alive.push(recorded);
  return alive;
}

/** PIDs of every process (but this one) in the network or mount namespace given. */
export async function processesInNamespaces(namespaces: {
  net: string;
  mnt: string;
}): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const net = await readlink(`/proc/${pid}/ns/net`).catch(() => '');
    const mnt = await readlink(`/proc/${pid}/ns/mnt`).catch(() => '');
    if (net === namespaces.net || mnt === namespaces.mnt) found.push(pid);
  }
  return found;
}

/** Every `kubepods` cgroup directory, one per hierarchy that has it. */
export async function kubepodsCgroups(): Promise<string[]> {
  const dirs: string[] = [];
  for (const hierarchy of await readdir(CGROUP_ROOT).catch(() => [])) {
    const dir = join(CGROUP_ROOT, hierarchy, 'kubepods');
    if (
      await readdir(dir).then(
        () => true,
        () => false,
      )
    )
      dirs.push(dir);
  }
  return dirs;
}

/** PIDs in a cgroup and all its descendants. */
export async function processesInCgroup(dir: string): Promise<number[]> {
  const pids = (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => ''))
    .split('\n')
    .filter((line) => line !== '')
    .map(Number);
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory()) pids.push(...(await processesInCgroup(join(dir, entry.name))));
  }
  return pids;
}

/** SIGKILLs `pids` and waits (bounded) until they are gone. */
export async function killAll(pids: readonly number[], timeoutMs = 5_000): Promise<number[]> {
  for (const pid of pids) signal(pid, 'SIGKILL');
  const deadline = Date.now() + timeoutMs;
  let alive = [...pids];
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(100);
    alive = alive.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
  }
  return alive;
}
