/**
 * Everything decided about one Pod (or pod template), in order: system
 * namespace, the namespace's own overrides, the Pod's opt-out, the mutation,
 * and pull Secrets the namespace lacks. Admission and the preview both call
 * this, so they cannot disagree.
 */
import {
  mutatePodTemplate,
  referencesToVerify,
  type MutationOptions,
  type TemplateMutation,
} from './mutate.ts';
import { effectiveNamespacePolicy } from './namespace-policy-cache.ts';
import type { NamespaceFacts } from './namespace-policy.ts';
import { podSkipReason } from './pod-skip.ts';
import type { Policy } from './policy.ts';
import type { ImageReference } from './reference.ts';

/** Namespaces whose Pods are never mutated, whatever the registration says. */
export const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set([
  'kube-system',
  'kube-public',
  'kube-node-lease',
]);

export interface PodContext extends MutationOptions {
  readonly namespace?: string;
  /** What the cache knows of the namespace, when the server watches namespaces. */
  readonly facts?: NamespaceFacts;
}

export type PodPlan =
  | { readonly kind: 'skipped'; readonly reason: string; readonly warnings: readonly string[] }
  | {
      readonly kind: 'mutated';
      readonly mutation: TemplateMutation;
      /** Injected pull Secrets the namespace does not have (the Pod is still admitted). */
      readonly missingSecrets: readonly string[];
      readonly warnings: readonly string[];
    }
  | { readonly kind: 'invalid'; readonly problem: string };

export function planPod(template: unknown, policy: Policy, context: PodContext = {}): PodPlan {
  const resolved = resolvePodPolicy(template, policy, context);
  if (resolved.skipReason !== undefined) {
    return { kind: 'skipped', reason: resolved.skipReason, warnings: resolved.warnings };
  }
  const result = mutatePodTemplate(template, resolved.policy, context);
  if (!result.ok) return { kind: 'invalid', problem: result.problem };
  const wholePod = (context.scope?.kind ?? 'whole-pod') === 'whole-pod';
  const missingSecrets = wholePod ? findMissingSecrets(resolved.policy, context.facts) : [];
  const namespace = context.facts?.name ?? '';
  return {
    kind: 'mutated',
    mutation: result.mutation,
    missingSecrets,
    warnings: [
      ...resolved.warnings,
      ...result.mutation.warnings,
      ...missingSecrets.map(
        (name) =>
          `imagePullSecret "${name}" does not exist in namespace "${namespace}"; pulls from Harbor may fail`,
      ),
    ],
  };
}

/**
 * The first of the two pure steps of a verified mutation: the references
 * Harbor must be asked about before {@link planPod} (with `lookups`) can
 * decide. Empty when the policy does not verify or the Pod is skipped.
 */
export function planLookups(
  template: unknown,
  policy: Policy,
  context: PodContext = {},
): ImageReference[] {
  if (policy.verify.mode === 'off') return [];
  const resolved = resolvePodPolicy(template, policy, context);
  if (resolved.skipReason !== undefined) return [];
  return referencesToVerify(template, resolved.policy, context.scope);
}

/** The policy for this Pod, or why it is not mutated at all (its namespace, its own opt-out). */
function resolvePodPolicy(
  template: unknown,
  policy: Policy,
  context: PodContext,
): { policy: Policy; warnings: readonly string[]; skipReason?: string } {
  const resolved = resolveNamespacePolicy(policy, context);
  if (resolved.skipReason !== undefined) return resolved;
  const skipReason = podSkipReason(template, resolved.policy);
  return skipReason === undefined ? resolved : { ...resolved, skipReason };
}

/** The policy for the Pod's namespace, or why the namespace is not mutated at all. */
function resolveNamespacePolicy(
  policy: Policy,
  context: PodContext,
): { policy: Policy; warnings: readonly string[]; skipReason?: string } {
  if (context.namespace !== undefined && SYSTEM_NAMESPACES.has(context.namespace)) {
    return {
      policy,
      warnings: [],
      skipReason: `namespace ${context.namespace} is a system namespace`,
    };
  }
  if (context.facts === undefined) return { policy, warnings: [] };
  const effective = effectiveNamespacePolicy(policy, context.facts);
  const warnings = effective.problems.map((problem) => `namespace annotation ignored: ${problem}`);
  return effective.disabled
    ? { policy, warnings, skipReason: 'the namespace turned the webhook off' }
    : { policy: effective.policy, warnings };
}

/** The policy's pull Secrets that the cache says the namespace lacks. */
function findMissingSecrets(policy: Policy, facts: NamespaceFacts | undefined): string[] {
  const present = facts?.pullSecretNames;
  if (present === undefined) return [];
  return policy.imagePullSecrets.filter((name) => !present.has(name));
}
