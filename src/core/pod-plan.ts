/**
 * Everything decided about one Pod (or pod template), in order: system
 * namespace, the namespace's own overrides, the Pod's opt-out, the mutation,
 * and pull Secrets the namespace lacks. Admission and the preview both call
 * this, so they cannot disagree.
 */
import {
  decideContainers,
  mutateView,
  readTemplate,
  referencesToVerify,
  type ContainerDecisions,
  type MutationOptions,
  type TemplateMutation,
} from './mutate.ts';
import { effectiveNamespacePolicy } from './namespace-policy-cache.ts';
import type { NamespaceFacts } from './namespace-policy.ts';
import { podSkipReason } from './pod-skip.ts';
import type { Policy } from './policy.ts';
import type { PodTemplateView } from './pod-template.ts';
import type { ImageReference } from './reference.ts';
import type { LookupResults } from './verification.ts';

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

/**
 * A Pod whose plan waits for Harbor: the policy verifies and `references`
 * are the rewrites to ask about. {@link finishPod} completes it with the
 * answers; everything else was decided, and the Pod read, once.
 */
export interface PendingPod {
  readonly kind: 'pending';
  /** Each reference once, in the order of the containers. */
  readonly references: readonly ImageReference[];
  readonly view: PodTemplateView;
  /** Its containers' images, decided once for both steps. */
  readonly decided: ContainerDecisions;
  /** The policy in effect for the Pod (its namespace's overrides applied). */
  readonly policy: Policy;
  readonly warnings: readonly string[];
  readonly context: PodContext;
}

/**
 * Plans the Pod in one call: the lookups, when the policy verifies, are
 * `context.lookups` (the preview passes what it looked up; without them
 * nothing is verified).
 */
export function planPod(template: unknown, policy: Policy, context: PodContext = {}): PodPlan {
  const prepared = preparePod(template, policy, context);
  return prepared.kind === 'pending' ? finishPod(prepared, context.lookups) : prepared;
}

/**
 * The first of the two pure steps of a verified plan: everything decided
 * without Harbor. A Pod with nothing to ask (the policy does not verify,
 * the Pod is skipped or rewrites nothing) is planned here in full; otherwise
 * the pending Pod names the references to look up. `context.lookups` is not
 * used here.
 */
export function preparePod(
  template: unknown,
  policy: Policy,
  context: PodContext = {},
): PodPlan | PendingPod {
  const started = startPod(template, policy, context);
  if (started.kind !== 'pending' || started.references.length > 0) return started;
  return finishPod(started, undefined);
}

/** {@link preparePod} up to the references, a Pod with none still pending. */
function startPod(template: unknown, policy: Policy, context: PodContext): PodPlan | PendingPod {
  const resolved = resolvePodPolicy(template, policy, context);
  if (resolved.skipReason !== undefined) {
    return { kind: 'skipped', reason: resolved.skipReason, warnings: resolved.warnings };
  }
  const read = readTemplate(template);
  if (!read.ok) return { kind: 'invalid', problem: read.problem };
  const decided = decideContainers(read.view, resolved.policy, context.scope);
  return {
    kind: 'pending',
    // Mode off never looks anything up, and does not even ask what it would look up.
    references: resolved.policy.verify.mode === 'off' ? [] : referencesToVerify(decided),
    view: read.view,
    decided,
    policy: resolved.policy,
    warnings: resolved.warnings,
    context,
  };
}

/** The second step: the plan of a {@link PendingPod} with Harbor's answers (undefined: not verified). */
export function finishPod(pending: PendingPod, lookups: LookupResults | undefined): PodPlan {
  const { view, policy, context } = pending;
  const options: MutationOptions = {
    ...(context.basePath === undefined ? {} : { basePath: context.basePath }),
    ...(context.scope === undefined ? {} : { scope: context.scope }),
    ...(lookups === undefined ? {} : { lookups }),
  };
  const mutation = mutateView(view, policy, options, pending.decided);
  const wholePod = (context.scope?.kind ?? 'whole-pod') === 'whole-pod';
  const missingSecrets = wholePod ? findMissingSecrets(policy, context.facts) : [];
  const namespace = context.facts?.name ?? '';
  return {
    kind: 'mutated',
    mutation,
    missingSecrets,
    warnings: [
      ...pending.warnings,
      ...mutation.warnings,
      ...missingSecrets.map(
        (name) =>
          `imagePullSecret "${name}" does not exist in namespace "${namespace}"; pulls from Harbor may fail`,
      ),
    ],
  };
}

/**
 * The references Harbor must be asked about before {@link planPod} (with
 * `lookups`) can decide. Empty when the policy does not verify or the Pod is
 * skipped.
 */
export function planLookups(
  template: unknown,
  policy: Policy,
  context: PodContext = {},
): readonly ImageReference[] {
  if (policy.verify.mode === 'off') return [];
  const started = startPod(template, policy, context);
  return started.kind === 'pending' ? started.references : [];
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
