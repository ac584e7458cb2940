/**
 * Is the stored serving certificate still fit to serve? Each check returns
 * the reason it is not, so the renewal decision can say why it acts.
 */
import type { X509Certificate } from 'node:crypto';
import { parseCertificateBundle } from './certificate-bundle.ts';
import { readSubjectAltNames } from './certificate-fields.ts';
import { canonicalizeIpAddress } from './ip-address.ts';
import { detectKeyAlgorithm, readPrivateKey, type KeyAlgorithm } from './key-algorithm.ts';
import type { StoredTlsSecretData } from './tls-secret-data.ts';
import { checkValidity } from './validity.ts';

/** The parts of a renewal request the checks compare against. */
export interface ServingExpectation {
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
  keyAlgorithm: KeyAlgorithm;
  renewBeforeDays: number;
  now: Date;
}

/** Either the CA that issued a fit serving certificate, or why the certificate must be replaced. */
export type ServingCheck = { fit: true; issuer: X509Certificate } | { fit: false; reason: string };

/** Checks `tls.crt`/`tls.key` against the expectation and the CAs in `caCertificates`. */
export function checkServingCertificate(
  stored: StoredTlsSecretData,
  caCertificates: readonly X509Certificate[],
  expected: ServingExpectation,
): ServingCheck {
  const [certificate] = parseCertificateBundle(stored['tls.crt'] ?? '');
  if (certificate === undefined) return unfit('no readable serving certificate in tls.crt');
  const reason =
    checkKey(certificate, stored['tls.key'], expected) ?? checkNames(certificate, expected);
  if (reason !== undefined) return unfit(reason);
  const timeReason = checkValidity(certificate, 'serving certificate', expected);
  if (timeReason !== undefined) return unfit(timeReason);
  const issuer = caCertificates.find(
    (ca) =>
      isCurrentlyValid(ca, expected.now) &&
      certificate.checkIssued(ca) &&
      certificate.verify(ca.publicKey),
  );
  return issuer === undefined
    ? unfit('serving certificate does not chain to a valid CA in ca.crt')
    : { fit: true, issuer };
}

function isCurrentlyValid(certificate: X509Certificate, now: Date): boolean {
  return certificate.validFromDate <= now && now < certificate.validToDate;
}

function checkKey(
  certificate: X509Certificate,
  privateKeyPem: string | undefined,
  expected: ServingExpectation,
): string | undefined {
  const privateKey = privateKeyPem === undefined ? undefined : readPrivateKey(privateKeyPem);
  if (privateKey === undefined) return 'no readable serving private key in tls.key';
  if (!certificate.checkPrivateKey(privateKey)) return 'tls.key does not match tls.crt';
  const algorithm = detectKeyAlgorithm(privateKey);
  if (algorithm !== expected.keyAlgorithm) {
    return `serving key is ${algorithm ?? 'of another kind'}, wanted ${expected.keyAlgorithm}`;
  }
  return undefined;
}

function checkNames(
  certificate: X509Certificate,
  expected: ServingExpectation,
): string | undefined {
  let actual: { dnsNames: string[]; ipAddresses: string[] };
  try {
    actual = readSubjectAltNames(certificate);
  } catch {
    return 'subjectAltNames of tls.crt are unreadable';
  }
  const have = new Set([...actual.dnsNames.map(normalizeDnsName), ...actual.ipAddresses]);
  const want = new Set([
    ...expected.dnsNames.map(normalizeDnsName),
    ...expected.ipAddresses.map(canonicalizeIpAddress),
  ]);
  const missing = [...want].filter((name) => !have.has(name));
  const unexpected = [...have].filter((name) => !want.has(name));
  if (missing.length === 0 && unexpected.length === 0) return undefined;
  return `subjectAltNames differ (missing: ${missing.join(', ') || 'none'}; unexpected: ${unexpected.join(', ') || 'none'})`;
}

// DNS names compare case-insensitively (RFC 4343).
function normalizeDnsName(name: string): string {
  return name.toLowerCase();
}

function unfit(reason: string): ServingCheck {
  return { fit: false, reason };
}
