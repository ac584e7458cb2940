/**
 * The serving certificate and key, checked before use: a pair that does not
 * parse, does not match or has expired is refused, so a half-written Secret
 * update never replaces a working certificate.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';

export interface TlsCredentials {
  readonly certificatePem: Buffer;
  readonly privateKeyPem: Buffer;
  readonly notAfter: Date;
  readonly fingerprint: string;
}

export type CheckedCredentials =
  | { readonly ok: true; readonly credentials: TlsCredentials }
  | { readonly ok: false; readonly problem: string };

/**
 * TLS 1.2+ with forward-secret AEAD suites only: what the kube-apiserver's Go
 * client negotiates, and nothing a scanner would flag.
 */
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
];
const TLS13_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
];

/** Checks that `certificatePem` (leaf first, chain after) and `privateKeyPem` form a usable pair at `now`. */
export function checkTlsPair(
  certificatePem: Buffer,
  privateKeyPem: Buffer,
  now: Date,
): CheckedCredentials {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch {
    return { ok: false, problem: 'the certificate is not a PEM X.509 certificate' };
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(privateKeyPem))) {
      return { ok: false, problem: 'the private key does not belong to the certificate' };
    }
  } catch {
    return { ok: false, problem: 'the private key is not a PEM private key' };
  }
  const notAfter = new Date(certificate.validTo);
  if (notAfter <= now)
    return { ok: false, problem: `the certificate expired at ${notAfter.toISOString()}` };
  return {
    ok: true,
    credentials: {
      certificatePem,
      privateKeyPem,
      notAfter,
      fingerprint: certificate.fingerprint256,
    },
  };
}

/** The secure-context options for the server, used at start and at every swap alike. */
export function secureContextOptions(
  credentials: TlsCredentials,
  clientCaPem?: Buffer,
): SecureContextOptions & { requestCert?: boolean; rejectUnauthorized?: boolean } {
  return {
    cert: credentials.certificatePem,
    key: credentials.privateKeyPem,
    minVersion: 'TLSv1.2',
    ciphers: [...TLS13_CIPHERS, ...TLS12_CIPHERS].join(':'),
    honorCipherOrder: true,
    // Ask for, but do not demand, a client certificate: probes present none (see client-certificate.ts).
    ...(clientCaPem === undefined
      ? {}
      : { ca: clientCaPem, requestCert: true, rejectUnauthorized: false }),
  };
}
