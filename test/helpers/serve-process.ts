/**
 * Runs `harbor-image-webhook serve` as a child process, the way users and the
 * container do, and reads its port from the start-up log line.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI_SOURCE = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  readonly output: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

/** Spawns `serve` with `args` (add `--port 0`) and waits until it logs that it listens. */
export async function spawnServe(
  args: readonly string[],
  entry = CLI_SOURCE,
  timeoutMs = 15_000,
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [entry, 'serve', ...args], { stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (): void => {
      const match = /"port":(\d+).*"msg":"harbor-image-webhook listening"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${output}`));
    });
  });
  return { child, port, output: () => output, exited };
}

/** Runs the CLI to completion and returns its exit code and output. */
export function runCli(
  args: readonly string[],
  input?: string,
  entry = CLI_SOURCE,
  options: { readonly env?: NodeJS.ProcessEnv; readonly node?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(options.node ?? process.execPath, [entry, ...args], {
      stdio: 'pipe',
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    // 'close', not 'exit': by then stdout and stderr have been read to the end.
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}
