/**
 * Runs a server under test as a child process on a port chosen here, with
 * its stdout (the webhook's JSON log lines) appended to a file, and times its
 * start: wall clock from spawn to the first 200 on GET /readyz.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { inCgroup, type MemoryCgroup } from './memory-cgroup.ts';

export interface ServerSpec {
  readonly name: string;
  /** Arguments after the node executable, given the port to listen on. */
  readonly args: (port: number) => readonly string[];
  /** Run inside this memory cgroup (`--memory-limit`). */
  readonly cgroup?: MemoryCgroup;
}

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** Spawn to first 200 on /readyz, in milliseconds. */
  readonly readyMs: number;
  /** The `startupMs` the webhook logs when it listens; undefined for a server that logs none. */
  readonly startupMs: number | undefined;
  /** Empties the log file, so long runs do not fill the disk. */
  truncateLog(): void;
  /** SIGTERM, then SIGKILL if it has not exited within 12 s. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;
const POLL_INTERVAL_MS = 5;

export async function startServer(
  spec: ServerSpec,
  directory: string,
  ca: string,
): Promise<ServerProcess> {
  const port = await findFreePort();
  const logFile = join(directory, `${spec.name}.log`);
  writeFileSync(logFile, '');
  // Appending, so the bench can empty the file under the running server.
  const log = openSync(logFile, 'a');
  const started = performance.now();
  const [command, args] =
    spec.cgroup === undefined
      ? [process.execPath, [...spec.args(port)]]
      : inCgroup(spec.cgroup, process.execPath, spec.args(port));
  // With a cgroup the shell execs node, so the child's pid is the server's.
  const child = spawn(command, args, {
    stdio: ['ignore', log, log],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitUntilReady(port, ca, exited);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${spec.name} did not become ready:\n${readFileSync(logFile, 'utf8')}`, {
      cause: error,
    });
  }
  return {
    name: spec.name,
    pid: child.pid ?? 0,
    port,
    readyMs: performance.now() - started,
    startupMs: readStartupMs(logFile),
    truncateLog: () => truncateSync(logFile, 0),
    stop: () => stopChild(child, exited),
  };
}

async function waitUntilReady(port: number, ca: string, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (gone) throw new Error('exited before it was ready');
    if ((await getStatus(port, '/readyz', ca)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(`not ready within ${READY_TIMEOUT_MS} ms`);
}

/** One GET on a fresh connection: the status, or 0 when nothing answered. */
export function getStatus(port: number, path: string, ca: string): Promise<number> {
  return new Promise((resolve) => {
    const outgoing = request(
      { host: '127.0.0.1', port, path, ca, agent: false, timeout: 1000 },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy());
    outgoing.on('error', () => resolve(0));
    outgoing.end();
  });
}

function readStartupMs(logFile: string): number | undefined {
  const line = readFileSync(logFile, 'utf8')
    .split('\n')
    .find((text) => text.includes('"msg":"harbor-image-webhook listening"'));
  if (line === undefined) return undefined;
  const value = (JSON.parse(line) as { startupMs?: unknown }).startupMs;
  return typeof value === 'number' ? value : undefined;
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
  await exited;
  clearTimeout(timer);
}

/** A port nobody listens on right now (the server binds it a moment later). */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
