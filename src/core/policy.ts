/**
 * The compiled policy: globs turned into matchers once, at load, so that the
 * admission path only runs them. Frozen, because every request shares it.
 */
import { compileGlob, type Glob } from './glob.ts';
import type { LabelSelector } from './label-selector.ts';
import type {
  OnErrorMode,
  PolicyDocument,
  PullPolicyMode,
  VerifyDocument,
} from './policy-schema.ts';
import { normalizeGlobRegistry, registryIdentity } from './registry-identity.ts';

/** Where a rule was written: the policy file, or a Namespace's annotation. */
export type RuleOrigin = 'policy' | 'namespace';

/** One rewrite rule; `index` is its position in its origin's `rules` list. */
export interface PolicyRule {
  readonly origin: RuleOrigin;
  readonly index: number;
  readonly glob: Glob;
  readonly project: string;
}

/** `verify` of the policy file: whether and how Harbor is asked before rewriting. */
export type VerifyPolicy = Readonly<VerifyDocument>;

/** A policy ready for the admission path. */
export interface Policy {
  /** Lowercased `host[:port]` of Harbor as configured: what rewritten images name. */
  readonly harborHost: string;
  /** {@link registryIdentity} of the Harbor host; images already there are never rewritten. */
  readonly harborRegistry: string;
  /** `harbor.caFile`: the CA bundle for Harbor's TLS, when not a public one. */
  readonly harborCaFile: string | undefined;
  /** `harbor.credentialsFile`: Docker config JSON with Harbor credentials, for lookups. */
  readonly harborCredentialsFile: string | undefined;
  readonly rules: readonly PolicyRule[];
  readonly exclude: readonly Glob[];
  readonly imagePullSecrets: readonly string[];
  readonly imagePullPolicy: PullPolicyMode;
  readonly onError: OnErrorMode;
  readonly skipPods: readonly LabelSelector[];
  readonly pullSecretSync: PolicyDocument['pullSecretSync'];
  readonly verify: VerifyPolicy;
}

/** Compiles a validated policy document. */
export function compilePolicy(document: PolicyDocument): Policy {
  return Object.freeze({
    harborHost: document.harbor.host.toLowerCase(),
    harborRegistry: registryIdentity(document.harbor.host),
    harborCaFile: document.harbor.caFile,
    harborCredentialsFile: document.harbor.credentialsFile,
    rules: compileRules(document.rules, 'policy'),
    exclude: Object.freeze(document.exclude.map(compileNameGlob)),
    imagePullSecrets: Object.freeze([...document.imagePullSecrets]),
    imagePullPolicy: document.imagePullPolicy,
    onError: document.onError,
    skipPods: Object.freeze(document.skipPods),
    pullSecretSync: document.pullSecretSync,
    verify: Object.freeze({ ...document.verify }),
  });
}

/** Compiles rules in order, remembering where they came from for explanations. */
export function compileRules(
  rules: PolicyDocument['rules'],
  origin: RuleOrigin,
): readonly PolicyRule[] {
  return Object.freeze(
    rules.map((rule, index) =>
      Object.freeze({ origin, index, glob: compileNameGlob(rule.match), project: rule.project }),
    ),
  );
}

/**
 * A glob over image names, matching with its registry part normalized like
 * the names are ({@link normalizeGlobRegistry}); it keeps the pattern as
 * written, for explanations.
 */
function compileNameGlob(pattern: string): Glob {
  const { matches } = compileGlob(normalizeGlobRegistry(pattern));
  return Object.freeze({ pattern, matches });
}
