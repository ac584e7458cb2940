/**
 * The apiserver, seen from the host at 127.0.0.1:HOST_API_PORT: two socat
 * processes joined by a unix socket in the work directory (a path socket
 * crosses network namespaces; no address outside the namespace or loopback
 * is involved). kubectl and helm on the host use the admin kubeconfig.
 */
import { APISERVER_PORT, HOST_API_PORT, paths } from './layout.ts';
import { spawnDetached, startDaemon } from './daemons.ts';
import { ClusterPartError } from './part-error.ts';
import { portIsFree } from './preflight.ts';
import { saveState, type ClusterState } from './state.ts';

const PART = 'api-forward';

/** Starts both ends of the forward. */
export async function startApiForward(state: ClusterState): Promise<void> {
  if (!(await portIsFree(HOST_API_PORT))) {
    throw new ClusterPartError(
      PART,
      `127.0.0.1:${HOST_API_PORT} is in use on the host; set HARBOR_NODE_API_PORT to a free port`,
    );
  }
  await startDaemon(state, `${PART}-node`, [
    '/usr/bin/socat',
    `UNIX-LISTEN:${paths.apiSocket},fork,unlink-early,mode=600`,
    `TCP:127.0.0.1:${APISERVER_PORT}`,
  ]);
  state.processes.push(
    await spawnDetached(`${PART}-host`, [
      '/usr/bin/socat',
      `TCP-LISTEN:${HOST_API_PORT},bind=127.0.0.1,reuseaddr,fork`,
      `UNIX-CONNECT:${paths.apiSocket}`,
    ]),
  );
  await saveState(state);
}
