/**
 * Short commands of the bring-up and teardown (ip, mount, ctr, sysctl…),
 * bounded in time, on the host or inside the cluster's namespaces.
 */
import { runProcess } from '../e2e/support/processes.ts';
import { ClusterPartError } from './part-error.ts';

/** The prefix that runs a command in the network and mount namespaces held by `holderPid`. */
export function inNode(holderPid: number, argv: readonly string[]): string[] {
  return ['nsenter', '-t', String(holderPid), '-m', '-n', '--', ...argv];
}

/** Runs `argv` (bounded by `timeoutMs`); throws a {@link ClusterPartError} for `part` unless it exits 0. */
export async function run(
  part: string,
  argv: readonly string[],
  options: { timeoutMs?: number; input?: string } = {},
): Promise<string> {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error('run: empty command');
  const result = await runProcess(command, args, {
    timeoutMs: options.timeoutMs ?? 30_000,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  if (result.code !== 0) {
    throw new ClusterPartError(
      part,
      `\`${argv.join(' ')}\` exited ${result.code}: ${(result.stderr || result.stdout).trim().slice(-2000)}`,
    );
  }
  return result.stdout;
}

/** Like {@link run}, but a failure is returned as false (for teardown steps and probes). */
export async function tryRun(argv: readonly string[], timeoutMs = 15_000): Promise<boolean> {
  const [command, ...args] = argv;
  if (command === undefined) return false;
  const result = await runProcess(command, args, { timeoutMs });
  return result.code === 0;
}
