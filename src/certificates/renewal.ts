/**
 * The decision behind `cert-bootstrap create` and `local`: given what is
 * stored and what is wanted, keep it, reissue the serving certificate from
 * the same CA, or rotate the CA. Rotation keeps every still-valid old CA in
 * `ca.crt` next to the new one, so the apiserver trusts the server whether it
 * still presents the old certificate or already the new one.
 */
import type { X509Certificate } from 'node:crypto';
import { issueCertificateAuthority } from './certificate-authority.ts';
import { formatCertificateBundle, parseCertificateBundle } from './certificate-bundle.ts';
import { parseCertificate } from './inspection.ts';
import type { IssuedCertificate } from './issued-certificate.ts';
import { findIssuingCa } from './issuing-ca.ts';
import type { KeyAlgorithm } from './key-algorithm.ts';
import { issueServingCertificate } from './serving-certificate.ts';
import { checkServingCertificate } from './serving-check.ts';
import type { StoredTlsSecretData, TlsSecretData } from './tls-secret-data.ts';
import { checkValidity } from './validity.ts';

/** What a renewal run does. */
export const RenewalAction = {
  keep: 'keep',
  reissueServing: 'reissue-serving',
  rotateCa: 'rotate-ca',
} as const;
/** One of {@link RenewalAction}'s values. */
export type RenewalAction = (typeof RenewalAction)[keyof typeof RenewalAction];

/** What the stored certificates should look like. */
export interface RenewalRequest {
  /** Subject commonName of the serving certificate. */
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
  keyAlgorithm: KeyAlgorithm;
  validityDays: number;
  caValidityDays: number;
  /** Replace a certificate once it has this many days or fewer left. */
  renewBeforeDays: number;
  now: Date;
  /** Prefix of new CAs' commonName; the issuing time is appended. Defaults to `harbor-image-webhook-ca`. */
  caCommonName?: string;
}

/** The action and, in words, why. */
export interface RenewalDecision {
  action: RenewalAction;
  reason: string;
}

/** A decision and, unless it is `keep`, the complete Secret data to store. */
export type RenewalPlan =
  | { action: typeof RenewalAction.keep; reason: string }
  | {
      action: typeof RenewalAction.reissueServing | typeof RenewalAction.rotateCa;
      reason: string;
      data: TlsSecretData;
    };

// A decision plus what issuing needs: the CA to reissue from, the CAs to carry over.
type Assessment =
  | { action: typeof RenewalAction.keep; reason: string }
  | {
      action: typeof RenewalAction.reissueServing;
      reason: string;
      issuer: IssuedCertificate;
      caCertificates: X509Certificate[];
    }
  | { action: typeof RenewalAction.rotateCa; reason: string; caCertificates: X509Certificate[] };

/** Decides what to do with `stored`, without issuing anything. */
export function decideRenewal(
  stored: StoredTlsSecretData,
  request: RenewalRequest,
): RenewalDecision {
  const { action, reason } = assess(stored, request);
  return { action, reason };
}

/** Decides, then issues what the decision calls for. */
export function renewCertificates(
  stored: StoredTlsSecretData,
  request: RenewalRequest,
): RenewalPlan {
  const assessment = assess(stored, request);
  const { action, reason } = assessment;
  if (action === RenewalAction.keep) return { action, reason };
  const stillValid = assessment.caCertificates.filter((ca) => request.now < ca.validToDate);
  if (action === RenewalAction.reissueServing) {
    return { action, reason, data: issueData(assessment.issuer, stillValid, request) };
  }
  const ca = issueCertificateAuthority({
    commonName: `${request.caCommonName ?? 'harbor-image-webhook-ca'}@${Math.floor(request.now.getTime() / 1000)}`,
    validityDays: request.caValidityDays,
    keyAlgorithm: request.keyAlgorithm,
    now: request.now,
  });
  return { action, reason, data: issueData(ca, stillValid, request) };
}

function assess(stored: StoredTlsSecretData, request: RenewalRequest): Assessment {
  // A first run: say so, rather than list everything that is missing as if it were broken.
  if (Object.values(stored).every((value) => value === undefined || value === '')) {
    return {
      action: RenewalAction.rotateCa,
      reason: 'nothing stored yet: a first CA and serving certificate',
      caCertificates: [],
    };
  }
  const caCertificates = parseCertificateBundle(stored['ca.crt'] ?? '').filter((ca) => ca.ca);
  const serving = checkServingCertificate(stored, caCertificates, request);
  if (serving.fit) {
    const caReason = checkValidity(serving.issuer, 'CA', request);
    return caReason === undefined
      ? { action: RenewalAction.keep, reason: keepReason(stored) }
      : { action: RenewalAction.rotateCa, reason: caReason, caCertificates };
  }
  const issuing = findIssuingCa(stored['ca.key'], caCertificates, request);
  if (!issuing.found) {
    const reason = `${serving.reason}; ${issuing.reason}`;
    return { action: RenewalAction.rotateCa, reason, caCertificates };
  }
  return {
    action: RenewalAction.reissueServing,
    reason: serving.reason,
    issuer: issuing.ca,
    caCertificates,
  };
}

function keepReason(stored: StoredTlsSecretData): string {
  const notAfter = parseCertificate(stored['tls.crt'] ?? '').validToDate;
  return `serving certificate is valid until ${notAfter.toISOString()}`;
}

// The issuing CA leads the bundle; still-valid older CAs follow for the overlap.
function issueData(
  ca: IssuedCertificate,
  stillValidCas: readonly X509Certificate[],
  request: RenewalRequest,
): TlsSecretData {
  const serving = issueServingCertificate(ca, request);
  return {
    'tls.crt': serving.certificatePem,
    'tls.key': serving.privateKeyPem,
    'ca.crt': formatCertificateBundle([parseCertificate(ca.certificatePem), ...stillValidCas]),
    'ca.key': ca.privateKeyPem,
  };
}
