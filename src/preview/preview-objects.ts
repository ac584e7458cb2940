/**
 * The dry-run preview: what the webhook would change in each object, and why.
 * Pure. The same `mutatePodTemplate` as admission, applied at each workload's
 * own template path; nothing else decides anything.
 */
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { toPointer } from '../core/json-pointer.ts';
import type { ImageDecision } from '../core/image-decision.ts';
import { ChangeReason, type TemplateChange } from '../core/mutate.ts';
import type { NamespaceDirectory } from '../core/namespace-policy.ts';
import { planLookups, planPod } from '../core/pod-plan.ts';
import type { Policy } from '../core/policy.ts';
import type { ImageReference } from '../core/reference.ts';
import type { LookupResults } from '../core/verification.ts';
import { isJsonObject } from '../core/json-object.ts';
import type { ManifestObject } from './manifest-documents.ts';
import { imagelessContainers } from './imageless-containers.ts';
import { findPodTemplate } from './workload-templates.ts';

const { applyPatch, deepClone } = fastJsonPatch;

/** The preview of one input object. */
export interface ObjectPreview {
  readonly document: number;
  readonly apiVersion: string | undefined;
  readonly kind: string;
  readonly name: string | undefined;
  readonly namespace: string | undefined;
  readonly changes: readonly TemplateChange[];
  /** JSON Patch against the input object. */
  readonly patch: readonly Operation[];
  /** The input object with the patch applied. */
  readonly object: Record<string, unknown>;
  readonly warnings: readonly string[];
}

export interface PreviewOptions {
  /** Namespace for objects that name none (as `kubectl apply -n`). */
  readonly namespace?: string;
  /** The server's namespace cache, for overrides and missing pull Secrets; the offline CLI has none. */
  readonly directory?: NamespaceDirectory;
  /** What Harbor said (`verify` on, and the caller looked up {@link lookupsForObjects}); without it nothing is verified. */
  readonly lookups?: LookupResults;
}

export type PreviewResult =
  | {
      readonly ok: true;
      readonly results: readonly ObjectPreview[];
      /** Every image decision behind `results`, in input order (what `sync-plan` copies). */
      readonly decisions: readonly ImageDecision[];
    }
  | { readonly ok: false; readonly problem: string };

/** Previews every object, in input order; stops at the first object whose pod template is malformed. */
export function previewObjects(
  objects: readonly ManifestObject[],
  policy: Policy,
  options: PreviewOptions = {},
): PreviewResult {
  const results: ObjectPreview[] = [];
  const decisions: ImageDecision[] = [];
  for (const entry of objects) {
    const preview = previewObject(entry, policy, options);
    if (!preview.ok) return preview;
    results.push(preview.result);
    decisions.push(...preview.decisions);
  }
  return { ok: true, results, decisions };
}

/** The references Harbor must be asked about before previewing `objects` with verification, each once. */
export function lookupsForObjects(
  objects: readonly ManifestObject[],
  policy: Policy,
  options: PreviewOptions = {},
): ImageReference[] {
  if (policy.verify.mode === 'off') return [];
  return objects.flatMap((entry) => {
    const located = locate(entry, options);
    return located === undefined ? [] : planLookups(located.template, policy, located.context);
  });
}

/** An object's pod template and the context it is planned in; undefined for kinds without one. */
function locate(entry: ManifestObject, options: PreviewOptions) {
  const base = describeObject(entry, options);
  const located = findPodTemplate(base.kind, entry.object);
  if (located === undefined) return undefined;
  const { namespace } = base;
  const facts = namespace === undefined ? undefined : options.directory?.lookup(namespace);
  return {
    base,
    path: located.path,
    template: located.template,
    context: {
      basePath: located.path,
      ...(namespace === undefined ? {} : { namespace }),
      ...(facts === undefined ? {} : { facts }),
      ...(options.lookups === undefined ? {} : { lookups: options.lookups }),
    },
  };
}

function previewObject(
  entry: ManifestObject,
  policy: Policy,
  options: PreviewOptions,
):
  | { ok: true; result: ObjectPreview; decisions: readonly ImageDecision[] }
  | { ok: false; problem: string } {
  const { object } = entry;
  const located = locate(entry, options);
  const base = located?.base ?? describeObject(entry, options);
  const unchanged = (warnings: readonly string[] = []) => ({
    ok: true as const,
    result: { ...base, changes: [], patch: [], object, warnings },
    decisions: [],
  });
  if (located === undefined) return unchanged();
  const { namespace } = base;
  const plan = planPod(located.template, policy, located.context);
  if (plan.kind === 'skipped') return unchanged([`not mutated: ${plan.reason}`, ...plan.warnings]);
  if (plan.kind === 'invalid') {
    const at = located.path.length > 0 ? `${located.path.join('.')}.` : '';
    return { ok: false, problem: `${describeSource(entry, base)}: ${at}${plan.problem}` };
  }
  const { patch } = plan.mutation;
  const secretsPath = toPointer([...located.path, 'spec', 'imagePullSecrets']);
  const changes = [
    ...plan.mutation.changes,
    ...imagelessContainers(located.template, located.path),
    ...plan.missingSecrets.map((secret) => ({
      path: secretsPath,
      from: secret,
      to: secret,
      reason: ChangeReason.secretMissing,
      message: `imagePullSecret "${secret}" does not exist in namespace "${namespace ?? ''}"`,
    })),
  ];
  const after =
    patch.length === 0
      ? object
      : applyPatch(deepClone(object), deepClone(patch) as Operation[], false, false).newDocument;
  // The webhook would refuse such a Pod; the preview still shows what it decided for each image.
  const warnings = [
    ...plan.mutation.denials.map((denial) => `the webhook would refuse this Pod: ${denial}`),
    ...plan.warnings,
  ];
  return {
    ok: true,
    result: { ...base, changes, patch, object: after, warnings },
    decisions: plan.mutation.decisions.map(({ decision }) => decision),
  };
}

function describeObject(entry: ManifestObject, options: PreviewOptions) {
  const { object } = entry;
  const metadata = isJsonObject(object['metadata']) ? object['metadata'] : {};
  return {
    document: entry.document,
    apiVersion: optionalString(object['apiVersion']),
    kind: String(object['kind']),
    name: optionalString(metadata['name']) ?? optionalString(metadata['generateName']),
    namespace: optionalString(metadata['namespace']) ?? options.namespace,
  };
}

/** `document 2 items[3] (Deployment web)`: where a problem is, for people. */
function describeSource(
  entry: ManifestObject,
  base: { kind: string; name: string | undefined },
): string {
  const item = entry.item === undefined ? '' : ` items[${entry.item}]`;
  return `document ${entry.document}${item} (${base.kind} ${base.name ?? ''})`;
}

const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
