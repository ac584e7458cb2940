/** Subject and issuer names. */
import { objectIdentifier, sequence, set, utf8String, type Asn1Node } from './asn1.ts';

const commonNameOid = '2.5.4.3';

/** A Name holding only a commonName. */
export function commonNameToName(commonName: string): Asn1Node {
  return sequence([set([sequence([objectIdentifier(commonNameOid), utf8String(commonName)])])]);
}
