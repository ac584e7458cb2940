/**
 * What the policy decides for one image string. Every outcome, including
 * "left alone", is a value with a reason: the preview shows it, metrics count it.
 */
import type { Policy, PolicyRule } from './policy.ts';
import { formatImageReference, parseImageReference, type ImageReference } from './reference.ts';
import { identityName, imageIdentity } from './registry-identity.ts';

export const ImageOutcome = {
  rewritten: 'rewritten',
  alreadyOnHarbor: 'already-on-harbor',
  excluded: 'excluded',
  noRule: 'no-rule',
  invalidReference: 'invalid-reference',
} as const;
export type ImageOutcome = (typeof ImageOutcome)[keyof typeof ImageOutcome];

export type ImageDecision =
  | {
      readonly outcome: typeof ImageOutcome.rewritten;
      readonly image: string;
      readonly reference: ImageReference;
      /** The reference nodes will pull: Harbor host, project, same repository, tag and digest. */
      readonly rewritten: ImageReference;
      readonly rule: PolicyRule;
    }
  | {
      readonly outcome: typeof ImageOutcome.alreadyOnHarbor | typeof ImageOutcome.noRule;
      readonly image: string;
      readonly reference: ImageReference;
    }
  | {
      readonly outcome: typeof ImageOutcome.excluded;
      readonly image: string;
      readonly reference: ImageReference;
      readonly pattern: string;
    }
  | {
      readonly outcome: typeof ImageOutcome.invalidReference;
      readonly image: string;
      readonly reason: string;
    };

/** Decides what happens to `image` under `policy`. Pure and deterministic. */
export function decideImage(image: string, policy: Policy): ImageDecision {
  const parsed = parseImageReference(image);
  if (!parsed.ok) return { outcome: ImageOutcome.invalidReference, image, reason: parsed.reason };
  const reference = parsed.reference;
  const identity = imageIdentity(reference);
  // Before any rule: an image on Harbor is never rewritten, whatever a glob covers.
  if (identity.registry === policy.harborRegistry) {
    return { outcome: ImageOutcome.alreadyOnHarbor, image, reference };
  }
  const name = identityName(identity);
  const exclusion = policy.exclude.find((glob) => glob.matches(name));
  if (exclusion !== undefined) {
    return { outcome: ImageOutcome.excluded, image, reference, pattern: exclusion.pattern };
  }
  const rule = policy.rules.find((candidate) => candidate.glob.matches(name));
  if (rule === undefined) return { outcome: ImageOutcome.noRule, image, reference };
  // Harbor's proxy-cache convention: <harbor>/<project>/<upstream repository>.
  const rewritten: ImageReference = {
    ...reference,
    registry: policy.harborHost,
    repository: `${rule.project}/${identity.repository}`,
  };
  return { outcome: ImageOutcome.rewritten, image, reference, rewritten, rule };
}

/** The image string a container ends up with. */
export function finalImage(decision: ImageDecision): string {
  return decision.outcome === ImageOutcome.rewritten
    ? formatImageReference(decision.rewritten)
    : decision.image;
}

/** The reference a container ends up with, or undefined when the image does not parse. */
export function finalReference(decision: ImageDecision): ImageReference | undefined {
  switch (decision.outcome) {
    case ImageOutcome.rewritten:
      return decision.rewritten;
    case ImageOutcome.invalidReference:
      return undefined;
    case ImageOutcome.alreadyOnHarbor:
    case ImageOutcome.excluded:
    case ImageOutcome.noRule:
      return decision.reference;
  }
}

/** A one-line explanation for people (preview, warnings, logs). */
export function explainDecision(decision: ImageDecision): string {
  switch (decision.outcome) {
    case ImageOutcome.rewritten:
      return `rewritten by ${decision.rule.origin === 'namespace' ? 'namespace annotation ' : ''}rules[${decision.rule.index}] "${decision.rule.glob.pattern}" to Harbor project "${decision.rule.project}"`;
    case ImageOutcome.alreadyOnHarbor:
      return 'already on the Harbor host; left unchanged';
    case ImageOutcome.excluded:
      return `excluded by "${decision.pattern}"; left unchanged`;
    case ImageOutcome.noRule:
      return `no rule matches "${identityName(imageIdentity(decision.reference))}"; left unchanged`;
    case ImageOutcome.invalidReference:
      return `not a valid image reference (${decision.reason}); left unchanged`;
  }
}
