/** The result of issuing a certificate. */

/** A certificate with its private key, both PEM, and the validity period encoded in it. */
export interface IssuedCertificate {
  certificatePem: string;
  /** PKCS#8 PEM. Never log it. */
  privateKeyPem: string;
  notBefore: Date;
  notAfter: Date;
}
