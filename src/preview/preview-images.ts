/**
 * The preview of a bare list of images: `{"images": ["nginx", …]}` → for
 * each, the normalized reference, what the policy decides and which rule.
 */
import type { ImageDecision } from '../core/image-decision.ts';
import {
  decideImageMemoized,
  decideImageVerified,
  type MemoizedDecision,
} from '../core/image-decision-cache.ts';
import type { Policy } from '../core/policy.ts';
import { canonicalReference, type ImageReference } from '../core/reference.ts';
import type { LookupStatus } from '../core/registry-lookup.ts';
import { distinctTargets, lookupTarget, type LookupResults } from '../core/verification.ts';

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
  /** What Harbor said about the rewritten image, when the preview verified it. */
  readonly verify?: LookupStatus;
}

export type ImagesPreviewResult =
  | {
      readonly ok: true;
      readonly images: readonly ImagePreview[];
      /** The decision behind each of `images`, in the same order. */
      readonly decisions: readonly ImageDecision[];
    }
  | { readonly ok: false; readonly problem: string };

/** Previews `images`, which must be a list of strings; `lookups` verifies them (see {@link lookupsForImages}). */
export function previewImages(
  images: unknown,
  policy: Policy,
  lookups?: LookupResults,
): ImagesPreviewResult {
  const problem = checkImages(images);
  if (problem !== undefined) return { ok: false, problem };
  const memoized = (images as string[]).map((image) => decideImageVerified(image, policy, lookups));
  return {
    ok: true,
    images: memoized.map(describe),
    decisions: memoized.map(({ decision }) => decision),
  };
}

/** The references Harbor must be asked about before previewing `images` with verification. */
export function lookupsForImages(images: unknown, policy: Policy): ImageReference[] {
  if (policy.verify.mode === 'off' || checkImages(images) !== undefined) return [];
  return distinctTargets(
    (images as string[]).flatMap((image) => {
      const target = lookupTarget(decideImageMemoized(image, policy).decision);
      return target === undefined ? [] : [target];
    }),
  );
}

function checkImages(images: unknown): string | undefined {
  if (!Array.isArray(images) || !images.every((image) => typeof image === 'string')) {
    return 'images must be a list of strings';
  }
  if (images.length > MAX_PREVIEW_IMAGES) {
    return `images holds more than ${MAX_PREVIEW_IMAGES} entries`;
  }
  return undefined;
}

function describe({ decision, finalImage, explanation }: MemoizedDecision): ImagePreview {
  const verification = 'verification' in decision ? decision.verification : undefined;
  const base = {
    image: decision.image,
    outcome: decision.outcome,
    result: finalImage,
    message: explanation,
    ...(verification === undefined ? {} : { verify: verification.status }),
  };
  if (decision.outcome === 'invalid-reference') return base;
  const normalized = canonicalReference(decision.reference);
  if (!('rule' in decision)) return { ...base, normalized };
  const { rule } = decision;
  return {
    ...base,
    normalized,
    rule: { index: rule.index, match: rule.glob.pattern, project: rule.project },
  };
}
