/**
 * The preview of a bare list of images: `{"images": ["nginx", …]}` → for
 * each, the normalized reference, what the policy decides and which rule.
 */
import type { ImageDecision } from '../core/image-decision.ts';
import { decideImageMemoized, type MemoizedDecision } from '../core/image-decision-cache.ts';
import type { Policy } from '../core/policy.ts';
import { canonicalReference } from '../core/reference.ts';

export const MAX_PREVIEW_IMAGES = 1000;

export interface ImagePreview {
  readonly image: string;
  /** The fully normalized reference (`docker.io/library/nginx:latest`); absent when the image does not parse. */
  readonly normalized?: string;
  readonly outcome: ImageDecision['outcome'];
  /** The image a container would end up with. */
  readonly result: string;
  readonly rule?: { readonly index: number; readonly match: string; readonly project: string };
  readonly message: string;
}

export type ImagesPreviewResult =
  | {
      readonly ok: true;
      readonly images: readonly ImagePreview[];
      /** The decision behind each of `images`, in the same order. */
      readonly decisions: readonly ImageDecision[];
    }
  | { readonly ok: false; readonly problem: string };

/** Previews `images`, which must be a list of strings. */
export function previewImages(images: unknown, policy: Policy): ImagesPreviewResult {
  if (!Array.isArray(images) || !images.every((image) => typeof image === 'string')) {
    return { ok: false, problem: 'images must be a list of strings' };
  }
  if (images.length > MAX_PREVIEW_IMAGES) {
    return { ok: false, problem: `images holds more than ${MAX_PREVIEW_IMAGES} entries` };
  }
  const memoized = images.map((image) => decideImageMemoized(image, policy));
  return {
    ok: true,
    images: memoized.map(describe),
    decisions: memoized.map(({ decision }) => decision),
  };
}

function describe({ decision, finalImage, explanation }: MemoizedDecision): ImagePreview {
  const base = {
    image: decision.image,
    outcome: decision.outcome,
    result: finalImage,
    message: explanation,
  };
  if (decision.outcome === 'invalid-reference') return base;
  const normalized = canonicalReference(decision.reference);
  if (decision.outcome !== 'rewritten' && decision.outcome !== 'rewrite-invalid') {
    return { ...base, normalized };
  }
  const { rule } = decision;
  return {
    ...base,
    normalized,
    rule: { index: rule.index, match: rule.glob.pattern, project: rule.project },
  };
}
