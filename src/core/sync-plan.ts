/**
 * The copy plan: which images must be in Harbor, and where, before the
 * webhook's rewrites can be pulled. Pure: it reads the decisions the webhook
 * itself makes (never re-deriving a rewrite), so each destination is exactly
 * the reference a node will be sent to.
 */
import { ImageOutcome, type ImageDecision } from './image-decision.ts';
import { canonicalReference, type ImageReference } from './reference.ts';
import { LookupStatus, lookupKey, type RegistryLookup } from './registry-lookup.ts';

/** One image to copy into Harbor. */
export interface ImageCopy {
  /** The original image, fully normalized: `docker.io/library/nginx:1.27`. */
  readonly source: string;
  /** The reference the webhook rewrites it to, fully normalized: `harbor.example.com/hub/library/nginx:1.27`. */
  readonly destination: string;
  readonly sourceReference: ImageReference;
  readonly destinationReference: ImageReference;
}

/**
 * The copies that `decisions` need, one per destination, sorted by source
 * (then destination) in code-unit order, so the plan is the same on every
 * machine. Only `rewritten` decisions are planned: an image left alone needs
 * no copy, and neither does one whose rewrite would be invalid (the webhook
 * leaves it alone too). Two spellings of one image (`nginx`,
 * `docker.io/library/nginx:latest`) rewrite to one destination and are one
 * copy, from the first source in order.
 */
export function planSync(decisions: readonly ImageDecision[]): readonly ImageCopy[] {
  const byDestination = new Map<string, ImageCopy>();
  for (const decision of decisions) {
    if (decision.outcome !== ImageOutcome.rewritten) continue;
    const copy: ImageCopy = {
      source: canonicalReference(decision.reference),
      destination: canonicalReference(decision.rewritten),
      sourceReference: decision.reference,
      destinationReference: decision.rewritten,
    };
    const known = byDestination.get(copy.destination);
    if (known === undefined || compareCopies(copy, known) < 0) {
      byDestination.set(copy.destination, copy);
    }
  }
  return [...byDestination.values()].sort(compareCopies);
}

/** A plan after asking Harbor what it already has (`sync-plan --verify`). */
export interface VerifiedSyncPlan {
  /** Still to copy: Harbor lacks them, or could not say (copying again is harmless). */
  readonly copies: readonly ImageCopy[];
  /** Left out: Harbor has each destination. */
  readonly present: readonly ImageCopy[];
  /** Kept, since Harbor did not answer for them, with the reason. */
  readonly unverified: readonly { readonly copy: ImageCopy; readonly reason: string }[];
}

/**
 * Leaves out the copies whose destination Harbor has, by `lookups` keyed by
 * {@link lookupKey} of the destination: by digest when it has one (what a
 * node pulls), else by tag. A destination without a usable answer stays in
 * the plan.
 */
export function leaveOutPresent(
  copies: readonly ImageCopy[],
  lookups: ReadonlyMap<string, RegistryLookup>,
): VerifiedSyncPlan {
  const toCopy: ImageCopy[] = [];
  const present: ImageCopy[] = [];
  const unverified: { copy: ImageCopy; reason: string }[] = [];
  for (const copy of copies) {
    const lookup = lookups.get(lookupKey(copy.destinationReference));
    if (lookup?.status === LookupStatus.found) {
      present.push(copy);
      continue;
    }
    toCopy.push(copy);
    if (lookup?.status === LookupStatus.missing) continue;
    unverified.push({ copy, reason: lookup?.reason ?? 'no lookup result' });
  }
  return { copies: toCopy, present, unverified };
}

function compareCopies(a: ImageCopy, b: ImageCopy): number {
  return compareStrings(a.source, b.source) || compareStrings(a.destination, b.destination);
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
