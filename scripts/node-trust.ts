/**
 * node-trust: the chart's nodeTrust DaemonSet runs this on every node, from
 * the webhook's own image. It keeps `<certs-dir>/<host>/{ca.crt,hosts.toml}`
 * in containerd's certs.d so the node trusts Harbor's CA, rewriting them when
 * the mounted CA changes. On SIGTERM it removes them only when its DaemonSet
 * is gone (helm uninstall), never on a rolling update or a restart, which
 * would leave the node untrusted between the old Pod and the new one.
 *
 *   node dist/scripts/node-trust.js --certs-dir DIR --host HOST --ca-file FILE
 *       [--daemonset NAME --namespace NS] [--interval-seconds 60]
 */
import { mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { trustFiles, type TrustFile } from './node-trust/trust-files.ts';

const { values } = parseArgs({
  options: {
    'certs-dir': { type: 'string' },
    host: { type: 'string' },
    'ca-file': { type: 'string' },
    daemonset: { type: 'string' },
    namespace: { type: 'string' },
    'interval-seconds': { type: 'string', default: '60' },
  },
});
function required(name: 'certs-dir' | 'host' | 'ca-file'): string {
  const value = values[name];
  if (value !== undefined && value !== '') return value;
  console.error('node-trust: --certs-dir, --host and --ca-file are required');
  process.exit(2);
}
const certsDir = required('certs-dir');
const host = required('host');
const caFile = required('ca-file');
const log = (message: string): void => console.log(JSON.stringify({ msg: message, host }));

/** Writes each file whose content differs, atomically (temp file + rename). */
async function sync(files: readonly TrustFile[]): Promise<boolean> {
  let changed = false;
  for (const file of files) {
    const current = await readFile(file.path, 'utf8').catch(() => undefined);
    if (current === file.content) continue;
    await mkdir(dirname(file.path), { recursive: true });
    await writeFile(`${file.path}.tmp`, file.content, { mode: 0o644 });
    await rename(`${file.path}.tmp`, file.path);
    changed = true;
  }
  return changed;
}

async function currentFiles(): Promise<TrustFile[]> {
  return trustFiles(certsDir, host, await readFile(caFile, 'utf8'));
}

/** True unless the API says our DaemonSet is gone or being deleted (or our access to it is). */
async function daemonSetRemains(): Promise<boolean> {
  if (values.daemonset === undefined || values.namespace === undefined) return false;
  try {
    const { KubeConfig, AppsV1Api } = await import('@kubernetes/client-node');
    const config = new KubeConfig();
    config.loadFromCluster();
    const daemonSet = await config
      .makeApiClient(AppsV1Api)
      .readNamespacedDaemonSet({ name: values.daemonset, namespace: values.namespace });
    return daemonSet.metadata?.deletionTimestamp === undefined;
  } catch (error) {
    const code = (error as { code?: number }).code;
    // 404: deleted; 401/403: its ServiceAccount or Role went with the release.
    if (code === 404 || code === 401 || code === 403) return false;
    log(`cannot tell whether the DaemonSet remains, keeping the files: ${String(error)}`);
    return true;
  }
}

async function removeFiles(): Promise<void> {
  const files = await currentFiles().catch(() => trustFiles(certsDir, host, ''));
  for (const file of files) await rm(file.path, { force: true });
  // Only our directory, and only if nothing else is in it.
  const [first] = files;
  if (first !== undefined) await rmdir(dirname(first.path)).catch(() => undefined);
}

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
  void (async () => {
    if (await daemonSetRemains()) {
      log('stopping; the DaemonSet remains, so the trust files stay');
    } else {
      await removeFiles();
      log('removed the trust files: the DaemonSet is gone');
    }
    process.exit(0);
  })();
});

// Re-synced on an interval: a renewed CA reaches the mounted file within the kubelet's sync.
const intervalMs = Math.max(5, Number(values['interval-seconds'])) * 1000;
while (!stopping) {
  try {
    if (await sync(await currentFiles())) log(`wrote ${certsDir}/${host}/{ca.crt,hosts.toml}`);
  } catch (error) {
    log(`cannot write the trust files: ${String(error)}`);
  }
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
