/** Reading certificates back: what the server's readiness check and the renewal logic look at. */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readSubjectAltNames } from './certificate-fields.ts';

/** The facts about a certificate that decide whether it is still fit to serve. */
export interface CertificateInspection {
  /** DNS names as written; IP addresses in canonical form (`::1`, not `0:0:0:0:0:0:0:1`). */
  subjectAltNames: { dnsNames: string[]; ipAddresses: string[] };
  notBefore: Date;
  notAfter: Date;
  isCertificateAuthority: boolean;
  /** SHA-256 of the DER, colon-separated upper-case hex as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprintSha256: string;
}

/** Inspects the first certificate in `pem`. Throws when it holds no readable certificate. */
export function inspectCertificate(pem: string): CertificateInspection {
  const certificate = parseCertificate(pem);
  return {
    subjectAltNames: readSubjectAltNames(certificate),
    notBefore: certificate.validFromDate,
    notAfter: certificate.validToDate,
    isCertificateAuthority: certificate.ca,
    fingerprintSha256: certificate.fingerprint256,
  };
}

/** True when `privateKeyPem` is the private half of the certificate's public key; false for any unreadable input. */
export function certificateMatchesKey(certificatePem: string, privateKeyPem: string): boolean {
  try {
    return new X509Certificate(certificatePem).checkPrivateKey(createPrivateKey(privateKeyPem));
  } catch {
    return false;
  }
}

/** Parses the first certificate in `pem`, with a message that says what was wrong. */
export function parseCertificate(pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new Error('not a readable PEM certificate', { cause: error });
  }
}
