/**
 * Registry verification (`verify.mode: exists | pin`), pure: a rewrite
 * decision and what Harbor said about the rewritten reference → the decision
 * the Pod gets. The lookups themselves are I/O (`src/registry`), made by the
 * caller before the mutation; here they are data.
 *
 * | Harbor says  | exists          | pin                                      |
 * | ------------ | --------------- | ---------------------------------------- |
 * | found        | rewrite         | rewrite, `:tag@digest` (no tag: latest)  |
 * | missing      | onMissing       | onMissing                                |
 * | unavailable  | onUnavailable   | onUnavailable                            |
 *
 * where `keep` leaves the original image (and warns), `rewrite` rewrites
 * anyway (and warns), `deny` refuses the Pod. An image that names a digest is
 * looked up by it and never re-pinned.
 */
import {
  ImageOutcome,
  type ImageDecision,
  type VerifiedRefusal,
  type Verification,
} from './image-decision.ts';
import type { VerifyPolicy } from './policy.ts';
import type { VerifyAnswer } from './policy-schema.ts';
import { formatImageReference, parseImageReference, type ImageReference } from './reference.ts';
import { LookupStatus, lookupKey, type RegistryLookup } from './registry-lookup.ts';

/** Lookup results of one admission (or preview), by {@link lookupKey}. */
export type LookupResults = ReadonlyMap<string, RegistryLookup>;

type Rewrite = Extract<ImageDecision, { outcome: typeof ImageOutcome.rewritten }>;

/** The answer for a reference the caller has no result for: never rewrite blind. */
const NO_RESULT: RegistryLookup = {
  status: LookupStatus.unavailable,
  reason: 'no lookup result',
};

/** True when `policy` asks Harbor before rewriting. */
export function verifies(verify: VerifyPolicy): boolean {
  return verify.mode !== 'off';
}

/** The reference whose lookup decides `decision`, or undefined when it rewrites nothing. */
export function lookupTarget(decision: ImageDecision): ImageReference | undefined {
  return decision.outcome === ImageOutcome.rewritten ? decision.rewritten : undefined;
}

/**
 * The decision after verification. Decisions that rewrite nothing are
 * returned as they are; so is everything when `verify.mode` is off.
 * `lookup` undefined (no result for the reference) counts as unavailable.
 */
export function verifyDecision(
  decision: ImageDecision,
  lookup: RegistryLookup | undefined,
  verify: VerifyPolicy,
): ImageDecision {
  if (!verifies(verify) || decision.outcome !== ImageOutcome.rewritten) return decision;
  const answer = lookup ?? NO_RESULT;
  switch (answer.status) {
    case LookupStatus.found:
      return verify.mode === 'pin' ? pin(decision, answer.digest, verify) : found(decision);
    case LookupStatus.missing:
      return refuse(decision, { status: answer.status, detail: answer.detail }, verify.onMissing);
    case LookupStatus.unavailable:
      return refuse(
        decision,
        { status: answer.status, detail: answer.reason },
        verify.onUnavailable,
      );
  }
}

function found(decision: Rewrite): ImageDecision {
  return { ...decision, verification: { status: LookupStatus.found, detail: '' } };
}

/**
 * `:tag@digest` (tag `latest` when none was written, so people still read
 * what was asked for). A digest that does not make a valid reference is not
 * trusted: the image counts as unavailable.
 */
function pin(decision: Rewrite, digest: string, verify: VerifyPolicy): ImageDecision {
  if (decision.rewritten.digest !== undefined) return found(decision);
  const pinned = pinnedReference(decision.rewritten, digest);
  const parsed = parseImageReference(formatImageReference(pinned));
  if (!parsed.ok || parsed.reference.digest !== digest) {
    const shown = digest.length > 80 ? `${digest.slice(0, 77)}...` : digest;
    const detail = `Harbor answered an invalid digest "${shown}"`;
    return refuse(decision, { status: LookupStatus.unavailable, detail }, verify.onUnavailable);
  }
  return {
    ...decision,
    rewritten: pinned,
    verification: { status: LookupStatus.found, detail: '', pinnedDigest: digest },
  };
}

const REFUSALS: Readonly<
  Record<
    Exclude<LookupStatus, 'found'>,
    Readonly<Record<Exclude<VerifyAnswer, 'rewrite'>, VerifiedRefusal>>
  >
> = {
  missing: { keep: ImageOutcome.keptMissing, deny: ImageOutcome.deniedMissing },
  unavailable: { keep: ImageOutcome.keptUnavailable, deny: ImageOutcome.deniedUnavailable },
};

function refuse(
  decision: Rewrite,
  verification: Verification & { status: Exclude<LookupStatus, 'found'> },
  answer: VerifyAnswer,
): ImageDecision {
  if (answer === 'rewrite') return { ...decision, verification };
  const { image, reference, rewritten, rule } = decision;
  return {
    outcome: REFUSALS[verification.status][answer],
    image,
    reference,
    rewritten,
    rule,
    verification,
  };
}

/** `reference` pinned to `digest`, its tag kept (`latest` when it had none). */
export function pinnedReference(reference: ImageReference, digest: string): ImageReference {
  return { ...reference, tag: reference.tag ?? 'latest', digest };
}

/**
 * True when `running` is `unpinned` as `pin` writes it (`:tag@digest`): the
 * original-images record of a pinned container still holds on a later UPDATE.
 */
export function isPinnedForm(running: string, unpinned: string): boolean {
  const parsedRunning = parseImageReference(running);
  const parsedUnpinned = parseImageReference(unpinned);
  if (!parsedRunning.ok || !parsedUnpinned.ok) return false;
  const { digest } = parsedRunning.reference;
  if (digest === undefined || parsedUnpinned.reference.digest !== undefined) return false;
  return formatImageReference(pinnedReference(parsedUnpinned.reference, digest)) === running;
}

/** The lookup keys of `references`, each once, in first-seen order. */
export function distinctTargets(references: Iterable<ImageReference>): ImageReference[] {
  const byKey = new Map<string, ImageReference>();
  for (const reference of references) {
    const key = lookupKey(reference);
    if (!byKey.has(key)) byKey.set(key, reference);
  }
  return [...byKey.values()];
}
