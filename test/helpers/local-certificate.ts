/**
 * Certificates for servers on 127.0.0.1, from the project's own issuer: a
 * fresh CA and serving certificates for 127.0.0.1 and localhost. The tests,
 * the e2e harness and the bench all present these.
 */
import {
  issueCertificateAuthority,
  issueServingCertificate,
  KeyAlgorithm,
  type IssuedCertificate,
} from '../../src/certificates/issue.ts';

/** A CA named `commonName`, to sign {@link issueLocalCertificate}s. */
export function issueLocalCertificateAuthority(
  commonName: string,
  validityDays = 30,
): IssuedCertificate {
  return issueCertificateAuthority({
    commonName,
    validityDays,
    keyAlgorithm: KeyAlgorithm.ecdsaP256,
  });
}

/** Issues a serving certificate for 127.0.0.1 and localhost from `ca`. */
export function issueLocalCertificate(ca: IssuedCertificate, validityDays = 30): IssuedCertificate {
  return issueServingCertificate(ca, {
    commonName: '127.0.0.1',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    validityDays,
    keyAlgorithm: KeyAlgorithm.ecdsaP256,
  });
}
