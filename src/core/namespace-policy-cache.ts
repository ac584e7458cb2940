/**
 * Effective namespace policies, computed once per (policy, Namespace object)
 * pair: a Pod burst costs no recompilation, and a policy reload or a
 * Namespace change (a new facts object) is picked up at once.
 */
import { namespacePolicy, type NamespaceFacts, type NamespacePolicy } from './namespace-policy.ts';
import type { Policy } from './policy.ts';

const memo = new WeakMap<Policy, WeakMap<NamespaceFacts, NamespacePolicy>>();

/** The effective policy for `facts` under `global`. */
export function effectiveNamespacePolicy(global: Policy, facts: NamespaceFacts): NamespacePolicy {
  let byNamespace = memo.get(global);
  if (byNamespace === undefined) {
    byNamespace = new WeakMap();
    memo.set(global, byNamespace);
  }
  let effective = byNamespace.get(facts);
  if (effective === undefined) {
    effective = namespacePolicy(global, facts.annotations);
    byNamespace.set(facts, effective);
  }
  return effective;
}
