/**
 * Certificate serial numbers: random, so two certificates from one CA never
 * collide even when issued in the same second.
 */
import { randomBytes } from 'node:crypto';

/**
 * A random positive 128-bit serial as minimal DER INTEGER content bytes. The
 * top bit is set so the value always needs 16 bytes, and a leading 0x00 keeps
 * it positive (RFC 5280 §4.1.2.2 allows up to 20 octets).
 */
export function generateSerialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) | 0x80;
  return Buffer.concat([Buffer.of(0x00), bytes]);
}
