/** Test fixtures, read once and deep-cloned per use so no test can change another's input. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parsePolicyText } from '../../src/core/policy-text.ts';
import type { Policy } from '../../src/core/policy.ts';

const FIXTURES = new URL('../fixtures/', import.meta.url);

const cache = new Map<string, unknown>();

/** A fresh copy of `test/fixtures/<name>` parsed as JSON. */
export function loadJsonFixture<T = Record<string, unknown>>(name: string): T {
  if (!cache.has(name)) cache.set(name, JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')));
  return structuredClone(cache.get(name)) as T;
}

export const FIXTURE_POLICY_FILE = new URL('policy.yaml', FIXTURES).pathname;

/** Compiles policy YAML, failing the test with every problem if it does not validate. */
export function policyFrom(yaml: string): Policy {
  const loaded = parsePolicyText(yaml);
  if (!loaded.ok) throw new Error(`test policy is invalid:\n${loaded.problems.join('\n')}`);
  return loaded.policy;
}

/** The policy of MISSION.md's example. */
export const examplePolicyYaml = readFileSync(FIXTURE_POLICY_FILE, 'utf8');

/** A policy with `overrides` merged over the example's top-level fields. */
export function examplePolicy(overrides: Record<string, unknown> = {}): Policy {
  return policyFrom(JSON.stringify({ ...(parse(examplePolicyYaml) as object), ...overrides }));
}
