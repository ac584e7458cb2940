/**
 * What the server reads on every request and the reloaders replace: the
 * current policy and certificate. Swapping a field is atomic for a request,
 * which reads it once.
 */
import type { Policy } from '../core/policy.ts';
import type { RegistryLookups } from '../core/registry-lookup.ts';

export interface LiveState {
  policy: Policy;
  /** The text `policy` was compiled from: the preview worker compiles its own copy from it. */
  policyText: string;
  /** Expiry of the certificate being served. */
  certificateNotAfter: Date;
  /** The Harbor client built from the policy, while `verify.mode` is not off (registry-wiring.ts). */
  lookups?: RegistryLookups | undefined;
}

/** A readiness condition: undefined when met, otherwise why not. */
export type ReadinessCheck = () => string | undefined;

/** The server is ready while its certificate is valid; other parts add their own checks. */
export function certificateIsValid(state: LiveState, now: () => Date): ReadinessCheck {
  return () =>
    state.certificateNotAfter > now()
      ? undefined
      : `serving certificate expired at ${state.certificateNotAfter.toISOString()}`;
}
