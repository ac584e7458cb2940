/**
 * Child processes of the e2e suite (kube-apiserver, `serve`, helm, kubectl):
 * started with their output captured, and always stopped: `stop()` sends
 * SIGTERM and SIGKILL 10 s later, and the exit safety net (exit-cleanup.ts)
 * SIGKILLs whatever is still running when the test process ends, even after
 * a failure or a Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { killOnExit } from './exit-cleanup.ts';
import { settings } from './settings.ts';

/** SIGTERM, then SIGKILL after this long. */
const STOP_GRACE_MS = 10_000;
/** Output kept per process for error messages; older output is dropped. */
const OUTPUT_LIMIT = 256 * 1024;

/** A running child process. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code, or the signal name when killed. */
  readonly exited: Promise<number | string>;
  /** True once the process has exited. */
  hasExited(): boolean;
  /** The last 256 KiB of stdout and stderr, interleaved. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects on exit or timeout. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** SIGTERM, SIGKILL after 10 s; resolves once the process is gone. Idempotent. */
  stop(): Promise<void>;
}

/** Starts `command` with `args`; its output is captured (and echoed with HARBOR_E2E_VERBOSE=1). */
export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    /** Sees every chunk of output as it arrives, whole (the kept output is only the last 256 KiB). */
    onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  } = {},
): ManagedProcess {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const forget = killOnExit(child);
  let output = '';
  const listeners = new Set<() => void>();
  const onChunk = (chunk: Buffer, stream: 'stdout' | 'stderr'): void => {
    const text = chunk.toString('utf8');
    options.onOutput?.(text, stream);
    if (settings.verbose) process.stderr.write(prefixLines(name, text));
    output = (output + text).slice(-OUTPUT_LIMIT);
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', (chunk: Buffer) => onChunk(chunk, 'stdout'));
  child.stderr?.on('data', (chunk: Buffer) => onChunk(chunk, 'stderr'));
  let exitedFlag = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (error) => {
      output += `\n[${name}: ${error.message}]`;
    });
    child.once('close', (code, signal) => {
      exitedFlag = true;
      forget();
      for (const listener of listeners) listener();
      resolve(code ?? signal ?? 'unknown');
    });
  });

  const waitForOutput = (pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(output);
        if (match !== null) finish(() => resolve(match));
        else if (exitedFlag) finish(() => reject(new Error(`${name} exited${describeTail()}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`${name}: no ${pattern} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      listeners.add(check);
      check();
    });
  const describeTail = (): string => `; its last output:\n${output.slice(-4000)}`;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= terminate(child, exited);
    return stopping;
  };
  return {
    name,
    pid: child.pid ?? -1,
    exited,
    hasExited: () => exitedFlag,
    output: () => output,
    waitForOutput,
    stop,
  };
}

async function terminate(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, STOP_GRACE_MS);
  });
  await Promise.race([exited, killed]);
  clearTimeout(timer);
  await exited;
}

function prefixLines(name: string, text: string): string {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `[${name}] ${line}\n`)
    .join('');
}

/** Runs `command` to completion (bounded by `timeoutMs`) and returns its exit code and output. */
export async function runProcess(
  command: string,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = spawn(command, args, { stdio: 'pipe', env: options.env ?? process.env });
  const forget = killOnExit(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (error) => (stderr += `\n${error.message}`));
    child.once('close', (code, signal) => {
      forget();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  child.stdin.end(options.input);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const timer = setTimeout(() => {
    stderr += `\n[timed out after ${timeoutMs} ms]`;
    child.kill('SIGKILL');
  }, timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  return { code, stdout, stderr };
}
