/**
 * The node's namespaces. A network namespace made with `ip netns add`, and a
 * holder process inside it with its own mount namespace (slave propagation,
 * so mounts made inside never reach the host). Every part of the cluster is
 * started with `nsenter -t HOLDER -m -n`: `ip netns exec` would remount /sys
 * and leave /sys/fs/cgroup empty. Inside: the node's addresses as /32s on
 * `lo` (no dummy interfaces here), the CNI bridge made up front so the
 * Service subnet can be routed through it (kube-proxy's DNAT then applies to
 * the node's own traffic), its own hosts file and resolv.conf, and private
 * directories over the host paths containerd, CNI and the kubelet write to.
 */
import { existsSync } from 'node:fs';
import { mkdir, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pollUntil } from '../e2e/support/wait.ts';
import { inNode, run } from './commands.ts';
import { spawnDetached } from './daemons.ts';
import { ensureHostDir } from './host-changes.ts';
import {
  addresses,
  CNI_BRIDGE,
  hosts,
  NETNS,
  NODE_NAME,
  paths,
  PRIVATE_HOST_DIRS,
} from './layout.ts';
import { ClusterPartError } from './part-error.ts';
import { saveState, type ClusterState } from './state.ts';

const PART = 'network-namespace';

/** Creates the namespaces and everything inside them; records each step in `state`. */
export async function setUpNodeNamespaces(state: ClusterState): Promise<void> {
  if (existsSync(`/run/netns/${NETNS}`)) {
    throw new ClusterPartError(
      PART,
      `/run/netns/${NETNS} already exists: a cluster (or its remains) is there; run "npm run cluster:down" first`,
    );
  }
  // `ip netns add` makes /run/netns (a bind mount of itself) when missing: teardown removes it then.
  if (!existsSync('/run/netns')) state.createdHostDirs.push('/run/netns');
  // mount(8) keeps its bookkeeping in /run/mount/utab, on the host's /run.
  if (!existsSync('/run/mount')) state.sideEffectPaths.push('/run/mount');
  await run(PART, ['ip', 'netns', 'add', NETNS]);
  state.netnsCreated = true;
  await saveState(state);
  await startHolder(state);
  const holderPid = state.holder!.pid;
  const node = (argv: string[]): Promise<string> => run(PART, inNode(holderPid, argv));
  await setUpNetwork(node);
  await setUpFiles(state, node);
}

async function startHolder(state: ClusterState): Promise<void> {
  state.holder = await spawnDetached('namespace-holder', [
    'nsenter',
    `--net=/run/netns/${NETNS}`,
    'unshare',
    '--mount',
    '--propagation',
    'slave',
    'sleep',
    'infinity',
  ]);
  await saveState(state);
  const holderPid = state.holder.pid;
  const ownMountNamespace = await readlink('/proc/self/ns/mnt');
  // nsenter and unshare exec in turn: the holder has its namespaces once `sleep` runs.
  await pollUntil(
    'the namespace holder has its own mount namespace',
    async () =>
      (await readlink(`/proc/${holderPid}/ns/mnt`)) !== ownMountNamespace ? true : undefined,
    { timeoutMs: 10_000, intervalMs: 50 },
  );
  state.namespaces = {
    net: await readlink(`/proc/${holderPid}/ns/net`),
    mnt: await readlink(`/proc/${holderPid}/ns/mnt`),
  };
  await saveState(state);
}

async function setUpNetwork(node: (argv: string[]) => Promise<string>): Promise<void> {
  await node(['ip', 'link', 'set', 'lo', 'up']);
  for (const address of [addresses.node, addresses.harbor, addresses.artifacts]) {
    await node(['ip', 'addr', 'add', `${address}/32`, 'dev', 'lo']);
  }
  await node(['ip', 'link', 'add', CNI_BRIDGE, 'type', 'bridge']);
  await node(['ip', 'addr', 'add', `${addresses.bridge}/24`, 'dev', CNI_BRIDGE]);
  await node(['ip', 'link', 'set', CNI_BRIDGE, 'up']);
  await node([
    'ip',
    'route',
    'add',
    addresses.serviceSubnet,
    'dev',
    CNI_BRIDGE,
    'src',
    addresses.node,
  ]);
  // Pods reach Services through DNAT on the node: the namespace must forward.
  await node(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
}

async function setUpFiles(
  state: ClusterState,
  node: (argv: string[]) => Promise<string>,
): Promise<void> {
  await mkdir(paths.etc, { recursive: true });
  const hostsFile = join(paths.etc, 'hosts');
  const resolvConf = join(paths.etc, 'resolv.conf');
  await writeFile(
    hostsFile,
    [
      '127.0.0.1 localhost',
      `${addresses.node} ${NODE_NAME}`,
      `${addresses.harbor} ${hosts.harbor}`,
      `${addresses.artifacts} ${hosts.artifacts}`,
      '',
    ].join('\n'),
  );
  // No name server runs in the namespace: a lookup outside the hosts file fails at once.
  await writeFile(resolvConf, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
  await node(['mount', '--bind', hostsFile, '/etc/hosts']);
  await node(['mount', '--bind', resolvConf, '/etc/resolv.conf']);
  for (const hostDir of PRIVATE_HOST_DIRS) {
    await ensureHostDir(state, hostDir);
    const privateDir = join(paths.private, hostDir.slice(1).replaceAll('/', '-'));
    await mkdir(privateDir, { recursive: true });
    await node(['mount', '--bind', privateDir, hostDir]);
  }
}
