/**
 * Decides one admission request: which requests are mutated, and how. Pure:
 * the route does the I/O, logging and metrics around it.
 */
import type { AdmissionRequest, AdmissionVerdict } from './admission-review.ts';
import { mutatePodTemplate, type ContainerDecision, type MutationScope } from '../core/mutate.ts';
import type { Policy } from '../core/policy.ts';

/** Namespaces whose Pods are never mutated, whatever the registration says. */
export const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set([
  'kube-system',
  'kube-public',
  'kube-node-lease',
]);

export const AdmissionOutcome = {
  mutated: 'mutated',
  unchanged: 'unchanged',
  skipped: 'skipped',
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
    }
  | { readonly ok: false; readonly problem: string };

const ALLOW_UNCHANGED: AdmissionVerdict = { allowed: true, patch: [], warnings: [] };

/** Admits `request` under `policy`: Pod CREATE and ephemeral-container UPDATE are mutated, the rest allowed as is. */
export function admit(request: AdmissionRequest, policy: Policy): Admission {
  const scope = mutationScope(request);
  if (scope === undefined) return skip('not a Pod CREATE or ephemeral-container update');
  if (request.namespace !== undefined && SYSTEM_NAMESPACES.has(request.namespace)) {
    return skip(`namespace ${request.namespace} is a system namespace`);
  }
  if (request.object === undefined || request.object === null) {
    return { ok: false, problem: `request.object is required for ${request.operation} of a Pod` };
  }
  const result = mutatePodTemplate(request.object, policy, { scope });
  if (!result.ok) return { ok: false, problem: `request.object: ${result.problem}` };
  const { patch, warnings, decisions } = result.mutation;
  return {
    ok: true,
    verdict: { allowed: true, patch, warnings },
    outcome: patch.length > 0 ? AdmissionOutcome.mutated : AdmissionOutcome.unchanged,
    decisions,
  };
}

function mutationScope(request: AdmissionRequest): MutationScope | undefined {
  const { resource, operation } = request;
  if (resource.resource !== 'pods' || (resource.group ?? '') !== '') return undefined;
  const subResource = request.subResource ?? '';
  if (operation === 'CREATE' && subResource === '') return { kind: 'whole-pod' };
  if (operation === 'UPDATE' && subResource === 'ephemeralcontainers') {
    return {
      kind: 'new-ephemeral-containers',
      existing: ephemeralContainerNames(request.oldObject),
    };
  }
  return undefined;
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

function skip(skipReason: string): Admission {
  return {
    ok: true,
    verdict: ALLOW_UNCHANGED,
    outcome: AdmissionOutcome.skipped,
    skipReason,
    decisions: [],
  };
}
