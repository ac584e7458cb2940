/**
 * `harbor-image-webhook serve` from dist/ as a child process: the production
 * command, not the TypeScript sources. Its JSON log lines are read one by
 * one and handed to `onLine`; only warnings and worse are kept, so a minute
 * of load at info level does not pile up in the test's memory.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** dist/'s CLI; HIW_RELIABILITY_CLI points the suite at another build (to try a fix, say). */
export const DIST_CLI =
  process.env['HIW_RELIABILITY_CLI'] ??
  fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));

/** One pino line, as far as these tests read it. */
export interface LogLine {
  readonly level?: string;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

export interface ServeChild {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  /** Log lines at warn, error or fatal, and any line that is not JSON. */
  readonly notable: readonly string[];
  /** How many lines carried each `msg`. */
  readonly messages: ReadonlyMap<string, number>;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Sends `signal` unless the process has exited; then waits at most `timeoutMs` for the exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export interface ServeChildOptions {
  readonly onLine?: (line: LogLine) => void;
  readonly startTimeoutMs?: number;
}

const NOTABLE_LEVELS = new Set(['warn', 'error', 'fatal']);
const MAX_NOTABLE = 200;

/** Spawns `serve` with `args` (give `--port 0 --host 127.0.0.1`) and waits until it listens. */
export async function startServeChild(
  args: readonly string[],
  options: ServeChildOptions = {},
): Promise<ServeChild> {
  if (!existsSync(DIST_CLI)) throw new Error(`${DIST_CLI} is missing: run "npm run build" first`);
  const child = spawn(process.execPath, [DIST_CLI, 'serve', ...args], { stdio: 'pipe' });
  const notable: string[] = [];
  const messages = new Map<string, number>();
  let resolvePort: (port: number) => void = () => undefined;
  const listening = new Promise<number>((resolve) => (resolvePort = resolve));
  const keep = (text: string): void => {
    if (notable.length < MAX_NOTABLE) notable.push(text);
  };
  const read = (text: string): void => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      keep(text);
      return;
    }
    const msg = line.msg ?? '';
    messages.set(msg, (messages.get(msg) ?? 0) + 1);
    if (NOTABLE_LEVELS.has(line.level ?? '')) keep(text);
    if (msg === 'harbor-image-webhook listening') resolvePort(Number(line['port']));
    options.onLine?.(line);
  };
  createInterface({ input: child.stdout }).on('line', read);
  createInterface({ input: child.stderr }).on('line', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  let timer: NodeJS.Timeout | undefined;
  const port = await Promise.race([
    listening,
    exited.then((code) => {
      throw new Error(`serve exited with ${code} before listening:\n${notable.join('\n')}`);
    }),
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`serve did not listen within ${startTimeoutMs} ms`));
      }, startTimeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(killer);
    }
  };
  return { child, port, notable, messages, exited, stop };
}
