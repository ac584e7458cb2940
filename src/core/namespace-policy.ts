/**
 * Per-namespace overrides, read from annotations on the Namespace. A team can
 * prepend its own rules, replace the pull secrets, or turn the webhook off
 * for its namespace. Each annotation is validated like the policy file; a bad
 * one is reported and ignored, and the namespace falls back to the global
 * policy for that setting. Pure: computed once per Namespace change, not per Pod.
 */
import { parse } from 'yaml';
import { compileRules, type Policy } from './policy.ts';
import { formatPath, rulesSchema, secretNamesSchema } from './policy-schema.ts';

export const NamespaceAnnotation = {
  /** "false" turns the webhook off for the namespace. */
  rewrite: 'harbor-image-webhook/rewrite',
  /** YAML or JSON list of `{match, project}`, tried before the policy's rules. */
  rules: 'harbor-image-webhook/rules',
  /** Comma-separated Secret names that replace the policy's `imagePullSecrets`. */
  imagePullSecrets: 'harbor-image-webhook/image-pull-secrets',
} as const;

/** What the webhook knows of a Namespace, from its in-memory cache (never an API call at admission). */
export interface NamespaceFacts {
  readonly name: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** Names of the pull Secrets (type kubernetes.io/dockerconfigjson) in it; undefined when not watched. */
  readonly pullSecretNames: ReadonlySet<string> | undefined;
}

/** Reads the namespace cache; implemented by the Kubernetes informers, faked in tests. */
export interface NamespaceDirectory {
  lookup(namespace: string): NamespaceFacts | undefined;
}

export interface NamespacePolicy {
  /** The policy for Pods of this namespace. */
  readonly policy: Policy;
  /** True when the namespace turned the webhook off. */
  readonly disabled: boolean;
  /** Annotations that were ignored, and why. */
  readonly problems: readonly string[];
}

/** The effective policy for a namespace with `annotations`. */
export function namespacePolicy(
  global: Policy,
  annotations: Readonly<Record<string, string>>,
): NamespacePolicy {
  const problems: string[] = [];
  const rewrite = annotations[NamespaceAnnotation.rewrite];
  if (rewrite !== undefined && rewrite !== 'true' && rewrite !== 'false') {
    problems.push(`${NamespaceAnnotation.rewrite}: must be "true" or "false"`);
  }
  const rules = readAnnotation(annotations, NamespaceAnnotation.rules, parseRules, problems);
  const secrets = readAnnotation(
    annotations,
    NamespaceAnnotation.imagePullSecrets,
    parseSecretNames,
    problems,
  );
  const policy =
    rules === undefined && secrets === undefined
      ? global
      : Object.freeze({
          ...global,
          rules:
            rules === undefined
              ? global.rules
              : Object.freeze([...compileRules(rules, 'namespace'), ...global.rules]),
          imagePullSecrets:
            secrets === undefined ? global.imagePullSecrets : Object.freeze(secrets),
        });
  return { policy, disabled: rewrite === 'false', problems };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

function readAnnotation<T>(
  annotations: Readonly<Record<string, string>>,
  key: string,
  parseValue: (text: string) => Parsed<T>,
  problems: string[],
): T | undefined {
  const text = annotations[key];
  if (text === undefined) return undefined;
  const parsed = parseValue(text);
  if (parsed.ok) return parsed.value;
  problems.push(`${key}: ${parsed.problem}`);
  return undefined;
}

function parseRules(text: string) {
  let data: unknown;
  try {
    data = parse(text, { maxAliasCount: 0 });
  } catch (error) {
    return {
      ok: false as const,
      problem: `not YAML or JSON (${(error as Error).message.split('\n')[0]})`,
    };
  }
  const result = rulesSchema.safeParse(data);
  if (result.success) return { ok: true as const, value: result.data };
  const [issue] = result.error.issues;
  return {
    ok: false as const,
    problem: `${formatPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`,
  };
}

function parseSecretNames(text: string) {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const result = secretNamesSchema.safeParse(names);
  if (result.success) return { ok: true as const, value: result.data };
  return { ok: false as const, problem: result.error.issues[0]?.message ?? 'invalid' };
}
