/**
 * One HTTPS request to a registry or its token service, over the client's
 * keep-alive agent (which carries `caFile`, so the registry and its token
 * realm are verified with the same trust). TLS only: a plain `http://` URL
 * is refused, because credentials and tokens travel in its headers. Every
 * failure becomes a {@link RegistryRequestError} whose message is safe to
 * log: it is built from error codes and status lines, never from headers.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { request, type Agent } from 'node:https';

/** What came back: the status, headers and (bounded) body. */
export interface RegistryResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A request that got no HTTP answer; `message` is safe to show and log. */
export class RegistryRequestError extends Error {
  override readonly name = 'RegistryRequestError';
}

/** A request. */
export interface RegistryRequest {
  readonly method: 'GET' | 'HEAD';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** Aborts the request (the lookup's own timeout, or the client closing). */
  readonly signal: AbortSignal;
  /** Bodies beyond this are cut off with an error (token responses are a few KiB). */
  readonly maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

// Node's codes for certificate problems, shown with a hint, since the fix is the CA.
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
]);

/** A short, secret-free description of why a request failed. */
export function describeRequestFailure(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    return reason instanceof RegistryRequestError ? reason.message : 'aborted';
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (TLS_CODES.has(code)) return `TLS certificate not trusted (${code}); check harbor.caFile`;
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ECONNRESET') return 'connection reset';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${code})`;
    if (code === 'EPROTO' || code.startsWith('ERR_SSL')) return `TLS handshake failed (${code})`;
    return `network error (${code})`;
  }
  return 'network error';
}

/** Sends `options`; resolves with any HTTP answer, rejects with a {@link RegistryRequestError}. */
export function sendRegistryRequest(
  agent: Agent,
  options: RegistryRequest,
): Promise<RegistryResponse> {
  if (options.url.protocol !== 'https:') {
    return Promise.reject(
      new RegistryRequestError(`refusing ${options.url.protocol} URL: only HTTPS is used`),
    );
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return new Promise((resolve, reject) => {
    const fail = (error: unknown): void =>
      reject(new RegistryRequestError(describeRequestFailure(error, options.signal)));
    const outgoing = request(
      options.url,
      {
        agent,
        method: options.method,
        headers: { 'user-agent': 'harbor-image-webhook', ...options.headers },
        signal: options.signal,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBodyBytes) {
            incoming.destroy(new RegistryRequestError(`answer larger than ${maxBodyBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        incoming.on('error', (error) =>
          error instanceof RegistryRequestError ? reject(error) : fail(error),
        );
        incoming.on('end', () =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    outgoing.on('error', fail);
    outgoing.end();
  });
}
