/**
 * Validity periods. Times are whole seconds because that is all X.509
 * encodes; returning the encoded instants keeps `notAfter` equal to what
 * `inspectCertificate` later reads back.
 */
import type { X509Certificate } from 'node:crypto';

/** How far `notBefore` is set in the past so nodes with a slightly slow clock accept a new certificate. */
export const clockSkewAllowanceMs = 5 * 60 * 1000;

const dayMs = 24 * 60 * 60 * 1000;

/** Default lifetimes in days. */
export const DefaultValidityDays = { serving: 365, certificateAuthority: 3650 } as const;

/** A validity period of `days` from `now`, backdated by {@link clockSkewAllowanceMs}. */
export function computeValidity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  if (!Number.isFinite(days) || days <= 0) {
    throw new RangeError(`validity must be a positive number of days, got ${days}`);
  }
  return {
    notBefore: truncateToSeconds(now.getTime() - clockSkewAllowanceMs),
    notAfter: truncateToSeconds(now.getTime() + daysToMs(days)),
  };
}

function daysToMs(days: number): number {
  return days * dayMs;
}

/** Why `certificate` is not valid long enough, or `undefined` when it has more than the renewal window left. */
export function checkValidity(
  certificate: X509Certificate,
  what: string,
  expected: { renewBeforeDays: number; now: Date },
): string | undefined {
  const now = expected.now.getTime();
  if (certificate.validFromDate.getTime() > now) return `${what} is not valid yet`;
  if (certificate.validToDate.getTime() - now <= daysToMs(expected.renewBeforeDays)) {
    return `${what} expires ${certificate.validToDate.toISOString()}, within the ${expected.renewBeforeDays}-day renewal window`;
  }
  return undefined;
}

function truncateToSeconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}
