/**
 * The few ASN.1 DER building blocks an X.509 certificate needs, on top of
 * node-forge's encoder. forge speaks "binary strings"; everything here takes
 * and returns Buffers so the rest of the toolkit never sees that quirk.
 */
import forge from 'node-forge';

const { asn1 } = forge;
const { Class, Type } = asn1;

/** One node of an ASN.1 tree as node-forge represents it. */
export type Asn1Node = forge.asn1.Asn1;

// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 on.
const firstGeneralizedTimeYear = 2050;

function toBinaryString(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('latin1');
}

/** A constructed SEQUENCE. */
export function sequence(children: Asn1Node[]): Asn1Node {
  return asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, children);
}

/** A constructed SET. */
export function set(children: Asn1Node[]): Asn1Node {
  return asn1.create(Class.UNIVERSAL, Type.SET, true, children);
}

/** An OBJECT IDENTIFIER in dotted form, e.g. `2.5.29.17`. */
export function objectIdentifier(oid: string): Asn1Node {
  return asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(oid).getBytes());
}

/** An INTEGER from its big-endian two's-complement bytes (the caller keeps it minimal). */
export function integer(bytes: Uint8Array): Asn1Node {
  return asn1.create(Class.UNIVERSAL, Type.INTEGER, false, toBinaryString(bytes));
}

/** A small non-negative INTEGER such as the certificate version. */
export function smallInteger(value: number): Asn1Node {
  return asn1.create(Class.UNIVERSAL, Type.INTEGER, false, asn1.integerToDer(value).getBytes());
}

/** A BOOLEAN; DER spells TRUE as 0xFF. */
export function boolean(value: boolean): Asn1Node {
  return asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, value ? '\xff' : '\x00');
}

/** The NULL that RSA algorithm identifiers carry as parameters. */
export function nullValue(): Asn1Node {
  return asn1.create(Class.UNIVERSAL, Type.NULL, false, '');
}

/** An OCTET STRING. */
export function octetString(bytes: Uint8Array): Asn1Node {
  return asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, toBinaryString(bytes));
}

/** A BIT STRING whose last `unusedBits` bits are padding. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Asn1Node {
  const value = String.fromCharCode(unusedBits) + toBinaryString(bytes);
  return asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, value);
}

/** A UTF8String. */
export function utf8String(text: string): Asn1Node {
  return asn1.create(Class.UNIVERSAL, Type.UTF8, false, toBinaryString(Buffer.from(text, 'utf8')));
}

/** A certificate time at whole-second precision, UTCTime or GeneralizedTime by year. */
export function time(date: Date): Asn1Node {
  return date.getUTCFullYear() < firstGeneralizedTimeYear
    ? asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(Class.UNIVERSAL, Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

/** An EXPLICIT context-specific wrapper `[tag] { child }`. */
export function explicit(tag: number, child: Asn1Node): Asn1Node {
  return asn1.create(Class.CONTEXT_SPECIFIC, tag, true, [child]);
}

/** An IMPLICIT primitive context-specific value `[tag] bytes` (GeneralName, keyIdentifier). */
export function implicit(tag: number, bytes: Uint8Array): Asn1Node {
  return asn1.create(Class.CONTEXT_SPECIFIC, tag, false, toBinaryString(bytes));
}

/** Serializes a tree to DER. */
export function encodeDer(node: Asn1Node): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), 'latin1');
}

/** Parses DER into a tree; throws on malformed input. */
export function decodeDer(der: Uint8Array): Asn1Node {
  return asn1.fromDer(toBinaryString(der));
}
