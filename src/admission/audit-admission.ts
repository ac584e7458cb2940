/**
 * Audit mode: a Pod of a namespace labelled `<opt-in key>=audit` is decided
 * exactly as in an opted-in namespace, then nothing of it is applied. The
 * answer allows the Pod with no patch and tells, in admission warnings
 * (kubectl prints them as "Warning: …"), what enforcing would have changed.
 * Pure: the route counts and logs what this returns.
 */
import type { Admission } from './admit.ts';
import { AdmissionOutcome } from './admit.ts';
import type { ContainerDecision, TemplateChange } from '../core/mutate.ts';
import { ChangeReason } from '../core/mutate.ts';

/** Starts every audit warning, so it reads as ours among other webhooks' warnings. */
export const AUDIT_WARNING_PREFIX = 'harbor-image-webhook audit: ';

/**
 * Audit warnings per answer. The apiserver truncates warnings past 4 KiB in
 * all; a Pod with many containers gets the first ones and a count of the rest.
 */
export const MAX_AUDIT_WARNINGS = 12;

/** Past 256 characters the apiserver may truncate a warning; ours end with "…" instead. */
export const MAX_WARNING_LENGTH = 256;

/** The kinds of change audit mode reports, the label values of the audit metric. */
export const AuditChangeKind = {
  image: 'image',
  pullSecrets: 'pull-secrets',
  pullPolicy: 'pull-policy',
  /** Enforcing would have refused the Pod (e.g. `onError: deny`, a future verify check). */
  refusal: 'refusal',
} as const;
export type AuditChangeKind = (typeof AuditChangeKind)[keyof typeof AuditChangeKind];

/** One change enforcing would have made. */
export interface AuditChange {
  readonly kind: AuditChangeKind;
  /** Without the prefix and unbounded; the warnings are the bounded form. */
  readonly message: string;
}

type Admitted = Extract<Admission, { ok: true }>;

export interface AuditedAdmission {
  /** What to answer: allowed, no patch, warnings; outcome `audit`. */
  readonly admission: Admitted;
  /** The outcome enforcing would have had (mutated, unchanged, skipped). */
  readonly wouldBe: Admitted['outcome'];
  readonly changes: readonly AuditChange[];
}

/** Turns the enforcing decision `enforced` into its audit answer. */
export function auditAdmission(enforced: Admitted): AuditedAdmission {
  const changes = auditChanges(enforced);
  return {
    admission: {
      ok: true,
      verdict: {
        allowed: true,
        patch: [],
        warnings: [...enforced.verdict.warnings, ...auditWarnings(changes)],
      },
      outcome: AdmissionOutcome.audit,
      ...(enforced.skipReason === undefined ? {} : { skipReason: enforced.skipReason }),
      // Nothing was decided for real: image decisions and missing Secrets count only when enforced.
      decisions: [],
      changes: [],
      missingSecrets: [],
    },
    wouldBe: enforced.outcome,
    changes,
  };
}

/** The changes of `enforced` a Pod's author would notice: images, pull Secrets, pull policies, a refusal. */
export function auditChanges(enforced: Admitted): AuditChange[] {
  const { verdict } = enforced;
  if (!verdict.allowed) {
    const reason = verdict.status?.message ?? 'refused';
    return [{ kind: AuditChangeKind.refusal, message: `would refuse the Pod: ${reason}` }];
  }
  const names = containerNames(enforced.decisions);
  return enforced.changes.flatMap((change) => {
    const message = describeChange(change, names);
    return message === undefined ? [] : [message];
  });
}

/** The warnings for `changes`: at most {@link MAX_AUDIT_WARNINGS}, each at most {@link MAX_WARNING_LENGTH}. */
export function auditWarnings(changes: readonly AuditChange[]): string[] {
  const warnings = changes.map((change) => boundWarning(AUDIT_WARNING_PREFIX + change.message));
  if (warnings.length <= MAX_AUDIT_WARNINGS) return warnings;
  const shown = warnings.slice(0, MAX_AUDIT_WARNINGS - 1);
  const rest = changes.length - shown.length;
  return [...shown, `${AUDIT_WARNING_PREFIX}and ${rest} more changes`];
}

function describeChange(
  change: TemplateChange,
  names: ReadonlyMap<string, string>,
): AuditChange | undefined {
  if (change.reason === ChangeReason.rewritten && change.from !== change.to) {
    return {
      kind: AuditChangeKind.image,
      message: `${describeContainer(change.path, names)}: would rewrite image ${String(change.from)} to ${String(change.to)}`,
    };
  }
  if (change.reason === ChangeReason.pullSecrets) {
    return {
      kind: AuditChangeKind.pullSecrets,
      message: `would set imagePullSecrets to ${listNames(change.to)} (now ${listNames(change.from)})`,
    };
  }
  if (change.reason === ChangeReason.pullPolicy) {
    const from = change.from === null ? 'unset' : String(change.from);
    return {
      kind: AuditChangeKind.pullPolicy,
      message: `${describeContainer(change.path, names)}: would set imagePullPolicy ${String(change.to)} (now ${from})`,
    };
  }
  // Images left alone are no change; the original-images annotation is the webhook's bookkeeping.
  return undefined;
}

/** `/spec/containers/0/image` → `containers[0] "web"`, the form of the enforcing warnings. */
function describeContainer(path: string, names: ReadonlyMap<string, string>): string {
  const match = /\/spec\/(\w+)\/(\d+)\/\w+$/.exec(path);
  if (match === null) return path;
  const [, list = '', index = ''] = match;
  const name = names.get(`${list}/${index}`);
  return `${list}[${index}]${name === undefined ? '' : ` "${name}"`}`;
}

function containerNames(decisions: readonly ContainerDecision[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const { container } of decisions) {
    if (container.name !== undefined)
      names.set(`${container.list}/${container.index}`, container.name);
  }
  return names;
}

function listNames(value: unknown): string {
  return Array.isArray(value) && value.length > 0 ? `[${value.join(', ')}]` : 'none';
}

function boundWarning(text: string): string {
  return text.length <= MAX_WARNING_LENGTH ? text : `${text.slice(0, MAX_WARNING_LENGTH - 1)}…`;
}
