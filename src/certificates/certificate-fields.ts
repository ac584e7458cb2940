/**
 * Fields read straight out of a certificate's DER. A child's issuer must
 * equal the CA's subject byte for byte, and its authorityKeyIdentifier the
 * CA's subjectKeyIdentifier, so both are copied, not rebuilt. SANs are read
 * here too because node:crypto only offers them as display text.
 */
import type { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { decodeDer, type Asn1Node } from './asn1.ts';
import { canonicalizeIpAddress } from './ip-address.ts';

const Oid = { subjectKeyIdentifier: '2.5.29.14', subjectAltName: '2.5.29.17' } as const;
// TBSCertificate ::= SEQUENCE { [0] version, serial, signature, issuer, validity, subject, … [3] extensions }
const subjectIndex = 5;
const extensionsTag = 3;
// GeneralName CHOICE tags.
const dnsNameTag = 2;
const ipAddressTag = 7;

/** The subject Name of `certificate`, exactly as encoded in it. */
export function readSubjectName(certificate: X509Certificate): Asn1Node {
  const subject = childrenOf(readTbsCertificate(certificate))[subjectIndex];
  if (subject === undefined) throw new Error('malformed certificate: no subject');
  return subject;
}

/** The subjectKeyIdentifier's bytes, or `undefined` when the certificate has none. */
export function readSubjectKeyIdentifier(certificate: X509Certificate): Buffer | undefined {
  const value = readExtensionValue(certificate, Oid.subjectKeyIdentifier);
  return typeof value?.value === 'string' ? Buffer.from(value.value, 'latin1') : undefined;
}

/** The DNS names and IP addresses (canonical text) in the subjectAltName extension. */
export function readSubjectAltNames(certificate: X509Certificate): {
  dnsNames: string[];
  ipAddresses: string[];
} {
  const names = childrenOf(readExtensionValue(certificate, Oid.subjectAltName));
  const bytesOf = (name: Asn1Node) => Buffer.from(String(name.value), 'latin1');
  const tagged = (tag: number) =>
    names.filter(
      (name) => name.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && name.type === tag,
    );
  return {
    dnsNames: tagged(dnsNameTag).map((name) => bytesOf(name).toString('latin1')),
    ipAddresses: tagged(ipAddressTag).map((name) => formatIpAddress(bytesOf(name))),
  };
}

// extnValue is an OCTET STRING holding the DER of the extension's own value.
function readExtensionValue(certificate: X509Certificate, oid: string): Asn1Node | undefined {
  const container = childrenOf(readTbsCertificate(certificate)).find(
    (node) => node.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && node.type === extensionsTag,
  );
  for (const extension of childrenOf(childrenOf(container)[0])) {
    const [id, ...rest] = childrenOf(extension);
    const value = rest.at(-1)?.value;
    if (typeof id?.value !== 'string' || typeof value !== 'string') continue;
    if (forge.asn1.derToOid(id.value) === oid) return decodeDer(Buffer.from(value, 'latin1'));
  }
  return undefined;
}

function readTbsCertificate(certificate: X509Certificate): Asn1Node {
  const tbs = childrenOf(decodeDer(certificate.raw))[0];
  if (tbs === undefined) throw new Error('malformed certificate: no TBSCertificate');
  return tbs;
}

function childrenOf(node: Asn1Node | undefined): Asn1Node[] {
  return Array.isArray(node?.value) ? node.value : [];
}

function formatIpAddress(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups = bytes.toString('hex').match(/.{4}/g) ?? [];
  return canonicalizeIpAddress(groups.join(':'));
}
