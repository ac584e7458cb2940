/**
 * The multi-call Kubernetes binary (test/cluster/kube), built once and cached
 * by scripts/build-kube.sh. A cold build streams its progress to stderr: it
 * takes minutes.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './layout.ts';
import { ClusterPartError } from './part-error.ts';

const BUILD_TIMEOUT_MS = 40 * 60_000;

/** Builds (or finds cached) the binary and returns its path. */
export async function buildKubeBinary(): Promise<string> {
  const child = spawn('bash', [join(REPO_ROOT, 'scripts/build-kube.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGTERM'), BUILD_TIMEOUT_MS);
  const code = await new Promise<number | string>((resolve) => {
    child.once('error', () => resolve('spawn error'));
    child.once('close', (exitCode, signal) => resolve(exitCode ?? signal ?? 'unknown'));
  });
  clearTimeout(timer);
  const path = stdout.trim().split('\n').at(-1)?.trim() ?? '';
  if (code !== 0 || !path.startsWith('/')) {
    throw new ClusterPartError(
      'kube-binary',
      `scripts/build-kube.sh failed (exit ${code}); its output is above`,
    );
  }
  return path;
}
