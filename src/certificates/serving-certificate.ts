/** Issuing TLS serving certificates for the webhook's HTTPS server. */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { issueCertificateAuthority } from './certificate-authority.ts';
import { buildCertificate, type CertificateSigner } from './certificate-builder.ts';
import { readSubjectKeyIdentifier, readSubjectName } from './certificate-fields.ts';
import { commonNameToName } from './distinguished-name.ts';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  KeyUsage,
  keyUsageExtension,
  clientAuthExtension,
  serverAuthExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from './extensions.ts';
import type { IssuedCertificate } from './issued-certificate.ts';
import { exportPrivateKeyPem, generateKeyPair, KeyAlgorithm } from './key-algorithm.ts';
import { computeKeyIdentifier } from './key-identifier.ts';
import { computeValidity, DefaultValidityDays } from './validity.ts';

/** What {@link issueServingCertificate} needs. */
export interface ServingCertificateOptions {
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
  validityDays: number;
  keyAlgorithm: KeyAlgorithm;
  /** The issuing instant; defaults to the current time. */
  now?: Date;
}

/**
 * Issues a serving certificate signed by `ca`: keyUsage digitalSignature
 * (plus keyEncipherment for RSA), extKeyUsage serverAuth, the given DNS and
 * IP subjectAltNames, key identifiers, and a `notAfter` never later than the
 * CA's, since a chain is only valid while every link is.
 */
export function issueServingCertificate(
  ca: IssuedCertificate,
  options: ServingCertificateOptions,
): IssuedCertificate {
  return issueLeafCertificate(ca, options, 'server');
}

/**
 * Issues a client certificate signed by `ca` (extKeyUsage clientAuth), for
 * `serve --client-ca-file`: what the kube-apiserver presents when its
 * AdmissionConfiguration names a kubeconfig with a client certificate.
 */
export function issueClientCertificate(
  ca: IssuedCertificate,
  options: Omit<ServingCertificateOptions, 'dnsNames' | 'ipAddresses'>,
): IssuedCertificate {
  return issueLeafCertificate(ca, { ...options, dnsNames: [], ipAddresses: [] }, 'client');
}

function issueLeafCertificate(
  ca: IssuedCertificate,
  options: ServingCertificateOptions,
  purpose: 'server' | 'client',
): IssuedCertificate {
  const issuer = readIssuer(ca);
  const { privateKey, publicKey } = generateKeyPair(options.keyAlgorithm);
  const validity = computeValidity(options.now ?? new Date(), options.validityDays);
  const notBefore = validity.notBefore;
  const notAfter = new Date(Math.min(validity.notAfter.getTime(), issuer.notAfter.getTime()));
  const extensions = [
    basicConstraintsExtension(false),
    keyUsageExtension(servingKeyUsages(options.keyAlgorithm)),
    purpose === 'server' ? serverAuthExtension() : clientAuthExtension(),
    ...(purpose === 'server'
      ? [subjectAltNameExtension(options.dnsNames, options.ipAddresses)]
      : []),
    subjectKeyIdentifierExtension(computeKeyIdentifier(publicKey)),
    authorityKeyIdentifierExtension(issuer.keyIdentifier),
  ];
  const subject = commonNameToName(options.commonName);
  const certificatePem = buildCertificate(
    { subject, notBefore, notAfter, publicKey, extensions },
    issuer.signer,
  );
  return { certificatePem, privateKeyPem: exportPrivateKeyPem(privateKey), notBefore, notAfter };
}

/** What {@link issueSelfSignedServingCertificate} needs. */
export interface SelfSignedServingCertificateOptions {
  dnsNames: string[];
  ipAddresses: string[];
  /** Defaults to 365 days. */
  validityDays?: number;
}

/**
 * Makes a throw-away CA and a serving certificate from it, in memory, for
 * `serve` without `--tls-cert`. ECDSA P-256 keeps it to a few milliseconds.
 * `caPem` is what a client must trust.
 */
export function issueSelfSignedServingCertificate(
  options: SelfSignedServingCertificateOptions,
): IssuedCertificate & { caPem: string } {
  const validityDays = options.validityDays ?? DefaultValidityDays.serving;
  const now = new Date();
  const keyAlgorithm = KeyAlgorithm.ecdsaP256;
  const ca = issueCertificateAuthority({
    commonName: 'harbor-image-webhook self-signed CA',
    validityDays,
    keyAlgorithm,
    now,
  });
  const commonName = options.dnsNames[0] ?? options.ipAddresses[0] ?? 'harbor-image-webhook';
  const serving = issueServingCertificate(ca, {
    ...options,
    commonName,
    validityDays,
    keyAlgorithm,
    now,
  });
  return { ...serving, caPem: ca.certificatePem };
}

function servingKeyUsages(keyAlgorithm: KeyAlgorithm): KeyUsage[] {
  // RSA key exchange (non-ECDHE TLS 1.2 suites) encrypts with the server key.
  return keyAlgorithm === KeyAlgorithm.rsa2048
    ? [KeyUsage.digitalSignature, KeyUsage.keyEncipherment]
    : [KeyUsage.digitalSignature];
}

function readIssuer(ca: IssuedCertificate): {
  signer: CertificateSigner;
  keyIdentifier: Buffer;
  notAfter: Date;
} {
  let certificate: X509Certificate;
  let privateKey: KeyObject;
  try {
    certificate = new X509Certificate(ca.certificatePem);
    privateKey = createPrivateKey(ca.privateKeyPem);
  } catch (error) {
    throw new Error('cannot read the CA certificate or its private key', { cause: error });
  }
  if (!certificate.ca) throw new Error('the issuing certificate is not a CA');
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new Error('the CA private key does not match the CA certificate');
  }
  return {
    signer: { subject: readSubjectName(certificate), privateKey },
    keyIdentifier:
      readSubjectKeyIdentifier(certificate) ?? computeKeyIdentifier(certificate.publicKey),
    notAfter: certificate.validToDate,
  };
}
