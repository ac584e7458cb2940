/**
 * Decides one admission request: which requests are mutated, and how. Pure:
 * the route does the I/O, logging and metrics around it.
 */
import type { AdmissionRequest, AdmissionStatus, AdmissionVerdict } from './admission-review.ts';
import type { ContainerDecision, MutationScope, TemplateChange } from '../core/mutate.ts';
import type { NamespaceFacts } from '../core/namespace-policy.ts';
import {
  finishPod,
  preparePod,
  type PendingPod,
  type PodContext,
  type PodPlan,
} from '../core/pod-plan.ts';
import { containerKey, readPodTemplate } from '../core/pod-template.ts';
import type { Policy } from '../core/policy.ts';
import type { ImageReference } from '../core/reference.ts';
import type { LookupResults } from '../core/verification.ts';

export const AdmissionOutcome = {
  mutated: 'mutated',
  unchanged: 'unchanged',
  skipped: 'skipped',
  /** Reviewed on /audit: nothing changed, the would-be changes returned as warnings (audit-admission.ts). */
  audit: 'audit',
  /** Refused: registry verification found an image Harbor lacks or cannot confirm, and the policy says deny. */
  denied: 'denied',
} as const;
export type AdmissionOutcome = (typeof AdmissionOutcome)[keyof typeof AdmissionOutcome];

export type Admission =
  | {
      readonly ok: true;
      readonly verdict: AdmissionVerdict;
      readonly outcome: AdmissionOutcome;
      /** Why a request was skipped, for the log. */
      readonly skipReason?: string;
      readonly decisions: readonly ContainerDecision[];
      /** Every decision at its path, the patch's changes among them (audit mode reports these). */
      readonly changes: readonly TemplateChange[];
      /** Injected pull Secrets the namespace does not have (the Pod is still admitted). */
      readonly missingSecrets: readonly string[];
    }
  | { readonly ok: false; readonly problem: string };

/**
 * An admission waiting for Harbor's answers: the policy verifies and the Pod
 * rewrites `references`. The route looks them up (I/O, within
 * `verify.budgetMs`) and passes the answers to {@link completeAdmission}.
 */
export interface PendingAdmission {
  readonly kind: 'pending';
  readonly references: readonly ImageReference[];
  readonly pod: PendingPod;
}

/** What {@link beginAdmission} returns: the admission, or what it waits for. */
export type AdmissionStep = Admission | PendingAdmission;

export function isPending(step: AdmissionStep): step is PendingAdmission {
  return 'kind' in step;
}

/**
 * Admits `request` under `policy` (see {@link beginAdmission}), with
 * `lookups` the answers for its references when the policy verifies: one
 * call, for callers that have the answers at hand (tests) or verify nothing.
 */
export function admit(
  request: AdmissionRequest,
  policy: Policy,
  facts?: NamespaceFacts,
  lookups?: LookupResults,
): Admission {
  const step = beginAdmission(request, policy, facts);
  return isPending(step) ? completeAdmission(step, lookups) : step;
}

/**
 * The first step of admitting `request` under `policy`: Pod CREATE, Pod
 * UPDATE and ephemeral-container UPDATE are mutated, the rest allowed as
 * is. `facts` is what the cache knows of the request's namespace, when the
 * server watches namespaces. Decides everything that needs no registry; a
 * verifying policy whose rewrites Harbor must confirm gives a
 * {@link PendingAdmission} instead (never with mode off).
 */
export function beginAdmission(
  request: AdmissionRequest,
  policy: Policy,
  facts?: NamespaceFacts,
): AdmissionStep {
  const scope = mutationScope(request);
  if (scope === undefined) {
    return skip('not a Pod CREATE or UPDATE, nor an ephemeral-container update', []);
  }
  if (!scope.ok) return scope;
  if (request.object === undefined || request.object === null) {
    return { ok: false, problem: `request.object is required for ${request.operation} of a Pod` };
  }
  const plan = preparePod(request.object, policy, podContext(request, scope.scope, facts));
  if (plan.kind === 'pending') return { kind: 'pending', references: plan.references, pod: plan };
  return fromPlan(plan);
}

/** The second step: the admission of a {@link PendingAdmission} with Harbor's answers. */
export function completeAdmission(
  pending: PendingAdmission,
  lookups: LookupResults | undefined,
): Admission {
  return fromPlan(finishPod(pending.pod, lookups));
}

function fromPlan(plan: PodPlan): Admission {
  switch (plan.kind) {
    case 'invalid':
      return { ok: false, problem: `request.object: ${plan.problem}` };
    case 'skipped':
      return skip(plan.reason, plan.warnings);
    case 'mutated': {
      const { patch, decisions, denials } = plan.mutation;
      if (denials.length > 0) {
        return {
          ok: true,
          verdict: { allowed: false, patch: [], warnings: plan.warnings, status: denial(denials) },
          outcome: AdmissionOutcome.denied,
          decisions,
          changes: plan.mutation.changes,
          missingSecrets: plan.missingSecrets,
        };
      }
      return {
        ok: true,
        verdict: { allowed: true, patch, warnings: plan.warnings },
        outcome: patch.length > 0 ? AdmissionOutcome.mutated : AdmissionOutcome.unchanged,
        decisions,
        changes: plan.mutation.changes,
        missingSecrets: plan.missingSecrets,
      };
    }
  }
}

function podContext(
  request: AdmissionRequest,
  scope: MutationScope,
  facts: NamespaceFacts | undefined,
): PodContext {
  return {
    scope,
    ...(request.namespace === undefined ? {} : { namespace: request.namespace }),
    ...(facts === undefined ? {} : { facts }),
  };
}

/**
 * The refusal kubectl prints (`admission webhook "…" denied the request: …`):
 * each refused image with Harbor's answer and the setting that refused it.
 */
function denial(denials: readonly string[]): AdmissionStatus {
  return {
    code: 403,
    reason: 'Forbidden',
    message: `harbor-image-webhook: registry verification refused the Pod: ${denials.join('; ')}`,
  };
}

type ScopeResult =
  | { readonly ok: true; readonly scope: MutationScope }
  | { readonly ok: false; readonly problem: string };

function mutationScope(request: AdmissionRequest): ScopeResult | undefined {
  const { resource, operation } = request;
  if (resource.resource !== 'pods' || (resource.group ?? '') !== '') return undefined;
  const subResource = request.subResource ?? '';
  if (operation === 'CREATE' && subResource === '')
    return { ok: true, scope: { kind: 'whole-pod' } };
  if (operation === 'UPDATE' && subResource === '') return updateScope(request.oldObject);
  if (operation === 'UPDATE' && subResource === 'ephemeralcontainers') {
    return {
      ok: true,
      scope: {
        kind: 'new-ephemeral-containers',
        existing: ephemeralContainerNames(request.oldObject),
      },
    };
  }
  return undefined;
}

/** A Pod UPDATE: the containers' images and the record before it, from `oldObject`. */
function updateScope(oldObject: unknown): ScopeResult {
  if (oldObject === undefined || oldObject === null) {
    return { ok: false, problem: 'request.oldObject is required for UPDATE of a Pod' };
  }
  const read = readPodTemplate(oldObject);
  if (!read.ok) return { ok: false, problem: `request.oldObject: ${read.problem}` };
  const images = new Map<string, string | undefined>();
  for (const container of read.view.containers)
    images.set(containerKey(container), container.image);
  return {
    ok: true,
    scope: {
      kind: 'changed-images',
      previous: { images, originalImagesAnnotation: read.view.originalImagesAnnotation },
    },
  };
}

function ephemeralContainerNames(pod: unknown): ReadonlySet<string> {
  const spec = (pod as { spec?: { ephemeralContainers?: unknown } } | undefined)?.spec;
  const containers = spec?.ephemeralContainers;
  if (!Array.isArray(containers)) return new Set();
  return new Set(
    containers.flatMap((container: unknown) => {
      const name = (container as { name?: unknown } | null)?.name;
      return typeof name === 'string' ? [name] : [];
    }),
  );
}

function skip(skipReason: string, warnings: readonly string[]): Admission {
  return {
    ok: true,
    verdict: { allowed: true, patch: [], warnings },
    outcome: AdmissionOutcome.skipped,
    skipReason,
    decisions: [],
    changes: [],
    missingSecrets: [],
  };
}
