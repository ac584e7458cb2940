/**
 * CA bundles (`ca.crt`, a webhook's `caBundle`): concatenated PEM
 * certificates. During a CA rotation the bundle holds the old and the new CA
 * so clients trust the serving certificate whichever one signed it.
 */
import { X509Certificate } from 'node:crypto';

const pemCertificatePattern = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every readable certificate in `bundle`, in order; unreadable blocks and text around them are skipped. */
export function parseCertificateBundle(bundle: string): X509Certificate[] {
  const certificates: X509Certificate[] = [];
  for (const [block] of bundle.matchAll(pemCertificatePattern)) {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      // A damaged entry must not hide the good ones next to it.
    }
  }
  return certificates;
}

/** Joins certificates into one PEM bundle, dropping duplicates (same SHA-256 fingerprint). */
export function formatCertificateBundle(certificates: readonly X509Certificate[]): string {
  const seen = new Set<string>();
  const unique = certificates.filter((certificate) => {
    if (seen.has(certificate.fingerprint256)) return false;
    seen.add(certificate.fingerprint256);
    return true;
  });
  return unique.map((certificate) => ensureTrailingNewline(certificate.toString())).join('');
}

function ensureTrailingNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}
