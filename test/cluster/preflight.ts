/**
 * What bring-up needs from the machine, checked before anything is changed,
 * so a missing piece is one clear message instead of a half-started cluster.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { HOST_API_PORT } from './layout.ts';
import { ClusterPartError } from './part-error.ts';

/** Commands bring-up runs, and the package that brings each (test/cluster/install-host-packages.sh). */
const REQUIRED_FILES: Record<string, string> = {
  '/usr/bin/containerd': 'containerd',
  '/usr/sbin/runc': 'runc',
  '/usr/lib/cni/bridge': 'containernetworking-plugins',
  '/usr/bin/docker-registry': 'docker-registry',
  '/usr/bin/skopeo': 'skopeo',
  '/usr/bin/socat': 'socat',
  '/usr/bin/htpasswd': 'apache2-utils',
};

/** True when nothing on the host listens on 127.0.0.1:`port`. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Throws unless this process runs as root. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new ClusterPartError('preflight', 'the cluster needs root (namespaces, mounts, cgroups)');
  }
}

/** Throws a {@link ClusterPartError} naming the first thing the machine lacks. */
export async function preflight(): Promise<void> {
  requireRoot();
  const missing = Object.entries(REQUIRED_FILES).filter(([file]) => !existsSync(file));
  if (missing.length > 0) {
    const packages = missing.map(([, pkg]) => pkg).join(' ');
    throw new ClusterPartError(
      'preflight',
      `missing ${missing.map(([file]) => file).join(', ')}: run test/cluster/install-host-packages.sh (apt-get install ${packages})`,
    );
  }
  if (!(await portIsFree(HOST_API_PORT))) {
    throw new ClusterPartError(
      'preflight',
      `127.0.0.1:${HOST_API_PORT} is in use on the host; set HARBOR_NODE_API_PORT to a free port`,
    );
  }
}
