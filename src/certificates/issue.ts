/**
 * Issuing certificates: the entry point the server (self-signed mode) and the
 * tests import. The implementations live one concept per file next to it.
 */
export {
  issueCertificateAuthority,
  type CertificateAuthorityOptions,
} from './certificate-authority.ts';
export type { IssuedCertificate } from './issued-certificate.ts';
export { KeyAlgorithm } from './key-algorithm.ts';
export {
  issueClientCertificate,
  issueSelfSignedServingCertificate,
  issueServingCertificate,
  type SelfSignedServingCertificateOptions,
  type ServingCertificateOptions,
} from './serving-certificate.ts';
export { DefaultValidityDays } from './validity.ts';
