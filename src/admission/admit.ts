/**
 * Decides one admission request: which requests are mutated, and how. Pure:
 * the route does the I/O, logging and metrics around it.
 */
import type { AdmissionRequest, AdmissionStatus, AdmissionVerdict } from './admission-review.ts';
import type { ContainerDecision, MutationScope, TemplateChange } from '../core/mutate.ts';
import type { NamespaceFacts } from '../core/namespace-policy.ts';
import { planLookups, planPod, type PodContext } from '../core/pod-plan.ts';
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
 * The first step of admission when the policy verifies (`verify.mode` not
 * off): the references Harbor must be asked about, each once. The route
 * looks them up (I/O, within `verify.budgetMs`) and passes the results to
 * {@link admit}. Empty when nothing needs asking (and always with mode off).
 */
export function lookupsFor(
  request: AdmissionRequest,
  policy: Policy,
  facts?: NamespaceFacts,
): ImageReference[] {
  if (policy.verify.mode === 'off') return [];
  const scope = mutationScope(request);
  if (scope === undefined || !scope.ok) return [];
  return planLookups(request.object, policy, podContext(request, scope.scope, facts, undefined));
}

/**
 * Admits `request` under `policy`: Pod CREATE, Pod UPDATE and
 * ephemeral-container UPDATE are mutated, the rest allowed as is. `facts` is
 * what the cache knows of the request's namespace, when the server watches
 * namespaces; `lookups` what Harbor said about the references of
 * {@link lookupsFor}, when the policy verifies.
 */
export function admit(
  request: AdmissionRequest,
  policy: Policy,
  facts?: NamespaceFacts,
  lookups?: LookupResults,
): Admission {
  const scope = mutationScope(request);
  if (scope === undefined) {
    return skip('not a Pod CREATE or UPDATE, nor an ephemeral-container update', []);
  }
  if (!scope.ok) return scope;
  if (request.object === undefined || request.object === null) {
    return { ok: false, problem: `request.object is required for ${request.operation} of a Pod` };
  }
  const plan = planPod(request.object, policy, podContext(request, scope.scope, facts, lookups));
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
  lookups: LookupResults | undefined,
): PodContext {
  return {
    scope,
    ...(request.namespace === undefined ? {} : { namespace: request.namespace }),
    ...(facts === undefined ? {} : { facts }),
    ...(lookups === undefined ? {} : { lookups }),
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
