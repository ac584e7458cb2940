/** Issuing a self-signed certificate authority for the webhook's serving certificates. */
import type { KeyObject } from 'node:crypto';
import { buildCertificate } from './certificate-builder.ts';
import { commonNameToName } from './distinguished-name.ts';
import {
  basicConstraintsExtension,
  KeyUsage,
  keyUsageExtension,
  subjectKeyIdentifierExtension,
} from './extensions.ts';
import type { IssuedCertificate } from './issued-certificate.ts';
import { exportPrivateKeyPem, generateKeyPair, type KeyAlgorithm } from './key-algorithm.ts';
import { computeKeyIdentifier } from './key-identifier.ts';
import { computeValidity } from './validity.ts';

/** What {@link issueCertificateAuthority} needs. */
export interface CertificateAuthorityOptions {
  commonName: string;
  validityDays: number;
  keyAlgorithm: KeyAlgorithm;
  /** The issuing instant; defaults to the current time. */
  now?: Date;
}

/**
 * Issues a self-signed CA: basicConstraints `CA:TRUE` (critical), keyUsage
 * keyCertSign and cRLSign, a subjectKeyIdentifier, and `notBefore` set a few
 * minutes in the past to absorb clock skew.
 */
export function issueCertificateAuthority(options: CertificateAuthorityOptions): IssuedCertificate {
  const { privateKey, publicKey } = generateKeyPair(options.keyAlgorithm);
  const { notBefore, notAfter } = computeValidity(options.now ?? new Date(), options.validityDays);
  const subject = commonNameToName(options.commonName);
  const certificatePem = buildCertificate(
    { subject, notBefore, notAfter, publicKey, extensions: caExtensions(publicKey) },
    { subject, privateKey },
  );
  return { certificatePem, privateKeyPem: exportPrivateKeyPem(privateKey), notBefore, notAfter };
}

function caExtensions(publicKey: KeyObject) {
  return [
    basicConstraintsExtension(true),
    keyUsageExtension([KeyUsage.keyCertSign, KeyUsage.cRLSign]),
    subjectKeyIdentifierExtension(computeKeyIdentifier(publicKey)),
  ];
}
