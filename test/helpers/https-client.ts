/**
 * Real HTTPS clients for integration tests: HTTP/1.1 through node:https and
 * HTTP/2 through node:http2, both verifying the server against a CA, as the
 * kube-apiserver does with the caBundle.
 */
import { request as httpsRequest } from 'node:https';
import { connect, type ClientHttp2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** ALPN protocol of the connection: "h2" or "http/1.1". */
  readonly protocol: string;
  /** SHA-256 fingerprint of the certificate the server presented. */
  readonly certificateFingerprint: string;
}

export interface RequestOptions {
  readonly ca: string | Buffer;
  readonly method?: string;
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  readonly http2?: boolean;
  readonly timeoutMs?: number;
  /** A client certificate to present (mutual TLS). */
  readonly clientCertificate?: { readonly cert: string; readonly key: string };
}

/** One request on a fresh connection. */
export function send(port: number, path: string, options: RequestOptions): Promise<HttpResponse> {
  return options.http2 === true ? sendHttp2(port, path, options) : sendHttp1(port, path, options);
}

/** POSTs JSON (an object is serialized; a string is sent as is). */
export function postJson(
  port: number,
  path: string,
  body: unknown,
  options: RequestOptions,
): Promise<HttpResponse> {
  return send(port, path, {
    ...options,
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...options.headers },
  });
}

function sendHttp1(port: number, path: string, options: RequestOptions): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        ca: options.ca,
        ...options.clientCertificate,
        headers: options.headers,
        agent: false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const socket = response.socket as TLSSocket;
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            protocol: socket.alpnProtocol || 'http/1.1',
            certificateFingerprint: socket.getPeerCertificate().fingerprint256,
          });
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('request timed out')));
    request.on('error', reject);
    request.end(options.body);
  });
}

/** Opens an HTTP/2 session that may carry many requests. */
export function openHttp2(
  port: number,
  ca: string | Buffer,
  clientCertificate?: RequestOptions['clientCertificate'],
): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(`https://127.0.0.1:${port}`, { ca, ...clientCertificate });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

/** One request on an open HTTP/2 session. */
export function sendOnSession(
  session: ClientHttp2Session,
  path: string,
  options: Omit<RequestOptions, 'ca'>,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': options.method ?? 'GET',
      ':path': path,
      ...options.headers,
    });
    const chunks: Buffer[] = [];
    let status = 0;
    let headers: Record<string, string | string[] | undefined> = {};
    stream.setTimeout(options.timeoutMs ?? 10_000, () => stream.close());
    stream.on('response', (responseHeaders) => {
      status = Number(responseHeaders[':status']);
      headers = responseHeaders as Record<string, string | string[] | undefined>;
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const socket = session.socket as TLSSocket;
      resolve({
        status,
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
        protocol: session.alpnProtocol ?? '',
        certificateFingerprint: socket.getPeerCertificate().fingerprint256,
      });
    });
    stream.on('error', reject);
    stream.end(options.body);
  });
}

async function sendHttp2(
  port: number,
  path: string,
  options: RequestOptions,
): Promise<HttpResponse> {
  const session = await openHttp2(port, options.ca, options.clientCertificate);
  try {
    return await sendOnSession(session, path, options);
  } finally {
    session.close();
  }
}
