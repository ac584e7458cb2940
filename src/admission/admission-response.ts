/**
 * Puts a verdict on the wire. The one place that enforces the response
 * invariants the apiserver checks: the request's apiVersion and uid,
 * `patchType` and a base64 patch only when there are operations, no empty
 * warnings list.
 */
import type {
  AdmissionApiVersion,
  AdmissionResponse,
  AdmissionReview,
  AdmissionVerdict,
} from './admission-review.ts';

/** Builds the AdmissionReview answering `uid` in `apiVersion`. */
export function toAdmissionReview(
  apiVersion: AdmissionApiVersion,
  uid: string,
  verdict: AdmissionVerdict,
): AdmissionReview<AdmissionResponse> {
  const response: AdmissionResponse = {
    uid,
    allowed: verdict.allowed,
    ...(verdict.status === undefined ? {} : { status: verdict.status }),
    ...(verdict.allowed && verdict.patch.length > 0
      ? {
          patchType: 'JSONPatch' as const,
          patch: Buffer.from(JSON.stringify(verdict.patch)).toString('base64'),
        }
      : {}),
    ...(verdict.warnings.length > 0 ? { warnings: verdict.warnings } : {}),
  };
  return { apiVersion, kind: 'AdmissionReview', response };
}
