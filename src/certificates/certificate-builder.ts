/**
 * Assembles and signs an X.509 v3 certificate. node-forge encodes the ASN.1
 * but can only sign with RSA, so the TBSCertificate is built here and signed
 * with node:crypto, which handles ECDSA and RSA alike: one code path for
 * both key algorithms.
 */
import { sign, type KeyObject } from 'node:crypto';
import {
  bitString,
  decodeDer,
  encodeDer,
  explicit,
  integer,
  nullValue,
  objectIdentifier,
  sequence,
  smallInteger,
  time,
  type Asn1Node,
} from './asn1.ts';
import { generateSerialNumber } from './serial-number.ts';

/** What goes into a certificate apart from its issuer. */
export interface CertificateTemplate {
  subject: Asn1Node;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  extensions: Asn1Node[];
}

/** Who signs: the issuer's subject Name and private key (the subject's own for a self-signed CA). */
export interface CertificateSigner {
  subject: Asn1Node;
  privateKey: KeyObject;
}

// X.509 v3 is encoded as version number 2.
const x509Version3 = 2;

/** Builds `template`, signs it with `signer` and returns the certificate as PEM. */
export function buildCertificate(template: CertificateTemplate, signer: CertificateSigner): string {
  const algorithm = signatureAlgorithm(signer.privateKey);
  const tbsCertificate = sequence([
    explicit(0, smallInteger(x509Version3)),
    integer(generateSerialNumber()),
    algorithm,
    signer.subject,
    sequence([time(template.notBefore), time(template.notAfter)]),
    template.subject,
    decodeDer(template.publicKey.export({ type: 'spki', format: 'der' })),
    explicit(3, sequence(template.extensions)),
  ]);
  // For ECDSA node:crypto emits the DER Ecdsa-Sig-Value X.509 expects.
  const signature = sign('sha256', encodeDer(tbsCertificate), signer.privateKey);
  const certificate = sequence([tbsCertificate, algorithm, bitString(signature)]);
  return toPem(encodeDer(certificate));
}

// The issuer's key decides the signature algorithm, not the subject's.
function signatureAlgorithm(privateKey: KeyObject): Asn1Node {
  if (privateKey.asymmetricKeyType === 'ec') {
    // ecdsa-with-SHA256; RFC 5758 §3.2: parameters absent.
    return sequence([objectIdentifier('1.2.840.10045.4.3.2')]);
  }
  if (privateKey.asymmetricKeyType === 'rsa') {
    // sha256WithRSAEncryption; RFC 4055 §5: parameters NULL.
    return sequence([objectIdentifier('1.2.840.113549.1.1.11'), nullValue()]);
  }
  throw new Error(`unsupported signing key type: ${String(privateKey.asymmetricKeyType)}`);
}

function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
