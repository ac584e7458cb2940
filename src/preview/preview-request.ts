/**
 * One preview request, whatever carries it (the HTTP endpoint or the CLI):
 * manifest text, or `{"images": [...]}` → the response body.
 */
import { isJsonObject } from '../core/json-object.ts';
import type { Policy } from '../core/policy.ts';
import {
  readDocuments,
  toObjects,
  type ManifestDocument,
  type ManifestObject,
} from './manifest-documents.ts';
import { previewImages, type ImagePreview } from './preview-images.ts';
import { previewObjects, type ObjectPreview, type PreviewOptions } from './preview-objects.ts';

export type PreviewResponse =
  { readonly results: readonly ObjectPreview[] } | { readonly images: readonly ImagePreview[] };

export type PreviewOutcome =
  | {
      readonly ok: true;
      readonly response: PreviewResponse;
      /** The input objects, in the order of `response.results` (empty for an image list). */
      readonly inputs: readonly ManifestObject[];
    }
  | { readonly ok: false; readonly problem: string };

/** Previews manifest text (JSON or YAML), or a `{"images": [...]}` list. */
export function preview(
  text: string,
  policy: Policy,
  options: PreviewOptions = {},
): PreviewOutcome {
  const documents = readDocuments(text);
  if (!documents.ok) return documents;
  const images = imagesOf(documents.value);
  if (images !== undefined) {
    const result = previewImages(images, policy);
    return result.ok ? { ok: true, response: { images: result.images }, inputs: [] } : result;
  }
  const objects = toObjects(documents.value);
  if (!objects.ok) return objects;
  const result = previewObjects(objects.value, policy, options);
  return result.ok
    ? { ok: true, response: { results: result.results }, inputs: objects.value }
    : result;
}

/** The list of a single `{images: [...]}` document (no kind), or undefined. */
function imagesOf(documents: readonly ManifestDocument[]): unknown {
  const [only] = documents;
  if (documents.length !== 1 || !isJsonObject(only?.value)) return undefined;
  const value = only.value;
  return 'images' in value && !('kind' in value) ? value['images'] : undefined;
}
