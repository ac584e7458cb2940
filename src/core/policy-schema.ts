/**
 * The policy file's schema: one definition gives the TypeScript type, the
 * defaults and the error messages ("rules[2].match: …").
 */
import { z } from 'zod';
import { describeBadGlob } from './glob.ts';
import { labelSelectorSchema } from './label-selector.ts';
import { describePolicyIssues, formatPath, type PolicyProblem } from './policy-problems.ts';
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
/** `off`: no registry I/O; `exists`: rewrite only what Harbor has; `pin`: and pin the tag's digest. */
export const VERIFY_MODES = ['off', 'exists', 'pin'] as const;
/** What an image Harbor lacks (onMissing), or one Harbor cannot answer for (onUnavailable), gets. */
export const VERIFY_ANSWERS = ['keep', 'rewrite', 'deny'] as const;

/**
 * Bounds of `verify.budgetMs`: below 50 ms even a warm TLS connection to a
 * nearby Harbor rarely answers; above 10 s the apiserver's own webhook
 * timeout (at most 30 s, 10 s by default) would fire first.
 */
export const VERIFY_BUDGET_MS = { min: 50, max: 10_000, default: 500 } as const;
/** Bounds of `verify.cacheSeconds`: a found digest may be reused for at most a day. */
export const VERIFY_CACHE_SECONDS = { min: 0, max: 86_400, default: 300 } as const;

/** A file the webhook reads: an absolute path, as mounted into its container. */
const mountedFile = z.string().refine((path) => path.startsWith('/'), 'must be an absolute path');

/** Registry verification: ask Harbor before rewriting (issue 14). */
const verifySchema = z.strictObject({
  mode: z.enum(VERIFY_MODES).default('off'),
  onMissing: z.enum(VERIFY_ANSWERS).default('keep'),
  onUnavailable: z.enum(VERIFY_ANSWERS).default('keep'),
  /** For one admission, all lookups together. */
  budgetMs: z
    .number()
    .int()
    .min(VERIFY_BUDGET_MS.min)
    .max(VERIFY_BUDGET_MS.max)
    .default(VERIFY_BUDGET_MS.default),
  /** How long a found result is reused; a missing one at most 30 s. */
  cacheSeconds: z
    .number()
    .int()
    .min(VERIFY_CACHE_SECONDS.min)
    .max(VERIFY_CACHE_SECONDS.max)
    .default(VERIFY_CACHE_SECONDS.default),
});

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
    /** PEM CA bundle that Harbor's TLS certificate (and its token realm's) chains to. */
    caFile: mountedFile.optional(),
    /** Docker config JSON (a dockerconfigjson pull Secret's content) holding Harbor credentials. */
    credentialsFile: mountedFile.optional(),
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
  verify: verifySchema.prefault({}),
});

/** The policy file after validation and defaults. */
export type PolicyDocument = z.infer<typeof policySchema>;
export type PullPolicyMode = PolicyDocument['imagePullPolicy'];
export type OnErrorMode = PolicyDocument['onError'];
export type VerifyDocument = PolicyDocument['verify'];
export type VerifyMode = VerifyDocument['mode'];
export type VerifyAnswer = VerifyDocument['onMissing'];

export type ValidatedPolicy =
  | { readonly ok: true; readonly document: PolicyDocument }
  | {
      readonly ok: false;
      readonly problems: readonly string[];
      /** The same problems with the path of each, so a caller can point at the line. */
      readonly located: readonly PolicyProblem[];
    };

/** Validates parsed policy data; problems read like `rules[1].project is required`. */
export function validatePolicyDocument(data: unknown): ValidatedPolicy {
  const result = policySchema.safeParse(data, { reportInput: true });
  if (result.success) return { ok: true, document: result.data };
  const located = describePolicyIssues(result.error.issues, policySchema);
  return { ok: false, problems: located.map((problem) => problem.message), located };
}

export { formatPath };
