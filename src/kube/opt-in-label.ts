/**
 * The label that opts a namespace in (`key=value`, as the webhook
 * registration's `namespaceSelector` uses it), checked at start-up so that a
 * typo fails `serve` instead of making every list fail later.
 */

export const DEFAULT_OPT_IN_LABEL = 'harbor-image-webhook/enabled=true';

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** The label selector for `label` (`key=value`); throws with the reason when it is not one. */
export function optInSelector(label: string): string {
  const equals = label.indexOf('=');
  if (equals < 0) throw new Error(`opt-in label "${label}": must be key=value`);
  const key = label.slice(0, equals);
  const value = label.slice(equals + 1);
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
  return `${key}=${value}`;
}
