/**
 * Memoized image decisions. A cluster runs few distinct images many times, so
 * parsing, glob matching, formatting the final image and wording the
 * explanation are done once per (policy, image string). One cache serves the
 * whole process, every namespace policy included, and it is bounded in bytes:
 * a cluster with hundreds of annotated namespaces costs no more memory than
 * one with none (a cache per policy once grew by ~14 MiB per namespace).
 * A reloaded policy has a new identity, so it never sees an old decision;
 * the old entries age out.
 */
import { identityOf, BoundedCache } from './bounded-cache.ts';
import { decideImage, explainDecision, finalImage, type ImageDecision } from './image-decision.ts';
import type { Policy, VerifyPolicy } from './policy.ts';
import { lookupKey } from './registry-lookup.ts';
import { lookupTarget, verifies, verifyDecision, type LookupResults } from './verification.ts';

/** About 18,000 decisions of typical images (measured ~900 bytes each); far below the chart's 256 MiB limit. */
export const DECISION_CACHE_BUDGET_BYTES = 16 * 1024 * 1024;

/**
 * Measured on Node 24: a decision costs ~880 bytes plus about one byte per
 * character of the image, held in the key, the final image and the
 * explanation; the estimate rounds both up.
 */
const DECISION_BASE_BYTES = 1024;
const BYTES_PER_IMAGE_CHARACTER = 4;

/**
 * Longer than any valid reference (255 name + 128 tag + 135 digest and
 * separators); such an image is invalid, decided at once and never cached, so
 * a stream of huge distinct strings cannot fill the cache with garbage.
 */
const MAX_CACHED_IMAGE_LENGTH = 600;

/** A decision with what every caller derives from it, derived once. */
export interface MemoizedDecision {
  readonly decision: ImageDecision;
  /** {@link finalImage} of the decision. */
  readonly finalImage: string;
  /** {@link explainDecision} of the decision. */
  readonly explanation: string;
  /** {@link lookupKey} of the reference to verify: set for rewrites when the policy verifies. */
  readonly lookupKey?: string;
}

const decisions = new BoundedCache<MemoizedDecision>(DECISION_CACHE_BUDGET_BYTES);

/** {@link decideImage}, served from the process-wide cache. */
export function decideImageMemoized(image: string, policy: Policy): MemoizedDecision {
  if (image.length > MAX_CACHED_IMAGE_LENGTH) return memoize(image, policy);
  const key = `${identityOf(policy)}\u0000${image}`;
  const cached = decisions.get(key);
  if (cached !== undefined) return cached;
  const memoized = memoize(image, policy);
  decisions.set(key, memoized, DECISION_BASE_BYTES + BYTES_PER_IMAGE_CHARACTER * image.length);
  return memoized;
}

/** What the decision cache holds now: for tests and the memory figures. */
export function decisionCacheUsage(): { readonly entries: number; readonly bytes: number } {
  return { entries: decisions.size, bytes: decisions.usedBytes };
}

function memoize(image: string, policy: Policy): MemoizedDecision {
  const decision = decideImage(image, policy);
  const target = verifies(policy.verify) ? lookupTarget(decision) : undefined;
  return {
    ...derive(decision),
    ...(target === undefined ? {} : { lookupKey: lookupKey(target) }),
  };
}

function derive(decision: ImageDecision): MemoizedDecision {
  return { decision, finalImage: finalImage(decision), explanation: explainDecision(decision) };
}

/**
 * Verified decisions, per memoized decision and lookup answer, so the pinned
 * image and the explanation are formatted once per answer. Keyed by the
 * answer object itself: the registry client's cache serves the same object
 * on every warm hit, and a key by content (a string of the digest or the
 * reason) cost a concatenation and a hash per container and admission.
 * Weak both ways: an entry lives only as long as its decision and answer.
 */
const verified = new WeakMap<MemoizedDecision, WeakMap<object, MemoizedDecision>>();
/** The key for a reference that has no answer at all (counted as unavailable). */
const NO_ANSWER = Object.freeze({});

/**
 * {@link decideImageMemoized}, verified with `lookups` when the policy
 * verifies and the caller looked up (admission, a verifying preview).
 */
export function decideImageVerified(
  image: string,
  policy: Policy,
  lookups: LookupResults | undefined,
): MemoizedDecision {
  const memoized = decideImageMemoized(image, policy);
  return lookups === undefined ? memoized : verifiedWith(memoized, lookups, policy.verify);
}

/**
 * `memoized` verified with its answer in `lookups` (none: unavailable), itself
 * memoized; as it is when it rewrites nothing.
 */
export function verifiedWith(
  memoized: MemoizedDecision,
  lookups: LookupResults,
  verify: VerifyPolicy,
): MemoizedDecision {
  if (memoized.lookupKey === undefined) return memoized;
  const lookup = lookups.get(memoized.lookupKey);
  let answers = verified.get(memoized);
  if (answers === undefined) {
    answers = new WeakMap();
    verified.set(memoized, answers);
  }
  const key = lookup ?? NO_ANSWER;
  let result = answers.get(key);
  if (result === undefined) {
    result = derive(verifyDecision(memoized.decision, lookup, verify));
    answers.set(key, result);
  }
  return result;
}
