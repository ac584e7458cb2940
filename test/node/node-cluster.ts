/**
 * A test file's cluster: the running one (npm run test:node brings it up
 * once for all files), or, for a file run alone, one brought up here and
 * torn down after it. Each file works in its own namespace, made fresh.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { kubectl } from '../e2e/support/tools.ts';
import { bringUp, findRunningCluster } from '../cluster/bring-up.ts';
import type { ClusterInfo } from '../cluster/cluster-info.ts';
import { tearDown } from '../cluster/teardown.ts';

/** Why a node test cannot run here, or false. */
export const nodeSkipReason: string | false =
  process.getuid?.() === 0 ? false : 'needs root (namespaces, mounts, cgroups)';

/** The cluster and a kubectl that fails the test on a non-zero exit. */
export interface NodeCluster {
  /** Valid from the file's `before` hooks on. */
  info(): ClusterInfo;
  /** `kubectl ARGS` as the cluster admin; asserts exit 0 and returns stdout. */
  kube(args: readonly string[], input?: string): Promise<string>;
}

/** Registers the file's hooks: cluster up (or reused), `namespace` made fresh; then cleaned up. */
export function useNodeCluster(namespace: string): NodeCluster {
  let info: ClusterInfo | undefined;
  let startedHere = false;
  const cluster: NodeCluster = {
    info: () => info!,
    kube: async (args, input) => {
      const result = await kubectl(info!.kubeconfig, args, input);
      assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    },
  };
  before(
    async () => {
      const running = await findRunningCluster();
      startedHere = running === undefined;
      info = running ?? (await bringUp((line) => console.error(`cluster:up ${line}`)));
      await kubectl(info.kubeconfig, ['delete', 'namespace', namespace, '--ignore-not-found']);
      await cluster.kube(['create', 'namespace', namespace]);
    },
    { timeout: 45 * 60_000 },
  );
  after(
    async () => {
      if (startedHere) {
        assert.deepEqual(await tearDown(), [], 'cluster:down reported problems');
      } else if (info !== undefined) {
        await kubectl(info.kubeconfig, ['delete', 'namespace', namespace, '--wait=false']);
      }
    },
    { timeout: 120_000 },
  );
  return cluster;
}
