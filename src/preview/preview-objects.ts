/**
 * The dry-run preview: what the webhook would change in each object, and why.
 * Pure. The same `mutatePodTemplate` as admission, applied at each workload's
 * own template path; nothing else decides anything.
 */
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { SYSTEM_NAMESPACES } from '../admission/admit.ts';
import { mutatePodTemplate, type TemplateChange } from '../core/mutate.ts';
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
  const unchanged = (warnings: string[] = []) => ({
    ok: true as const,
    result: { ...base, changes: [], patch: [], object, warnings },
  });
  const located = findPodTemplate(kind, object);
  if (located === undefined) return unchanged();
  if (namespace !== undefined && SYSTEM_NAMESPACES.has(namespace)) {
    return unchanged([`namespace ${namespace} is a system namespace; its Pods are never mutated`]);
  }
  const mutation = mutatePodTemplate(located.template, policy, { basePath: located.path });
  if (!mutation.ok) {
    const label = `document ${entry.document}${entry.item === undefined ? '' : ` items[${entry.item}]`} (${kind} ${name ?? ''})`;
    return {
      ok: false,
      problem: `${label}: ${located.path.join('.')}${located.path.length > 0 ? '.' : ''}${mutation.problem}`,
    };
  }
  const { changes, patch, warnings } = mutation.mutation;
  const after =
    patch.length === 0
      ? object
      : applyPatch(deepClone(object), deepClone(patch) as Operation[], false, false).newDocument;
  return { ok: true, result: { ...base, changes, patch, object: after, warnings } };
}

const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
