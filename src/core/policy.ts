/**
 * The compiled policy: globs turned into matchers once, at load, so that the
 * admission path only runs them. Frozen, because every request shares it.
 */
import { compileGlob, type Glob } from './glob.ts';
import type { OnErrorMode, PolicyDocument, PullPolicyMode } from './policy-schema.ts';

/** One rewrite rule; `index` is its position in the file's `rules` list. */
export interface PolicyRule {
  readonly index: number;
  readonly glob: Glob;
  readonly project: string;
}

/** A policy ready for the admission path. */
export interface Policy {
  /** Lowercased `host[:port]` of Harbor; images already there are never rewritten. */
  readonly harborHost: string;
  readonly rules: readonly PolicyRule[];
  readonly exclude: readonly Glob[];
  readonly imagePullSecrets: readonly string[];
  readonly imagePullPolicy: PullPolicyMode;
  readonly onError: OnErrorMode;
}

/** Compiles a validated policy document. */
export function compilePolicy(document: PolicyDocument): Policy {
  return Object.freeze({
    harborHost: document.harbor.host.toLowerCase(),
    rules: Object.freeze(
      document.rules.map((rule, index) =>
        Object.freeze({ index, glob: compileGlob(rule.match), project: rule.project }),
      ),
    ),
    exclude: Object.freeze(document.exclude.map(compileGlob)),
    imagePullSecrets: Object.freeze([...document.imagePullSecrets]),
    imagePullPolicy: document.imagePullPolicy,
    onError: document.onError,
  });
}
