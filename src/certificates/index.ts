/**
 * The certificate toolkit: issue a CA and serving certificates, inspect them,
 * and decide when to renew. No Kubernetes, no logger, no environment; the
 * only side effect is drawing random keys and serial numbers.
 */
export * from './issue.ts';
export { formatCertificateBundle, parseCertificateBundle } from './certificate-bundle.ts';
export {
  certificateMatchesKey,
  inspectCertificate,
  type CertificateInspection,
} from './inspection.ts';
export { canonicalizeIpAddress } from './ip-address.ts';
export { isKeyAlgorithm } from './key-algorithm.ts';
export {
  decideRenewal,
  RenewalAction,
  renewCertificates,
  type RenewalDecision,
  type RenewalPlan,
  type RenewalRequest,
} from './renewal.ts';
export { TlsSecretKey, type StoredTlsSecretData, type TlsSecretData } from './tls-secret-data.ts';
