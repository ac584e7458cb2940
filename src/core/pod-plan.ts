/**
 * Everything decided about one Pod (or pod template), in order: system
 * namespace, the namespace's own overrides, the Pod's opt-out, the mutation,
 * and pull Secrets the namespace lacks. Admission and the preview both call
 * this, so they cannot disagree.
 */
import { mutatePodTemplate, type MutationOptions, type TemplateMutation } from './mutate.ts';
import { effectiveNamespacePolicy } from './namespace-policy-cache.ts';
import type { NamespaceFacts } from './namespace-policy.ts';
import { podSkipReason } from './pod-skip.ts';
import type { Policy } from './policy.ts';

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
  if (context.namespace !== undefined && SYSTEM_NAMESPACES.has(context.namespace)) {
    return {
      kind: 'skipped',
      reason: `namespace ${context.namespace} is a system namespace`,
      warnings: [],
    };
  }
  const effective =
    context.facts === undefined ? undefined : effectiveNamespacePolicy(policy, context.facts);
  const problems = (effective?.problems ?? []).map(
    (problem) => `namespace annotation ignored: ${problem}`,
  );
  if (effective?.disabled === true) {
    return { kind: 'skipped', reason: 'the namespace turned the webhook off', warnings: problems };
  }
  const podPolicy = effective?.policy ?? policy;
  const skipReason = podSkipReason(template, podPolicy);
  if (skipReason !== undefined) return { kind: 'skipped', reason: skipReason, warnings: problems };
  const result = mutatePodTemplate(template, podPolicy, context);
  if (!result.ok) return { kind: 'invalid', problem: result.problem };
  const wholePod = (context.scope?.kind ?? 'whole-pod') === 'whole-pod';
  const missingSecrets = wholePod ? findMissingSecrets(podPolicy, context.facts) : [];
  return {
    kind: 'mutated',
    mutation: result.mutation,
    missingSecrets,
    warnings: [
      ...problems,
      ...result.mutation.warnings,
      ...missingSecrets.map(
        (name) =>
          `imagePullSecret "${name}" does not exist in namespace "${context.facts?.name ?? ''}"; pulls from Harbor may fail`,
      ),
    ],
  };
}

/** The policy's pull Secrets that the cache says the namespace lacks. */
function findMissingSecrets(policy: Policy, facts: NamespaceFacts | undefined): string[] {
  const present = facts?.pullSecretNames;
  if (present === undefined) return [];
  return policy.imagePullSecrets.filter((name) => !present.has(name));
}
