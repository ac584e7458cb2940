/**
 * What a running cluster changed on this machine, written as it happens so
 * teardown can undo exactly that, even after a bring-up that failed half way:
 * the processes it started (with their start times, so a reused PID is never
 * signalled), the sysctls it will have changed, the host directories it made.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { paths } from './layout.ts';

/** A process of the cluster: its part name, PID, start time and log. */
export interface RecordedProcess {
  readonly part: string;
  readonly pid: number;
  /** Field 22 of /proc/PID/stat: tells this process from a later one with the same PID. */
  readonly startTime: string;
  readonly logFile: string;
}

/** Everything teardown needs to know. */
export interface ClusterState {
  /** The process holding the network and mount namespaces (its PID is what every part enters). */
  holder?: RecordedProcess;
  /** The holder's namespaces (`readlink /proc/PID/ns/{net,mnt}`): every process left in them is ours. */
  namespaces?: { net: string; mnt: string };
  processes: RecordedProcess[];
  /** Original values of host sysctls, by name. */
  sysctls: Record<string, string>;
  /** `kubepods` cgroup directories that existed before bring-up (left alone). */
  kubepodsBefore: string[];
  /** Host paths that tools make as a side effect (libmount's /run/mount), removed whole if new. */
  sideEffectPaths: string[];
  /** Host directories that did not exist before bring-up. */
  createdHostDirs: string[];
  /** True once bring-up created the network namespace. */
  netnsCreated: boolean;
  /** Set once bring-up finished. */
  ready: boolean;
}

export function emptyState(): ClusterState {
  return {
    processes: [],
    sysctls: {},
    kubepodsBefore: [],
    createdHostDirs: [],
    sideEffectPaths: [],
    netnsCreated: false,
    ready: false,
  };
}

/** The recorded state, or undefined when no cluster was brought up. */
export function readState(): ClusterState | undefined {
  if (!existsSync(paths.state)) return undefined;
  return { ...emptyState(), ...(JSON.parse(readFileSync(paths.state, 'utf8')) as ClusterState) };
}

/** Writes the state atomically (a crash never leaves half a file). */
export async function saveState(state: ClusterState): Promise<void> {
  await mkdir(dirname(paths.state), { recursive: true });
  const tmp = `${paths.state}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, paths.state);
}

/** The start time of `pid` (from /proc), or undefined once it is gone. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after it are split from its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/** True while the recorded process (not a later one with its PID) runs. */
export async function isRunning(recorded: RecordedProcess): Promise<boolean> {
  return (await processStartTime(recorded.pid)) === recorded.startTime;
}
