/**
 * Policy validation problems in words a person would write: "rules[1].project
 * is required", "harbor.hots: unknown field; did you mean \"host\"?", instead
 * of zod's "Invalid input: expected string, received undefined". Pure; the
 * caller adds the file and the line.
 */
import type { z } from 'zod';
import { closestName } from './edit-distance.ts';

/** One problem: where (the field's path) and what, as a sentence that names the field. */
export interface PolicyProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

type Issue = z.core.$ZodIssue;

/** Turns zod's issues for `schema` into sentences; an unknown key becomes one problem per key. */
export function describePolicyIssues(issues: readonly Issue[], schema: z.ZodType): PolicyProblem[] {
  return issues.flatMap((issue): PolicyProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      const known = Object.keys(objectShapeAt(schema, issue.path) ?? {});
      return issue.keys.map((key) => ({
        path: [...issue.path, key],
        message: `${formatPath([...issue.path, key])}: unknown field${suggestion(key, known)}`,
      }));
    }
    return [{ path: issue.path, message: describeIssue(issue) }];
  });
}

function describeIssue(issue: Exclude<Issue, { code: 'unrecognized_keys' }>): string {
  const field = formatPath(issue.path);
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return `${field} is required`;
    return `${field}: must be ${typeName(issue.expected)}, not ${describeValue(issue.input)}`;
  }
  if (issue.code === 'invalid_value') {
    const allowed = issue.values.map((value) => JSON.stringify(value)).join(', ');
    const near =
      typeof issue.input === 'string' ? suggestion(issue.input, issue.values.map(String)) : '';
    return `${field}: must be one of ${allowed}, not ${describeValue(issue.input)}${near}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'string' && Number(issue.minimum) === 1) {
    return `${field}: must not be empty`;
  }
  return `${field}: ${issue.message}`;
}

/** `rules[2].match` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(document)';
  return path
    .map((key, index) => {
      if (typeof key === 'number') return `[${key}]`;
      return index === 0 ? String(key) : `.${String(key)}`;
    })
    .join('');
}

function suggestion(typed: string, known: readonly string[]): string {
  const near = closestName(typed, known);
  return near === undefined ? '' : `; did you mean "${near}"?`;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  array: 'a list',
  object: 'a mapping (key: value)',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null (empty)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * The fields the object schema at `path` knows, found by walking the schema
 * through objects, arrays and wrappers (default, optional, pipe); undefined
 * when the path does not lead to an object.
 */
function objectShapeAt(
  schema: z.ZodType,
  path: readonly PropertyKey[],
): Readonly<Record<string, unknown>> | undefined {
  let current: unknown = schema;
  // Bounded: one step per path segment, plus the wrappers around each (a schema is finite).
  for (let index = 0, steps = 0; steps < 100; steps++) {
    const def = definitionOf(current);
    if (def === undefined) return undefined;
    const inner = def['innerType'] ?? def['in'];
    if (inner !== undefined) {
      current = inner;
      continue;
    }
    if (index === path.length) {
      return def['type'] === 'object' ? (def['shape'] as Record<string, unknown>) : undefined;
    }
    const key = path[index++];
    if (def['type'] === 'array' && typeof key === 'number') current = def['element'];
    else if (def['type'] === 'object' && typeof key === 'string')
      current = (def['shape'] as Record<string, unknown>)[key];
    else return undefined;
  }
  return undefined;
}

function definitionOf(schema: unknown): Record<string, unknown> | undefined {
  const internals = (schema as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod;
  return internals?.def;
}
