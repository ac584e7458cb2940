/**
 * The small static programs of test/cluster/images (the pause sandbox, the
 * test workload, a stand-in webhook), built with the local Go toolchain into the work directory.
 * Standard library only: a build takes seconds and needs no network.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess } from '../e2e/support/processes.ts';
import { paths, REPO_ROOT } from './layout.ts';
import { ClusterPartError } from './part-error.ts';

/** A program in test/cluster/images/NAME. */
export type ProgramName = 'pause' | 'hello' | 'mutator';

/** Builds test/cluster/images/NAME as a static binary and returns its path. */
export async function buildProgram(name: ProgramName): Promise<string> {
  await mkdir(paths.bin, { recursive: true });
  const output = join(paths.bin, name);
  const result = await runProcess(
    'go',
    [
      '-C',
      join(REPO_ROOT, 'test/cluster/images'),
      'build',
      '-trimpath',
      '-ldflags=-s -w',
      '-o',
      output,
      `./${name}`,
    ],
    { timeoutMs: 5 * 60_000, env: { ...process.env, CGO_ENABLED: '0', GOWORK: 'off' } },
  );
  if (result.code !== 0) {
    throw new ClusterPartError(
      `${name}-program`,
      `go build failed (exit ${result.code}):\n${result.stderr}`,
    );
  }
  return output;
}
