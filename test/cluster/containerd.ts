/**
 * containerd, Debian's, with its own root, state and socket in the work
 * directory. Its CRI plugin: cgroupfs (SystemdCgroup = false: cgroup v1, no
 * systemd here), `restrict_oom_score_adj` (root here lacks CAP_SYS_RESOURCE,
 * and runc otherwise fails with "can't get final child's PID from pipe"),
 * the locally built pause image as the sandbox, and `config_path` so registry
 * trust is configured per host in `certs.d`, as users (and the chart's node
 * trust DaemonSet) do.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, tryRun } from './commands.ts';
import { CNI_BIN_DIR, writeCniConfig } from './cni-network.ts';
import { startDaemon, waitFor } from './daemons.ts';
import { paths, PAUSE_IMAGE } from './layout.ts';
import type { ClusterState, RecordedProcess } from './state.ts';

const PART = 'containerd';
const START_TIMEOUT_MS = 30_000;

function configToml(): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${join(paths.containerd, 'root')}"
state = "${join(paths.containerd, 'state')}"

[grpc]
  address = "${paths.containerdSocket}"

[${cri}]
  sandbox_image = "${PAUSE_IMAGE}"
  restrict_oom_score_adj = true
  enable_selinux = false

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false

[${cri}.cni]
  bin_dir = "${CNI_BIN_DIR}"
  conf_dir = "${paths.cniConf}"

[${cri}.registry]
  config_path = "${paths.certsD}"
`;
}

/** `ctr` talking to the cluster's containerd, in the namespace the CRI uses. */
export function ctr(args: readonly string[]): string[] {
  return ['ctr', '--address', paths.containerdSocket, '--namespace', 'k8s.io', ...args];
}

/** Writes the configuration, starts containerd and waits until its CRI plugin is loaded. */
export async function startContainerd(state: ClusterState): Promise<RecordedProcess> {
  await mkdir(paths.certsD, { recursive: true });
  await writeCniConfig();
  const configFile = join(paths.containerd, 'config.toml');
  await writeFile(configFile, configToml());
  const recorded = await startDaemon(state, PART, [
    '/usr/bin/containerd',
    '--config',
    configFile,
    '--log-level',
    'info',
  ]);
  await waitFor(recorded, 'the CRI plugin is loaded', START_TIMEOUT_MS, async () => {
    if (!(await tryRun(ctr(['version']), 5_000))) return undefined;
    const plugins = await run(PART, ctr(['plugins', 'ls']));
    return /io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok/.test(plugins) ? true : undefined;
  });
  return recorded;
}
