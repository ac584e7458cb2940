/**
 * Probing TLS servers the way the apiserver reaches them, verifying against
 * a CA: readiness of the apiserver and the webhook, and which certificate a
 * server presents (certificate rotation).
 */
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { connect } from 'node:tls';

/** GETs `url` trusting only `caPem`; resolves with the status and body. */
export function httpsGet(
  url: string,
  options: { caPem: string; token?: string; timeoutMs?: number },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        ca: options.caPem,
        agent: false,
        timeout: options.timeoutMs ?? 5_000,
        headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The SHA-256 fingerprint (`AA:BB:…`) of the certificate served on
 * 127.0.0.1:`port`, verified against `caPem` (which may hold several CAs).
 */
export function servedCertificateFingerprint(port: number, caPem: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: caPem, timeout: 5_000 }, () => {
      const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
      socket.end();
      resolve(fingerprint);
    });
    socket.on('timeout', () =>
      socket.destroy(new Error(`TLS handshake with port ${port} timed out`)),
    );
    socket.on('error', reject);
  });
}

/** The SHA-256 fingerprint of a PEM certificate, comparable with {@link servedCertificateFingerprint}. */
export function certificateFingerprint(certificatePem: string): string {
  return new X509Certificate(certificatePem).fingerprint256;
}
