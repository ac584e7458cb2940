/**
 * Memoized image decisions. A cluster runs few distinct images many times, so
 * parsing, glob matching, formatting the final image and wording the
 * explanation are done once per (policy, image string). The
 * cache is bounded (least recently used is dropped) and dies with its policy,
 * so a reloaded policy never sees an old decision.
 */
import { decideImage, explainDecision, finalImage, type ImageDecision } from './image-decision.ts';
import type { Policy } from './policy.ts';

/** Enough for every distinct image of a large cluster; about 1 KB each. */
export const DECISION_CACHE_CAPACITY = 10_000;

/** A decision with what every caller derives from it, derived once. */
export interface MemoizedDecision {
  readonly decision: ImageDecision;
  /** {@link finalImage} of the decision. */
  readonly finalImage: string;
  /** {@link explainDecision} of the decision. */
  readonly explanation: string;
}

const cachesByPolicy = new WeakMap<Policy, Map<string, MemoizedDecision>>();

/** {@link decideImage}, served from a per-policy LRU cache. */
export function decideImageMemoized(image: string, policy: Policy): MemoizedDecision {
  let cache = cachesByPolicy.get(policy);
  if (cache === undefined) {
    cache = new Map();
    cachesByPolicy.set(policy, cache);
  }
  const cached = cache.get(image);
  if (cached !== undefined) {
    // Re-inserting moves the entry to the back of the Map's order: most recently used.
    cache.delete(image);
    cache.set(image, cached);
    return cached;
  }
  const decision = decideImage(image, policy);
  const memoized = {
    decision,
    finalImage: finalImage(decision),
    explanation: explainDecision(decision),
  };
  cache.set(image, memoized);
  if (cache.size > DECISION_CACHE_CAPACITY) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  return memoized;
}
