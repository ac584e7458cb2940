/**
 * The cluster's long-running processes: started detached (they outlive
 * `cluster:up`), inside the cluster's namespaces, with their output in a log
 * file, and recorded in the state before anything waits on them.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pollUntil } from '../e2e/support/wait.ts';
import { inNode } from './commands.ts';
import { logFile } from './layout.ts';
import { ClusterPartError } from './part-error.ts';
import {
  isRunning,
  processStartTime,
  saveState,
  type ClusterState,
  type RecordedProcess,
} from './state.ts';

/** Starts `argv` as cluster part `part` inside the node's namespaces and records it. */
export async function startDaemon(
  state: ClusterState,
  part: string,
  argv: readonly string[],
): Promise<RecordedProcess> {
  if (state.holder === undefined) throw new Error(`${part}: the node's namespaces are not set up`);
  const recorded = await spawnDetached(part, inNode(state.holder.pid, argv));
  state.processes.push(recorded);
  await saveState(state);
  return recorded;
}

/** Starts `argv` on the host, detached, its output appended to the part's log file. */
export async function spawnDetached(
  part: string,
  argv: readonly string[],
): Promise<RecordedProcess> {
  const log = logFile(part);
  const fd = openSync(log, 'a');
  const [command, ...args] = argv;
  if (command === undefined) throw new Error(`${part}: empty command`);
  const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid ?? -1));
    child.once('error', (error) =>
      reject(new ClusterPartError(part, `cannot start ${command}: ${error.message}`, log)),
    );
  });
  child.unref();
  const startTime = await processStartTime(pid);
  if (startTime === undefined) {
    throw new ClusterPartError(part, `${command} exited at once`, log);
  }
  return { part, pid, startTime, logFile: log };
}

/** Waits until the part's log matches `pattern`; fails fast if the process exits. */
export async function waitForLog(
  recorded: RecordedProcess,
  pattern: RegExp,
  timeoutMs: number,
): Promise<void> {
  await waitFor(recorded, `its log shows ${pattern}`, timeoutMs, async () =>
    pattern.test(await readFile(recorded.logFile, 'utf8')) ? true : undefined,
  );
}

/** Polls `probe` every 250 ms until it returns a value; a {@link ClusterPartError} if the process exits or time runs out. */
export async function waitFor<T>(
  recorded: RecordedProcess,
  description: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  let exited = false;
  const watch = setInterval(() => {
    void isRunning(recorded).then((running) => (exited ||= !running));
  }, 250);
  try {
    return await pollUntil(`${recorded.part}: ${description}`, probe, {
      timeoutMs,
      intervalMs: 250,
      giveUpIf: () => (exited ? `the ${recorded.part} process exited` : undefined),
    });
  } catch (error) {
    const tail = await readFile(recorded.logFile, 'utf8').catch(() => '');
    throw new ClusterPartError(
      recorded.part,
      `${(error as Error).message}; last lines of its log:\n${lastLines(tail, 15)}`,
      recorded.logFile,
      { cause: error },
    );
  } finally {
    clearInterval(watch);
  }
}

function lastLines(text: string, count: number): string {
  return text
    .trimEnd()
    .split('\n')
    .slice(-count)
    .map((line) => `    ${line.slice(0, 400)}`)
    .join('\n');
}
