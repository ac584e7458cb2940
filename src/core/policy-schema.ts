/**
 * The policy file's schema: one definition gives the TypeScript type, the
 * defaults and the error messages ("rules[2].match: …").
 */
import { z } from 'zod';
import { describeBadGlob } from './glob.ts';
import { labelSelectorSchema } from './label-selector.ts';
import { isRegistryHost } from './reference.ts';
import { SECRET_PATH } from './secret-path.ts';

// Kubernetes object names (DNS-1123 subdomain): what a Secret name may be.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Harbor's project-name rule (1 to 255 characters): lowercase letters and digits
// joined by single ".", "_" or "-". Every such name is also a distribution path
// component, so the rewritten path stays valid; Harbor is the stricter of the
// two (distribution also allows "__" and "--").
const HARBOR_PROJECT = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const HARBOR_PROJECT_MAX_LENGTH = 255;

const glob = z.string().superRefine((pattern, context) => {
  const problem = describeBadGlob(pattern);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
});

const secretName = z
  .string()
  .max(253)
  .regex(DNS_SUBDOMAIN, 'must be a Kubernetes Secret name (lowercase DNS subdomain)');

export const PULL_POLICY_MODES = ['enforce', 'ifNotSet', 'off'] as const;
export const ON_ERROR_MODES = ['allow', 'deny'] as const;

/** The rewrite rules: also what a Namespace's rules annotation holds. */
export const rulesSchema = z.array(
  z.strictObject({
    match: glob,
    project: z
      .string()
      .min(1)
      .max(HARBOR_PROJECT_MAX_LENGTH)
      .regex(
        HARBOR_PROJECT,
        'must be a Harbor project name: lowercase letters and digits joined by single ".", "_" or "-"',
      ),
  }),
);

export const secretNamesSchema = z
  .array(secretName)
  .refine((names) => new Set(names).size === names.length, 'must not list a Secret twice');

/** `namespace/name` of a Secret. */
const secretPath = z.string().regex(SECRET_PATH, 'must be namespace/name of a Secret');

export const policySchema = z.strictObject({
  harbor: z.strictObject({
    host: z
      .string()
      .refine(
        isRegistryHost,
        'must be host[:port] as nodes pull from it, without scheme or path, and with a "." or a port unless it is localhost',
      ),
  }),
  rules: rulesSchema.default([]),
  exclude: z.array(glob).default([]),
  imagePullSecrets: secretNamesSchema.default([]),
  imagePullPolicy: z.enum(PULL_POLICY_MODES).default('enforce'),
  onError: z.enum(ON_ERROR_MODES).default('allow'),
  /** Pods matching any of these label selectors are never mutated (operators that reconcile images). */
  skipPods: z.array(labelSelectorSchema).default([]),
  /** Copy a pull Secret into every opted-in namespace (needs `serve --namespace-aware`). */
  pullSecretSync: z
    .strictObject({
      source: secretPath,
      /** Name of the copies; defaults to the source's name. */
      name: secretName.optional(),
      /** Delete managed copies from namespaces that opt out. */
      pruneOnOptOut: z.boolean().default(true),
    })
    .optional(),
});

/** The policy file after validation and defaults. */
export type PolicyDocument = z.infer<typeof policySchema>;
export type PullPolicyMode = PolicyDocument['imagePullPolicy'];
export type OnErrorMode = PolicyDocument['onError'];

export type ValidatedPolicy =
  | { readonly ok: true; readonly document: PolicyDocument }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Validates parsed policy data; problems read `field: reason`, e.g. `rules[2].match: must not be empty`. */
export function validatePolicyDocument(data: unknown): ValidatedPolicy {
  const result = policySchema.safeParse(data);
  if (result.success) return { ok: true, document: result.data };
  return {
    ok: false,
    problems: result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown field`)
        : [`${formatPath(issue.path)}: ${issue.message}`],
    ),
  };
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
