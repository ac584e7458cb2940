/**
 * Finding the CA that can sign a new serving certificate: the certificate in
 * `ca.crt` whose key is `ca.key`, with more than the renewal window left
 * (otherwise the new serving certificate would need a new CA soon anyway).
 */
import type { X509Certificate } from 'node:crypto';
import type { IssuedCertificate } from './issued-certificate.ts';
import { readPrivateKey } from './key-algorithm.ts';
import { checkValidity } from './validity.ts';

/** Either a CA with its key, or why there is none to sign with. */
export type IssuingCaSearch =
  { found: true; ca: IssuedCertificate } | { found: false; reason: string };

/** Looks for the CA matching `caPrivateKeyPem` among `caCertificates`. */
export function findIssuingCa(
  caPrivateKeyPem: string | undefined,
  caCertificates: readonly X509Certificate[],
  window: { renewBeforeDays: number; now: Date },
): IssuingCaSearch {
  if (caPrivateKeyPem === undefined) return notFound('no CA private key in ca.key');
  const privateKey = readPrivateKey(caPrivateKeyPem);
  if (privateKey === undefined) return notFound('ca.key is not a readable private key');
  const ca = caCertificates.find((candidate) => candidate.checkPrivateKey(privateKey));
  if (ca === undefined) return notFound('no CA in ca.crt matches ca.key');
  const reason = checkValidity(ca, 'CA', window);
  if (reason !== undefined) return notFound(reason);
  return {
    found: true,
    ca: {
      certificatePem: ca.toString(),
      privateKeyPem: caPrivateKeyPem,
      notBefore: ca.validFromDate,
      notAfter: ca.validToDate,
    },
  };
}

function notFound(reason: string): IssuingCaSearch {
  return { found: false, reason };
}
