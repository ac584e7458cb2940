/**
 * What the policy decides for one image string. Every outcome, including
 * "left alone", is a value with a reason: the preview shows it, metrics count it.
 */
import type { Policy, PolicyRule } from './policy.ts';
import type { LookupStatus } from './registry-lookup.ts';
import {
  formatImageReference,
  normalizedName,
  parseImageReference,
  type ImageReference,
} from './reference.ts';
import { identityName, imageIdentity, type ImageIdentity } from './registry-identity.ts';

export const ImageOutcome = {
  rewritten: 'rewritten',
  alreadyOnHarbor: 'already-on-harbor',
  excluded: 'excluded',
  noRule: 'no-rule',
  invalidReference: 'invalid-reference',
  /** A rule matched, but the rewritten reference would be invalid (e.g. a path over 255 characters). */
  rewriteInvalid: 'rewrite-invalid',
  /** verify: Harbor does not have the rewritten image; the original is kept (`onMissing: keep`). */
  keptMissing: 'kept-missing',
  /** verify: Harbor did not answer usefully in time; the original is kept (`onUnavailable: keep`). */
  keptUnavailable: 'kept-unavailable',
  /** verify: Harbor does not have the rewritten image; the Pod is refused (`onMissing: deny`). */
  deniedMissing: 'denied-missing',
  /** verify: Harbor did not answer usefully in time; the Pod is refused (`onUnavailable: deny`). */
  deniedUnavailable: 'denied-unavailable',
} as const;
export type ImageOutcome = (typeof ImageOutcome)[keyof typeof ImageOutcome];

/** What Harbor said about a rewritten reference (`verify.mode` exists or pin). */
export interface Verification {
  readonly status: LookupStatus;
  /** The registry's words, or why there was no answer; empty when found. */
  readonly detail: string;
  /** The digest the tag was pinned to (`pin`), when the image named none. */
  readonly pinnedDigest?: string;
}

/** The outcomes where verification turned a rewrite down. */
export type VerifiedRefusal =
  | typeof ImageOutcome.keptMissing
  | typeof ImageOutcome.keptUnavailable
  | typeof ImageOutcome.deniedMissing
  | typeof ImageOutcome.deniedUnavailable;

export type ImageDecision =
  | {
      readonly outcome: typeof ImageOutcome.rewritten;
      readonly image: string;
      readonly reference: ImageReference;
      /** The reference nodes will pull: Harbor host, project, same repository, tag and digest (a pinned one included). */
      readonly rewritten: ImageReference;
      readonly rule: PolicyRule;
      /** Present when the rewrite was verified with Harbor. */
      readonly verification?: Verification;
    }
  | {
      readonly outcome: VerifiedRefusal;
      readonly image: string;
      readonly reference: ImageReference;
      /** The reference the rule would have given, which Harbor lacks or could not confirm. */
      readonly rewritten: ImageReference;
      readonly rule: PolicyRule;
      readonly verification: Verification;
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
    }
  | {
      readonly outcome: typeof ImageOutcome.rewriteInvalid;
      readonly image: string;
      readonly reference: ImageReference;
      readonly rule: PolicyRule;
      /** Why the rewritten reference is invalid, in the parser's words. */
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
  return rewrite(image, reference, identity, { rule, harborHost: policy.harborHost });
}

/**
 * Harbor's proxy-cache convention, `<harbor>/<project>/<upstream repository>`,
 * checked with the grammar the input passed: the project prefix can push a
 * valid path over the length limit, and an invalid reference must never reach
 * a node. Checked by formatting and parsing again, so the result is exactly
 * what a runtime will read.
 */
function rewrite(
  image: string,
  reference: ImageReference,
  identity: ImageIdentity,
  target: { readonly rule: PolicyRule; readonly harborHost: string },
): ImageDecision {
  const { rule, harborHost } = target;
  const rewritten: ImageReference = {
    ...reference,
    registry: harborHost,
    repository: `${rule.project}/${identity.repository}`,
  };
  const formatted = formatImageReference(rewritten);
  const reparsed = parseImageReference(formatted);
  if (!reparsed.ok) {
    return {
      outcome: ImageOutcome.rewriteInvalid,
      image,
      reference,
      rule,
      reason: reparsed.reason,
    };
  }
  if (normalizedName(reparsed.reference) !== normalizedName(rewritten)) {
    const reason = `"${formatted}" would be read as "${normalizedName(reparsed.reference)}"`;
    return { outcome: ImageOutcome.rewriteInvalid, image, reference, rule, reason };
  }
  return { outcome: ImageOutcome.rewritten, image, reference, rewritten, rule };
}

/**
 * True when the Pod's author should hear of the decision in an admission
 * warning: the image was left alone although it may not be what the policy
 * wants (it does not parse, or its rewrite would not).
 */
export function warnsAuthor(decision: ImageDecision): boolean {
  switch (decision.outcome) {
    case ImageOutcome.invalidReference:
    case ImageOutcome.rewriteInvalid:
    case ImageOutcome.keptMissing:
    case ImageOutcome.keptUnavailable:
      return true;
    case ImageOutcome.rewritten:
      // Rewritten although Harbor lacks it or could not say (`onMissing`/`onUnavailable: rewrite`).
      return decision.verification !== undefined && decision.verification.status !== 'found';
    case ImageOutcome.alreadyOnHarbor:
    case ImageOutcome.excluded:
    case ImageOutcome.noRule:
    case ImageOutcome.deniedMissing:
    case ImageOutcome.deniedUnavailable:
      // A refused Pod's message names the image; a warning would say it twice.
      return false;
  }
}

/** True when the decision refuses the whole Pod. */
export function deniesPod(decision: ImageDecision): boolean {
  return (
    decision.outcome === ImageOutcome.deniedMissing ||
    decision.outcome === ImageOutcome.deniedUnavailable
  );
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
    case ImageOutcome.rewriteInvalid:
    case ImageOutcome.keptMissing:
    case ImageOutcome.keptUnavailable:
    case ImageOutcome.deniedMissing:
    case ImageOutcome.deniedUnavailable:
      return decision.reference;
  }
}

/** A one-line explanation for people (preview, warnings, logs). */
export function explainDecision(decision: ImageDecision): string {
  switch (decision.outcome) {
    case ImageOutcome.rewritten:
      return `rewritten by ${describeRule(decision.rule)} to Harbor project "${decision.rule.project}"${describeVerifiedRewrite(decision.verification)}`;
    case ImageOutcome.keptMissing:
    case ImageOutcome.keptUnavailable:
      return `${describeLookup(decision)}; left unchanged (verify.${answerSetting(decision.verification)}: keep)`;
    case ImageOutcome.deniedMissing:
    case ImageOutcome.deniedUnavailable:
      return `${describeLookup(decision)}; the Pod is refused (verify.${answerSetting(decision.verification)}: deny)`;
    case ImageOutcome.alreadyOnHarbor:
      return 'already on the Harbor host; left unchanged';
    case ImageOutcome.excluded:
      return `excluded by "${decision.pattern}"; left unchanged`;
    case ImageOutcome.noRule:
      return `no rule matches "${identityName(imageIdentity(decision.reference))}"; left unchanged`;
    case ImageOutcome.invalidReference:
      return `not a valid image reference (${decision.reason}); left unchanged`;
    case ImageOutcome.rewriteInvalid:
      return `${describeRule(decision.rule)} would make an invalid reference in Harbor project "${decision.rule.project}" (${decision.reason}); left unchanged`;
  }
}

/** What Harbor said, after a rewrite's explanation: empty without verification. */
function describeVerifiedRewrite(verification: Verification | undefined): string {
  if (verification === undefined) return '';
  switch (verification.status) {
    case 'found':
      return verification.pinnedDigest === undefined
        ? '; Harbor has it'
        : `; pinned to ${verification.pinnedDigest}, the digest Harbor has for the tag`;
    case 'missing':
      return `, although Harbor does not have it (${verification.detail}; verify.onMissing: rewrite)`;
    case 'unavailable':
      return `, although Harbor could not confirm it has it (${verification.detail}; verify.onUnavailable: rewrite)`;
  }
}

/** `Harbor does not have harbor.example.com/p/library/nginx:1.25 (MANIFEST_UNKNOWN)`. */
function describeLookup(decision: {
  readonly rewritten: ImageReference;
  readonly verification: Verification;
}): string {
  const target = formatImageReference(decision.rewritten);
  const { status, detail } = decision.verification;
  return status === 'missing'
    ? `Harbor does not have ${target} (${detail})`
    : `Harbor could not confirm it has ${target} (${detail})`;
}

/** The policy setting that chose the answer for a verification's status. */
function answerSetting(verification: Verification): 'onMissing' | 'onUnavailable' {
  return verification.status === 'missing' ? 'onMissing' : 'onUnavailable';
}

function describeRule(rule: PolicyRule): string {
  const origin = rule.origin === 'namespace' ? 'namespace annotation ' : '';
  return `${origin}rules[${rule.index}] "${rule.glob.pattern}"`;
}
