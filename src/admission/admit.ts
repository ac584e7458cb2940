/**
 * Decides one admission request: which requests are mutated, and how. Pure:
 * the route does the I/O, logging and metrics around it.
 */
import type { AdmissionRequest, AdmissionVerdict } from './admission-review.ts';
import type { ContainerDecision, MutationScope, TemplateChange } from '../core/mutate.ts';
import type { NamespaceFacts } from '../core/namespace-policy.ts';
import { planPod } from '../core/pod-plan.ts';
import { containerKey, readPodTemplate } from '../core/pod-template.ts';
import type { Policy } from '../core/policy.ts';

export const AdmissionOutcome = {
  mutated: 'mutated',
  unchanged: 'unchanged',
  skipped: 'skipped',
  /** Reviewed on /audit: nothing changed, the would-be changes returned as warnings (audit-admission.ts). */
  audit: 'audit',
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
 * Admits `request` under `policy`: Pod CREATE, Pod UPDATE and
 * ephemeral-container UPDATE are mutated, the rest allowed as is. `facts` is
 * what the cache knows of the request's namespace, when the server watches
 * namespaces.
 */
export function admit(
  request: AdmissionRequest,
  policy: Policy,
  facts?: NamespaceFacts,
): Admission {
  const scope = mutationScope(request);
  if (scope === undefined) {
    return skip('not a Pod CREATE or UPDATE, nor an ephemeral-container update', []);
  }
  if (!scope.ok) return scope;
  if (request.object === undefined || request.object === null) {
    return { ok: false, problem: `request.object is required for ${request.operation} of a Pod` };
  }
  const plan = planPod(request.object, policy, {
    scope: scope.scope,
    ...(request.namespace === undefined ? {} : { namespace: request.namespace }),
    ...(facts === undefined ? {} : { facts }),
  });
  switch (plan.kind) {
    case 'invalid':
      return { ok: false, problem: `request.object: ${plan.problem}` };
    case 'skipped':
      return skip(plan.reason, plan.warnings);
    case 'mutated': {
      const { patch, decisions } = plan.mutation;
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
