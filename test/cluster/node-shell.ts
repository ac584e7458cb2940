/**
 * Running commands on the node as a user at its terminal would: anything
 * inside the node's namespaces (`nsenter -t HOLDER -m -n`), where the
 * registries' names resolve and Pod and Service addresses are reachable.
 */
import { runProcess } from '../e2e/support/processes.ts';
import { inNode } from './commands.ts';
import type { ClusterInfo } from './cluster-info.ts';

/** Runs `argv` on the node; resolves with its exit code and output. */
export function onNode(
  info: ClusterInfo,
  argv: readonly string[],
  timeoutMs = 60_000,
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const [command, ...args] = inNode(info.holderPid, argv);
  return runProcess(command!, args, { timeoutMs });
}
