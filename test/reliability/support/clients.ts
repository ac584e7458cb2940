/**
 * Clients that behave like the kube-apiserver's: HTTP/2 sessions carrying
 * many streams, and HTTP/1.1 keep-alive connections, both verifying the
 * server against the CA. Every exchange is recorded with when it was sent and
 * how it ended, so a test can tell a refused request (never sent, or refused
 * by the protocol) from a lost one (sent, then cut off).
 */
import { performance } from 'node:perf_hooks';
import { Agent, request as httpsRequest } from 'node:https';
import { connect as http2Connect, constants, type ClientHttp2Session } from 'node:http2';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export type Protocol = 'h2' | 'http/1.1';

/** How one request ended. */
export interface Exchange {
  readonly protocol: Protocol;
  /** 0 when no response arrived. */
  readonly status: number;
  readonly body: string;
  readonly startedAt: number;
  /** When the whole request was on an established connection; undefined when it never was. */
  readonly sentAt: number | undefined;
  readonly finishedAt: number;
  /** An error code (ECONNRESET, ERR_HTTP2_STREAM_ERROR, REFUSED_STREAM…) when no full response arrived. */
  readonly error?: string;
  /** HTTP/2 only: the server refused the stream (GOAWAY or REFUSED_STREAM), so it was not processed. */
  readonly refusedByProtocol?: boolean;
}

export interface RequestSpec {
  readonly path: string;
  readonly method?: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

export interface Client {
  readonly protocol: Protocol;
  send(spec: RequestSpec): Promise<Exchange>;
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;

function headersOf(spec: RequestSpec): Record<string, string> {
  return spec.body === undefined
    ? { ...spec.headers }
    : { 'content-type': 'application/json', ...spec.headers };
}

/** HTTP/1.1 over up to `connections` kept-alive TLS connections. */
export function createHttp1Client(port: number, ca: string, connections: number): Client {
  const agent = new Agent({
    keepAlive: true,
    maxSockets: connections,
    ca,
    ALPNProtocols: ['http/1.1'],
  });
  return {
    protocol: 'http/1.1',
    send: (spec) => sendHttp1(port, agent, spec),
    close: () => agent.destroy(),
  };
}

function sendHttp1(port: number, agent: Agent, spec: RequestSpec): Promise<Exchange> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    let connected = false;
    let sentAt: number | undefined;
    let settled = false;
    const finish = (status: number, body: string, error?: string): void => {
      if (settled) return;
      settled = true;
      const finishedAt = performance.now();
      const base = { protocol: 'http/1.1' as const, status, body, startedAt, sentAt, finishedAt };
      resolve(error === undefined ? base : { ...base, error });
    };
    const request = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: spec.path,
        method: spec.method ?? (spec.body === undefined ? 'GET' : 'POST'),
        headers: headersOf(spec),
        agent,
        timeout: spec.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          finish(response.statusCode ?? 0, Buffer.concat(chunks).toString()),
        );
        response.on('error', (error: NodeJS.ErrnoException) =>
          finish(0, '', error.code ?? error.message),
        );
      },
    );
    // Sent once the whole request is written and the connection is up, in either order.
    let written = false;
    const markSent = (): void => {
      if (connected && written) sentAt ??= performance.now();
    };
    request.on('socket', (socket: TLSSocket) => {
      if (request.reusedSocket) connected = true;
      else
        socket.once('secureConnect', () => {
          connected = true;
          markSent();
        });
    });
    request.on('finish', () => {
      written = true;
      markSent();
    });
    request.on('timeout', () =>
      request.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
    );
    request.on('error', (error: NodeJS.ErrnoException) =>
      finish(0, '', error.code ?? error.message),
    );
    request.end(spec.body);
  });
}

/**
 * HTTP/2 on one session at a time. A session the server closed (GOAWAY) or
 * lost is replaced by a new one on the next request, as Go's client does.
 */
export function createHttp2Client(
  port: number,
  ca: string,
): Client & { readonly sessions: () => number } {
  let session: ClientHttp2Session | undefined;
  let sessions = 0;
  let closed = false;
  const current = (): ClientHttp2Session => {
    if (session === undefined || session.closed || session.destroyed) {
      const opened = http2Connect(`https://127.0.0.1:${port}`, { ca });
      opened.on('error', () => undefined);
      opened.on('goaway', () => {
        if (session === opened) session = undefined;
      });
      session = opened;
      sessions++;
    }
    return session;
  };
  return {
    protocol: 'h2',
    sessions: () => sessions,
    send: (spec) => {
      if (closed) throw new Error('client closed');
      return sendHttp2(current(), spec);
    },
    close: () => {
      closed = true;
      session?.close();
    },
  };
}

function sendHttp2(session: ClientHttp2Session, spec: RequestSpec): Promise<Exchange> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    let sentAt: number | undefined;
    let status = 0;
    let settled = false;
    const chunks: Buffer[] = [];
    const finish = (error?: string, refusedByProtocol = false): void => {
      if (settled) return;
      settled = true;
      const base = {
        protocol: 'h2' as const,
        status,
        body: Buffer.concat(chunks).toString(),
        startedAt,
        sentAt,
        finishedAt: performance.now(),
      };
      resolve(error === undefined ? base : { ...base, error, refusedByProtocol });
    };
    let stream;
    try {
      stream = session.request({
        ':method': spec.method ?? (spec.body === undefined ? 'GET' : 'POST'),
        ':path': spec.path,
        ...headersOf(spec),
      });
    } catch (error) {
      // The session is closing or gone: the request never left this process.
      finish((error as NodeJS.ErrnoException).code ?? 'ERR_HTTP2_INVALID_SESSION', true);
      return;
    }
    const opened = stream;
    opened.setTimeout(spec.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => {
      finish('TIMEOUT');
      opened.close(constants.NGHTTP2_CANCEL);
    });
    opened.on('response', (headers) => (status = Number(headers[':status'])));
    opened.on('data', (chunk: Buffer) => chunks.push(chunk));
    opened.on('end', () => finish(status === 0 ? 'NO_RESPONSE' : undefined));
    opened.on('error', (error: NodeJS.ErrnoException) => {
      const refused =
        opened.rstCode === constants.NGHTTP2_REFUSED_STREAM ||
        error.code === 'ERR_HTTP2_GOAWAY_SESSION';
      finish(error.code ?? error.message, refused);
    });
    opened.on('close', () => {
      const refused = opened.rstCode === constants.NGHTTP2_REFUSED_STREAM;
      finish(refused ? 'REFUSED_STREAM' : `CLOSED_${opened.rstCode}`, refused);
    });
    // Sent once the stream has an id (its HEADERS went to the connection) and its body is written.
    let ready = !opened.pending;
    let written = false;
    const markSent = (): void => {
      if (ready && written) sentAt ??= performance.now();
    };
    if (!ready) {
      opened.once('ready', () => {
        ready = true;
        markSent();
      });
    }
    opened.end(spec.body, () => {
      written = true;
      markSent();
    });
  });
}

/** The SHA-256 fingerprint of the certificate a fresh TLS connection is served. */
export function servedFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['http/1.1'] }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(fingerprint);
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.on('error', reject);
  });
}

/** The value of `p` (0–100) in `values` (nearest rank); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
