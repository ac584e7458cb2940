/**
 * The label that opts a namespace in (`key=value`, as the webhook
 * registration's `namespaceSelector` uses it), checked at start-up so that a
 * typo fails `serve` instead of making every list fail later.
 */
import { OptInState } from '../core/inventory.ts';

export const DEFAULT_OPT_IN_LABEL = 'harbor-image-webhook/enabled=true';

/**
 * The opt-in key's value that puts a namespace in audit mode, whatever the
 * opt-in label: `harbor-image-webhook/enabled=audit` by default,
 * `example.com/harbor=audit` for `--opt-in-label example.com/harbor=on`.
 * Reserved: an opt-in label may not use it as its own value.
 */
export const AUDIT_VALUE = 'audit';

/** The state `labels` give a namespace under the opt-in label `label` (`key=value`, checked). */
export function optInState(
  label: string,
  labels: Readonly<Record<string, string>> | undefined,
): OptInState {
  const { key, value } = splitLabel(optInSelector(label));
  const actual = labels?.[key];
  if (actual === value) return OptInState.enabled;
  return actual === AUDIT_VALUE ? OptInState.audit : OptInState.off;
}

function splitLabel(label: string): { key: string; value: string } {
  const equals = label.indexOf('=');
  return { key: label.slice(0, equals), value: label.slice(equals + 1) };
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** The label selector for `label` (`key=value`); throws with the reason when it is not one. */
export function optInSelector(label: string): string {
  if (!label.includes('=')) throw new Error(`opt-in label "${label}": must be key=value`);
  const { key, value } = splitLabel(label);
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix))) {
    throw new Error(`opt-in label "${label}": the key's prefix must be a DNS subdomain`);
  }
  if (!NAME.test(name)) {
    throw new Error(
      `opt-in label "${label}": the key's name must be 1-63 alphanumerics, "-", "_" or "."`,
    );
  }
  if (!VALUE.test(value)) {
    throw new Error(
      `opt-in label "${label}": the value must be 0-63 alphanumerics, "-", "_" or "."`,
    );
  }
  if (value === AUDIT_VALUE) {
    throw new Error(
      `opt-in label "${label}": the value "${AUDIT_VALUE}" is reserved for audit mode; choose another`,
    );
  }
  return `${key}=${value}`;
}
