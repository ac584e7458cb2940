/**
 * The copy plan: which images must be in Harbor, and where, before the
 * webhook's rewrites can be pulled. Pure: it reads the decisions the webhook
 * itself makes (never re-deriving a rewrite), so each destination is exactly
 * the reference a node will be sent to.
 */
import { ImageOutcome, type ImageDecision } from './image-decision.ts';
import { canonicalReference, type ImageReference } from './reference.ts';

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

function compareCopies(a: ImageCopy, b: ImageCopy): number {
  return compareStrings(a.source, b.source) || compareStrings(a.destination, b.destination);
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
