/**
 * Knows the open connections, to move clients off them gracefully: at
 * shutdown, and after a certificate reload (an HTTP/2 client such as the
 * kube-apiserver otherwise keeps its old TLS session for as long as Pods keep
 * coming, so a broken rotation would show only at the next reconnect, as
 * every Pod creation failing).
 *
 * Moving off is always graceful: GOAWAY on HTTP/2 (streams in flight finish,
 * new ones open a new connection) and `Connection: close` on the next
 * HTTP/1.1 response. Node's own `close()` would instead destroy idle
 * keep-alive connections, resetting a request a client has just written.
 */
import type { Http2Session } from 'node:http2';
import { Server as NetServer, type Socket } from 'node:net';
import type { WebhookServer } from './webhook-server.ts';

/** Long enough for requests in flight to finish and clients to see GOAWAY; far below the 10 s budget. */
export const DRAIN_MS = 1000;

export interface ConnectionTracker {
  /** Asks every connection open now to go away after its current request. */
  moveClientsOff(): void;
  /** Stops accepting, moves every client off, waits `drainMs`, then closes the app. */
  drainAndClose(): Promise<void>;
}

/** Installs the tracking on `app`; call before it listens. */
export function trackConnections(app: WebhookServer, drainMs = DRAIN_MS): ConnectionTracker {
  const sessions = new Set<Http2Session>();
  // HTTP/1.1 sockets opened before the last moveClientsOff() close after their next response.
  const socketGeneration = new WeakMap<Socket, number>();
  let generation = 0;
  let draining = false;
  app.server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  app.server.on('secureConnection', (socket: Socket) => socketGeneration.set(socket, generation));
  app.addHook('onSend', function closeMovedConnections(request, reply, payload, done) {
    // HTTP/2 forbids the Connection header; its sessions get GOAWAY instead.
    if (request.raw.httpVersionMajor === 1) {
      const opened = socketGeneration.get(request.raw.socket) ?? generation;
      if (draining || opened < generation) void reply.header('connection', 'close');
    }
    done(null, payload);
  });
  const moveClientsOff = (): void => {
    generation++;
    for (const session of sessions) session.close();
  };
  return {
    moveClientsOff,
    drainAndClose: async () => {
      draining = true;
      // The plain net.Server close: stop accepting, without the HTTP layers' idle-connection sweep.
      NetServer.prototype.close.call(app.server);
      moveClientsOff();
      await new Promise((resolve) => setTimeout(resolve, drainMs));
      await app.close();
    },
  };
}
