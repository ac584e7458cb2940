/**
 * The dry-run preview: what the webhook would change in each object, and why.
 * Pure. The same `mutatePodTemplate` as admission, applied at each workload's
 * own template path; nothing else decides anything.
 */
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { toPointer } from '../core/json-pointer.ts';
import { ChangeReason, type TemplateChange } from '../core/mutate.ts';
import type { NamespaceDirectory } from '../core/namespace-policy.ts';
import { planPod } from '../core/pod-plan.ts';
import type { Policy } from '../core/policy.ts';
import { isObject, type ManifestObject } from './manifest-documents.ts';
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
}

export type PreviewResult =
  | { readonly ok: true; readonly results: readonly ObjectPreview[] }
  | { readonly ok: false; readonly problem: string };

/** Previews every object, in input order; stops at the first object whose pod template is malformed. */
export function previewObjects(
  objects: readonly ManifestObject[],
  policy: Policy,
  options: PreviewOptions = {},
): PreviewResult {
  const results: ObjectPreview[] = [];
  for (const entry of objects) {
    const preview = previewObject(entry, policy, options);
    if (!preview.ok) return preview;
    results.push(preview.result);
  }
  return { ok: true, results };
}

function previewObject(
  entry: ManifestObject,
  policy: Policy,
  options: PreviewOptions,
): { ok: true; result: ObjectPreview } | { ok: false; problem: string } {
  const { object } = entry;
  const metadata = isObject(object['metadata']) ? object['metadata'] : {};
  const kind = String(object['kind']);
  const name = optionalString(metadata['name']) ?? optionalString(metadata['generateName']);
  const namespace = optionalString(metadata['namespace']) ?? options.namespace;
  const base = {
    document: entry.document,
    apiVersion: optionalString(object['apiVersion']),
    kind,
    name,
    namespace,
  };
  const unchanged = (warnings: readonly string[] = []) => ({
    ok: true as const,
    result: { ...base, changes: [], patch: [], object, warnings },
  });
  const located = findPodTemplate(kind, object);
  if (located === undefined) return unchanged();
  const facts = namespace === undefined ? undefined : options.directory?.lookup(namespace);
  const plan = planPod(located.template, policy, {
    basePath: located.path,
    ...(namespace === undefined ? {} : { namespace }),
    ...(facts === undefined ? {} : { facts }),
  });
  if (plan.kind === 'skipped') return unchanged([`not mutated: ${plan.reason}`, ...plan.warnings]);
  if (plan.kind === 'invalid') {
    const label = `document ${entry.document}${entry.item === undefined ? '' : ` items[${entry.item}]`} (${kind} ${name ?? ''})`;
    const at = located.path.length > 0 ? `${located.path.join('.')}.` : '';
    return { ok: false, problem: `${label}: ${at}${plan.problem}` };
  }
  const { patch } = plan.mutation;
  const secretsPath = toPointer([...located.path, 'spec', 'imagePullSecrets']);
  const changes = [
    ...plan.mutation.changes,
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
  return { ok: true, result: { ...base, changes, patch, object: after, warnings: plan.warnings } };
}

const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
