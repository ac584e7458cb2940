/**
 * Effective namespace policies, computed once per (policy, Namespace object)
 * pair: a Pod burst costs no recompilation, and a policy reload or a
 * Namespace change (a new facts object) is picked up at once.
 *
 * Namespaces with the same override annotations share one compiled policy
 * (a platform team stamps the same annotations on hundreds of namespaces):
 * compiled once, and one set of entries in the decision cache for all of them.
 */
import { BoundedCache, identityOf } from './bounded-cache.ts';
import {
  NamespaceAnnotation,
  namespacePolicy,
  type NamespaceFacts,
  type NamespacePolicy,
} from './namespace-policy.ts';
import type { Policy } from './policy.ts';

/** Room for thousands of distinct annotation sets; the largest possible one (256 KiB) still fits. */
export const NAMESPACE_POLICY_CACHE_BUDGET_BYTES = 8 * 1024 * 1024;

/** A compiled rule list costs a few hundred bytes per rule; the estimate is generous. */
const POLICY_BASE_BYTES = 2048;
const BYTES_PER_ANNOTATION_CHARACTER = 8;

const byFacts = new WeakMap<Policy, WeakMap<NamespaceFacts, NamespacePolicy>>();
const byAnnotations = new BoundedCache<NamespacePolicy>(NAMESPACE_POLICY_CACHE_BUDGET_BYTES);

/** The effective policy for `facts` under `global`. */
export function effectiveNamespacePolicy(global: Policy, facts: NamespaceFacts): NamespacePolicy {
  let memo = byFacts.get(global);
  if (memo === undefined) {
    memo = new WeakMap();
    byFacts.set(global, memo);
  }
  let effective = memo.get(facts);
  if (effective === undefined) {
    effective = sharedNamespacePolicy(global, facts.annotations);
    memo.set(facts, effective);
  }
  return effective;
}

function sharedNamespacePolicy(
  global: Policy,
  annotations: Readonly<Record<string, string>>,
): NamespacePolicy {
  // Only the webhook's own annotations shape the policy; all others are left out of the key.
  const overrides = JSON.stringify(
    Object.values(NamespaceAnnotation).map((key) => annotations[key] ?? null),
  );
  const key = `${identityOf(global)}\u0000${overrides}`;
  const cached = byAnnotations.get(key);
  if (cached !== undefined) return cached;
  const effective = namespacePolicy(global, annotations);
  byAnnotations.set(
    key,
    effective,
    POLICY_BASE_BYTES + BYTES_PER_ANNOTATION_CHARACTER * overrides.length,
  );
  return effective;
}
