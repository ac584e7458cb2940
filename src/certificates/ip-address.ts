/**
 * IP addresses as they appear in a subjectAltName: 4 or 16 raw bytes. forge's
 * own IPv6 parser mishandles forms like `::ffff:10.0.0.1`, so addresses are
 * canonicalized by the WHATWG URL parser (RFC 5952 output) and encoded here.
 */
import { isIP } from 'node:net';

/** The canonical text form of an IP address, so `0:0::1` and `::1` compare equal. */
export function canonicalizeIpAddress(ip: string): string {
  const version = isIP(ip);
  if (version === 0) throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
  if (version === 4) return new URL(`http://${ip}/`).hostname;
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

/** The network-order bytes of an IPv4 (4 bytes) or IPv6 (16 bytes) address. */
export function encodeIpAddress(ip: string): Buffer {
  const canonical = canonicalizeIpAddress(ip);
  if (isIP(canonical) === 4) return Buffer.from(canonical.split('.').map(Number));
  return Buffer.from(expandIpv6Groups(canonical).join(''), 'hex');
}

// Canonical IPv6 has hex groups only (the URL parser rewrites an embedded
// IPv4 tail), with at most one `::`.
function expandIpv6Groups(canonical: string): string[] {
  const [head = '', tail] = canonical.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros: string[] = Array.from(
    { length: tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length },
    () => '0',
  );
  return [...headGroups, ...zeros, ...tailGroups].map((group) => group.padStart(4, '0'));
}
