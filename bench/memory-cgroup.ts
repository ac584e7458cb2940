/**
 * `--memory-limit MIB`: runs every server the bench starts inside a memory
 * cgroup, as the chart's `resources.limits.memory` runs the webhook. Node
 * sizes V8's heap from that limit (`process.constrainedMemory()`), so RSS
 * under a limit is the figure that predicts the cluster; without one, V8 on a
 * large host lets its young generation grow to 128 MiB. Needs a writable
 * cgroup filesystem (root, or a delegated subtree): cgroup v2 or v1.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';

export interface MemoryCgroup {
  readonly limitMiB: number;
  /** The file a process writes its pid to, to join the cgroup. */
  readonly procsFile: string;
  /** Removes the cgroup once its processes have exited; says on stderr if it cannot, never throws. */
  remove(): void;
}

/** Creates the cgroup, or throws saying why it cannot. */
export function createMemoryCgroup(limitMiB: number): MemoryCgroup {
  const name = `harbor-image-webhook-bench-${process.pid}`;
  const v2 = existsSync(join(CGROUP_ROOT, 'cgroup.controllers'));
  const parent = v2 ? CGROUP_ROOT : join(CGROUP_ROOT, 'memory');
  if (v2 && !readFileSync(join(CGROUP_ROOT, 'cgroup.subtree_control'), 'utf8').includes('memory')) {
    throw new Error(`--memory-limit: the memory controller is not enabled in ${CGROUP_ROOT}`);
  }
  const directory = join(parent, name);
  try {
    mkdirSync(directory);
    writeFileSync(
      join(directory, v2 ? 'memory.max' : 'memory.limit_in_bytes'),
      `${limitMiB * 1024 * 1024}`,
    );
  } catch (error) {
    throw new Error(
      `--memory-limit: cannot create a memory cgroup under ${parent} (${(error as Error).message}); ` +
        'it needs root or a delegated cgroup subtree',
      { cause: error },
    );
  }
  return {
    limitMiB,
    procsFile: join(directory, 'cgroup.procs'),
    remove: () => {
      try {
        rmdirSync(directory);
      } catch (error) {
        console.error(`bench: could not remove ${directory}: ${(error as Error).message}`);
      }
    },
  };
}

/** The command and arguments that run `command args` inside `cgroup`: a shell joins it, then execs. */
export function inCgroup(
  cgroup: MemoryCgroup,
  command: string,
  args: readonly string[],
): [string, string[]] {
  return ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', cgroup.procsFile, command, ...args]];
}
