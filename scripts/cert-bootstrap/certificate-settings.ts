/** Flags shared by `create` and `local`: how certificates are issued and when they are renewed. */
import { isIP } from 'node:net';
import { DefaultValidityDays, isKeyAlgorithm, KeyAlgorithm } from '../../src/certificates/index.ts';
import { UsageError } from './usage.ts';

/** How to issue and when to renew. */
export interface CertificateSettings {
  keyAlgorithm: KeyAlgorithm;
  validityDays: number;
  caValidityDays: number;
  renewBeforeDays: number;
}

/** The parseArgs option specs of {@link CertificateSettings}. */
export const certificateSettingFlags = {
  'key-algorithm': { type: 'string', default: KeyAlgorithm.ecdsaP256 },
  'validity-days': { type: 'string', default: String(DefaultValidityDays.serving) },
  'ca-validity-days': { type: 'string', default: String(DefaultValidityDays.certificateAuthority) },
  'renew-before-days': { type: 'string', default: '30' },
} as const;

/** Validates the flag values; a renewal window as long as a lifetime would reissue on every run. */
export function readCertificateSettings(values: {
  'key-algorithm': string;
  'validity-days': string;
  'ca-validity-days': string;
  'renew-before-days': string;
}): CertificateSettings {
  const keyAlgorithm = values['key-algorithm'];
  if (!isKeyAlgorithm(keyAlgorithm)) {
    throw new UsageError(
      `--key-algorithm must be one of ${Object.values(KeyAlgorithm).join(', ')}`,
    );
  }
  const settings = {
    keyAlgorithm,
    validityDays: readPositiveInteger('--validity-days', values['validity-days']),
    caValidityDays: readPositiveInteger('--ca-validity-days', values['ca-validity-days']),
    renewBeforeDays: readPositiveInteger('--renew-before-days', values['renew-before-days']),
  };
  if (settings.renewBeforeDays >= Math.min(settings.validityDays, settings.caValidityDays)) {
    throw new UsageError(
      '--renew-before-days must be less than --validity-days and --ca-validity-days',
    );
  }
  return settings;
}

/** Splits subjectAltName values into DNS names and IP addresses, rejecting anything else. */
export function splitSubjectAltNames(flag: string, values: readonly string[]) {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const value of values) {
    if (isIP(value) !== 0) ipAddresses.push(value);
    else if (isDnsName(value)) dnsNames.push(value);
    else
      throw new UsageError(
        `${flag}: ${JSON.stringify(value)} is neither a DNS name nor an IP address`,
      );
  }
  return { dnsNames, ipAddresses };
}

// RFC 1123 labels, optionally behind one leading wildcard label.
function isDnsName(value: string): boolean {
  const label = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
  return value.length <= 253 && new RegExp(`^(\\*\\.)?${label}(\\.${label})*$`, 'i').test(value);
}

function readPositiveInteger(flag: string, value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number <= 0) {
    throw new UsageError(
      `${flag} must be a positive whole number of days, got ${JSON.stringify(value)}`,
    );
  }
  return number;
}
