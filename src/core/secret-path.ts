/**
 * `namespace/name` of a Secret, as the policy's `pullSecretSync.source` and
 * `cert-bootstrap uninstall --pull-secret-source` write it. Kept free of the
 * schema library so the chart's hook commands load it without zod.
 */

/** A namespace (DNS label), a slash, a Secret name (DNS subdomain). */
export const SECRET_PATH = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

/** The parts of `text`, or undefined when it is not `namespace/name`. */
export function parseSecretPath(text: string): { namespace: string; name: string } | undefined {
  if (!SECRET_PATH.test(text)) return undefined;
  const slash = text.indexOf('/');
  return { namespace: text.slice(0, slash), name: text.slice(slash + 1) };
}
