/**
 * The few changes the cluster makes outside its work directory and its
 * namespaces, each recorded before it is made and undone by teardown: the
 * host sysctls the kubelet sets, and empty host directories used as mount
 * points for the cluster's private copies.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './commands.ts';
import { KUBELET_SYSCTLS } from './layout.ts';
import { saveState, type ClusterState } from './state.ts';

function sysctlPath(name: string): string {
  return `/proc/sys/${name.replaceAll('.', '/')}`;
}

/** Records the current values of the sysctls the kubelet changes (once: a retry keeps the first). */
export async function saveSysctls(state: ClusterState): Promise<void> {
  for (const name of KUBELET_SYSCTLS) {
    state.sysctls[name] ??= (await readFile(sysctlPath(name), 'utf8')).trim();
  }
  await saveState(state);
}

/** Writes back every recorded sysctl; returns the ones that could not be restored. */
export async function restoreSysctls(state: ClusterState): Promise<string[]> {
  const failed: string[] = [];
  for (const [name, value] of Object.entries(state.sysctls)) {
    try {
      if ((await readFile(sysctlPath(name), 'utf8')).trim() !== value) {
        await writeFile(sysctlPath(name), `${value}\n`);
      }
    } catch (error) {
      failed.push(`${name}=${value}: ${(error as Error).message}`);
    }
  }
  return failed;
}

/** Makes `dir` exist on the host, recording the topmost directory this created. */
export async function ensureHostDir(state: ClusterState, dir: string): Promise<void> {
  if (existsSync(dir)) return;
  const created = await mkdir(dir, { recursive: true });
  if (created !== undefined) {
    state.createdHostDirs.push(created);
    await saveState(state);
  }
}

function isMountPoint(dir: string, mountinfo: string): boolean {
  // Field 5 of /proc/self/mountinfo is the mount point.
  return mountinfo.split('\n').some((line) => line.split(' ')[4] === dir);
}

/** Unmounts whatever is mounted on `dir` (a few stacked mounts at most). */
export async function unmountAll(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (!isMountPoint(dir, await readFile('/proc/self/mountinfo', 'utf8'))) return;
    await run('teardown', ['umount', dir]);
  }
}

/**
 * Removes a directory bring-up created, only while it holds nothing but empty
 * directories (anything else was not ours); returns false when it kept it.
 */
export async function removeEmptyTree(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return true;
  await unmountAll(dir);
  let removedAll = true;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) return false;
    removedAll = (await removeEmptyTree(join(dir, entry.name))) && removedAll;
  }
  if (!removedAll) return false;
  await rmdir(dir);
  return true;
}
