/**
 * One preview request, whatever carries it (the HTTP endpoint's worker thread
 * or the CLI): manifest text, or `{"images": [...]}` → the response body. In
 * two steps, so a caller can fetch the namespace facts the input names
 * between reading and previewing (the server's worker asks its main thread).
 */
import type { ImageDecision } from '../core/image-decision.ts';
import { isJsonObject } from '../core/json-object.ts';
import { distinctTargets } from '../core/verification.ts';
import type { Policy } from '../core/policy.ts';
import {
  readDocuments,
  toObjects,
  type ManifestDocument,
  type ManifestObject,
} from './manifest-documents.ts';
import {
  DEFAULT_PREVIEW_LIMITS,
  type PreviewLimits,
  type PreviewProblem,
} from './preview-limits.ts';
import type { ImageReference } from '../core/reference.ts';
import { lookupsForImages, previewImages, type ImagePreview } from './preview-images.ts';
import {
  lookupsForObjects,
  previewObjects,
  type ObjectPreview,
  type PreviewOptions,
} from './preview-objects.ts';

export type PreviewResponse =
  { readonly results: readonly ObjectPreview[] } | { readonly images: readonly ImagePreview[] };

export type PreviewOutcome =
  | {
      readonly ok: true;
      readonly response: PreviewResponse;
      /** The input objects, in the order of `response.results` (empty for an image list). */
      readonly inputs: readonly ManifestObject[];
      /** Every image decision of the input, in input order; not part of the response body. */
      readonly decisions: readonly ImageDecision[];
    }
  | PreviewProblem;

/** A parsed preview input: an image list or the objects of a manifest. */
export type PreviewInput =
  | { readonly ok: true; readonly images: unknown }
  | { readonly ok: true; readonly objects: readonly ManifestObject[] }
  | PreviewProblem;

/** Reads manifest text (JSON or YAML) or a `{"images": [...]}` list, within `limits`. */
export function readPreviewInput(
  text: string,
  limits: PreviewLimits = DEFAULT_PREVIEW_LIMITS,
): PreviewInput {
  const documents = readDocuments(text, limits);
  if (!documents.ok) return documents;
  const images = imagesOf(documents.value);
  if (images !== undefined) return { ok: true, images };
  const objects = toObjects(documents.value, limits);
  return objects.ok ? { ok: true, objects: objects.value } : objects;
}

/** The namespaces whose facts a preview of `input` reads: each object's, or `namespace` for those naming none. */
export function namespacesOf(input: PreviewInput, namespace: string | undefined): string[] {
  if (!input.ok || !('objects' in input)) return [];
  const names = new Set<string>();
  for (const { object } of input.objects) {
    const metadata = isJsonObject(object['metadata']) ? object['metadata'] : {};
    const own = metadata['namespace'];
    const name = typeof own === 'string' && own !== '' ? own : namespace;
    if (name !== undefined) names.add(name);
  }
  return [...names];
}

/**
 * The references Harbor must be asked about before previewing `input` with
 * verification (`options.lookups`), each once; empty when the policy does
 * not verify. Pass the same namespace and directory as to the preview.
 */
export function lookupsForInput(
  input: PreviewInput,
  policy: Policy,
  options: PreviewOptions = {},
): ImageReference[] {
  if (!input.ok || policy.verify.mode === 'off') return [];
  if ('images' in input) return lookupsForImages(input.images, policy);
  return distinctTargets(lookupsForObjects(input.objects, policy, options));
}

/** Previews a read input. */
export function previewInput(
  input: PreviewInput,
  policy: Policy,
  options: PreviewOptions = {},
): PreviewOutcome {
  if (!input.ok) return input;
  if ('images' in input) {
    const result = previewImages(input.images, policy, options.lookups);
    return result.ok
      ? { ok: true, response: { images: result.images }, inputs: [], decisions: result.decisions }
      : result;
  }
  const result = previewObjects(input.objects, policy, options);
  return result.ok
    ? {
        ok: true,
        response: { results: result.results },
        inputs: input.objects,
        decisions: result.decisions,
      }
    : result;
}

/** Previews manifest text (JSON or YAML), or a `{"images": [...]}` list. */
export function preview(
  text: string,
  policy: Policy,
  options: PreviewOptions & { readonly limits?: PreviewLimits } = {},
): PreviewOutcome {
  return previewInput(readPreviewInput(text, options.limits), policy, options);
}

/** The list of a single `{images: [...]}` document (no kind), or undefined. */
function imagesOf(documents: readonly ManifestDocument[]): unknown {
  const [only] = documents;
  if (documents.length !== 1 || !isJsonObject(only?.value)) return undefined;
  const value = only.value;
  return 'images' in value && !('kind' in value) ? value['images'] : undefined;
}
