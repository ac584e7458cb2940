/**
 * X.509 v3 extensions (RFC 5280 §4.2) used by the CA and serving
 * certificates. Each one is an `Extension ::= SEQUENCE { extnID, critical
 * DEFAULT FALSE, extnValue OCTET STRING }` wrapping its own DER value.
 */
import {
  bitString,
  boolean,
  encodeDer,
  implicit,
  objectIdentifier,
  octetString,
  sequence,
  type Asn1Node,
} from './asn1.ts';
import { encodeIpAddress } from './ip-address.ts';

const Oid = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** KeyUsage bits by name; bit 0 is the most significant bit of the first byte. */
export const KeyUsage = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyCertSign: 5,
  cRLSign: 6,
} as const;
/** One of {@link KeyUsage}'s bit numbers. */
export type KeyUsage = (typeof KeyUsage)[keyof typeof KeyUsage];

// GeneralName CHOICE tags.
const dnsNameTag = 2;
const ipAddressTag = 7;

function extension(oid: string, critical: boolean, value: Asn1Node): Asn1Node {
  const fields = [objectIdentifier(oid)];
  // DER omits a field equal to its DEFAULT, so `critical: false` is left out.
  if (critical) fields.push(boolean(true));
  fields.push(octetString(encodeDer(value)));
  return sequence(fields);
}

/** basicConstraints, critical: `cA: true` for a CA, empty (cA defaults to false) otherwise. */
export function basicConstraintsExtension(isCertificateAuthority: boolean): Asn1Node {
  return extension(
    Oid.basicConstraints,
    true,
    sequence(isCertificateAuthority ? [boolean(true)] : []),
  );
}

/** keyUsage, critical, as a DER named-bit BIT STRING (trailing zero bits dropped). */
export function keyUsageExtension(usages: readonly KeyUsage[]): Asn1Node {
  const bits = usages.reduce<number>((value, bit) => value | (0x80 >> bit), 0);
  if (bits === 0) throw new Error('keyUsage needs at least one usage');
  // The lowest set bit decides how many trailing bits of the byte are padding.
  const unusedBits = Math.log2(bits & -bits);
  return extension(Oid.keyUsage, true, bitString(Buffer.of(bits), unusedBits));
}

/** extKeyUsage with serverAuth only: the certificate is good for a TLS server and nothing else. */
export function serverAuthExtension(): Asn1Node {
  return extension(Oid.extKeyUsage, false, sequence([objectIdentifier(Oid.serverAuth)]));
}

/** extKeyUsage with clientAuth only: for a TLS client such as the kube-apiserver calling us. */
export function clientAuthExtension(): Asn1Node {
  return extension(Oid.extKeyUsage, false, sequence([objectIdentifier(Oid.clientAuth)]));
}

/** subjectAltName with DNS names and IP addresses (IPv4 and IPv6). */
export function subjectAltNameExtension(
  dnsNames: readonly string[],
  ipAddresses: readonly string[],
): Asn1Node {
  const names = [
    ...dnsNames.map((name) => implicit(dnsNameTag, encodeDnsName(name))),
    ...ipAddresses.map((ip) => implicit(ipAddressTag, encodeIpAddress(ip))),
  ];
  if (names.length === 0)
    throw new Error('a serving certificate needs at least one DNS name or IP');
  return extension(Oid.subjectAltName, false, sequence(names));
}

/** subjectKeyIdentifier. */
export function subjectKeyIdentifierExtension(keyIdentifier: Uint8Array): Asn1Node {
  return extension(Oid.subjectKeyIdentifier, false, octetString(keyIdentifier));
}

/** authorityKeyIdentifier carrying only `[0] keyIdentifier`, the issuer's subjectKeyIdentifier. */
export function authorityKeyIdentifierExtension(keyIdentifier: Uint8Array): Asn1Node {
  return extension(Oid.authorityKeyIdentifier, false, sequence([implicit(0, keyIdentifier)]));
}

// A dNSName is an IA5String: printable ASCII only (IDNs must arrive as punycode).
function encodeDnsName(name: string): Buffer {
  if (!/^[\x21-\x7e]+$/.test(name)) {
    throw new Error(`not a valid DNS name for a certificate: ${JSON.stringify(name)}`);
  }
  return Buffer.from(name, 'ascii');
}
