/**
 * An HTTP/2 client that POSTs AdmissionReviews to /mutate over a few
 * sessions with many streams each, as the kube-apiserver does. The load
 * loops drive it through {@link RequestClient}.
 */
import { connect, constants, type ClientHttp2Session } from 'node:http2';

export interface RequestClient {
  /** Sends one POST /mutate; resolves with the HTTP status, or 0 when no response came. */
  send(body: Buffer): Promise<number>;
  close(): void;
}

export interface ClientOptions {
  readonly port: number;
  readonly ca: string;
  /** HTTP/2 sessions. */
  readonly connections: number;
}

const TIMEOUT_MS = 10_000;

/** Opens `connections` HTTP/2 sessions and sends each request on the next one in turn. */
export async function openH2Client(options: ClientOptions): Promise<RequestClient> {
  const sessions = await Promise.all(
    Array.from({ length: options.connections }, () => connectSession(options)),
  );
  let next = 0;
  return {
    send: (body) => {
      next = (next + 1) % sessions.length;
      return sendOnSession(sessions[next] as ClientHttp2Session, body);
    },
    close: () => sessions.forEach((session) => session.close()),
  };
}

function connectSession(options: ClientOptions): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(`https://127.0.0.1:${options.port}`, { ca: options.ca });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

function sendOnSession(session: ClientHttp2Session, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    if (session.destroyed || session.closed) return resolve(0);
    let status = 0;
    let settled = false;
    const settle = (value: number): void => {
      if (!settled) resolve(value);
      settled = true;
    };
    const stream = session.request({
      ':method': 'POST',
      ':path': '/mutate',
      'content-type': 'application/json',
      'content-length': body.length,
    });
    stream.setTimeout(TIMEOUT_MS, () => stream.close(constants.NGHTTP2_CANCEL));
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('end', () => settle(status));
    stream.on('error', () => settle(0));
    stream.on('close', () => settle(0));
    stream.resume();
    stream.end(body);
  });
}
