/**
 * Connection timeouts and limits: what keeps slow or idle peers (slowloris,
 * half-open sockets) from holding the server. Figures in RELIABILITY.md.
 */
import { constants as http2Constants, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import { Socket } from 'node:net';

/**
 * How long a connection may spend at each stage, and how much one connection
 * may hold. The kube-apiserver, the one real client, finishes a TLS handshake
 * in milliseconds, writes each request whole, and stops waiting after the
 * registration's `timeoutSeconds` (at most 30 s): a peer slower than these
 * limits is not the apiserver, only a socket held open (slowloris). Measured
 * in test/reliability/slow-clients.test.ts; figures in RELIABILITY.md.
 */
export const CONNECTION_LIMITS = {
  /**
   * TCP accept to TLS handshake done. Node's default is 120 s, so a silent TCP
   * connection sat for two minutes; Go's client (the apiserver's) gives up
   * after 10 s itself. OpenSSL consumes the handshake bytes, so this is a hard
   * deadline: trickling a ClientHello does not extend it.
   */
  handshakeTimeoutMs: 10_000,
  /** HTTP/1.1: every request header must arrive within this. The apiserver writes them at once. */
  headersTimeoutMs: 10_000,
  /**
   * HTTP/1.1: the whole request must arrive within this; HTTP/2: a stream is
   * cancelled after this. Both are the apiserver's longest `timeoutSeconds`:
   * an answer later than that is read by no one.
   */
  requestTimeoutMs: 30_000,
  /** How often Node checks HTTP/1.1 requests against the two limits above: each is enforced at most this late. */
  connectionsCheckingIntervalMs: 1_000,
  /**
   * A connection with no request in progress is closed after this: HTTP/1.1
   * before the first request and between requests, HTTP/2 with no stream
   * activity (its PING frames do not count). Closing costs the apiserver one
   * new handshake; an HTTP/2 session is closed with GOAWAY, so a request that
   * crosses it is retried by the client, not lost.
   */
  idleTimeoutMs: 30_000,
  /**
   * HTTP/2 streams open at once per session. Node's default is unlimited;
   * 100 is RFC 9113's recommended minimum, and Go's client opens another
   * connection rather than queue beyond it.
   */
  maxConcurrentStreams: 100,
} as const;

/**
 * The HTTP/1.1 fallback's server options. Node reads them from `http1Options`
 * of the HTTP/2 server (its types list only `keepAliveTimeout`); Fastify's own
 * `requestTimeout` and `keepAliveTimeout` reach only HTTP/1-only servers, so
 * with `http2: true` they would silently leave Node's defaults (headers 60 s,
 * checked every 30 s; requests 300 s; keep-alive 5 s) in force.
 */
interface Http1FallbackOptions {
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly connectionsCheckingInterval: number;
}

export const HTTP1_FALLBACK: Http1FallbackOptions = {
  headersTimeout: CONNECTION_LIMITS.headersTimeoutMs,
  requestTimeout: CONNECTION_LIMITS.requestTimeoutMs,
  keepAliveTimeout: CONNECTION_LIMITS.idleTimeoutMs,
  connectionsCheckingInterval: CONNECTION_LIMITS.connectionsCheckingIntervalMs,
};

/**
 * Closes a connection that went idle. Without this listener Node destroys an
 * idle HTTP/2 session outright, and a request the client sends at that moment
 * is reset after it was written; GOAWAY instead tells the client which
 * requests were not processed, so it retries them on a new connection.
 */
export function closeIdleConnection(idle: Http2Session | Socket): void {
  if (idle instanceof Socket) idle.destroy();
  else idle.close();
}

/** HTTP/2's counterpart of HTTP/1.1's `requestTimeout`, which Node applies to HTTP/1.1 only. */
export function limitStreamTime(stream: ServerHttp2Stream): void {
  const timer = setTimeout(() => {
    if (!stream.closed) stream.close(http2Constants.NGHTTP2_CANCEL);
  }, CONNECTION_LIMITS.requestTimeoutMs);
  timer.unref();
  stream.once('close', () => clearTimeout(timer));
}
