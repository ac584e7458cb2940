/**
 * `cert-bootstrap create`: makes, keeps or renews the webhook's TLS Secret.
 * Idempotent, so it can run as a pre-install and pre-upgrade hook on every
 * release: a Secret that is still good is left alone.
 */
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import {
  inspectCertificate,
  parseCertificateBundle,
  RenewalAction,
  renewCertificates,
  type RenewalPlan,
  type RenewalRequest,
} from '../../src/certificates/index.ts';
import { HttpStatus, hasHttpStatus } from './api-status.ts';
import type { CertificateSettings } from './certificate-settings.ts';
import { retryOnConflict, type RetryPolicy } from './conflict-retry.ts';
import { buildTlsSecret, decodeTlsSecretData, tlsSecretType } from './tls-secret.ts';

/** The CoreV1Api calls `create` makes; tests pass a fake. */
export type SecretClient = Pick<
  CoreV1Api,
  'readNamespacedSecret' | 'createNamespacedSecret' | 'replaceNamespacedSecret'
>;

/** Flags of `create`. */
export interface CreateOptions extends CertificateSettings {
  namespace: string;
  secretName: string;
  service: string;
  extraSubjectAltNames: { dnsNames: string[]; ipAddresses: string[] };
  /** Send writes with `dryRun=All`: the apiserver validates them and stores nothing. */
  dryRun: boolean;
}

/** What `create` did, printed as one JSON line. Never holds key material. */
export interface CreateResult {
  command: 'create';
  secret: string;
  action: RenewalPlan['action'];
  reason: string;
  write: 'created' | 'replaced' | 'none';
  dryRun: boolean;
  servingNotAfter: string;
  caCertificates: number;
}

/** Runs `create` against `secrets`. `now` and `retry` are for tests. */
export async function createTlsSecret(
  secrets: SecretClient,
  options: CreateOptions,
  context: { now?: () => Date; retry?: RetryPolicy } = {},
): Promise<CreateResult> {
  const now = context.now ?? (() => new Date());
  return retryOnConflict(async () => {
    const existing = await readSecret(secrets, options);
    const stored = decodeTlsSecretData(existing?.data);
    const plan = renewCertificates(stored, buildRenewalRequest(options, now()));
    if (plan.action === RenewalAction.keep) return summarize(options, plan, 'none', stored);
    const target = { namespace: options.namespace, name: options.secretName };
    const body = buildTlsSecret(target, plan.data, existing);
    const dryRun = options.dryRun ? { dryRun: 'All' } : {};
    if (existing === undefined) {
      await secrets.createNamespacedSecret({ namespace: target.namespace, body, ...dryRun });
      return summarize(options, plan, 'created', plan.data);
    }
    await secrets.replaceNamespacedSecret({ ...target, body, ...dryRun });
    return summarize(options, plan, 'replaced', plan.data);
  }, context.retry);
}

/** The names a Service is reached by from inside the cluster, plus any extras. */
export function buildRenewalRequest(options: CreateOptions, now: Date): RenewalRequest {
  const { service, namespace } = options;
  const serviceNames = [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
  const serviceFqdn = `${service}.${namespace}.svc`;
  return {
    // X.509 caps commonName at 64 characters; clients match on the SANs anyway.
    commonName: serviceFqdn.length <= 64 ? serviceFqdn : service,
    dnsNames: [...new Set([...serviceNames, ...options.extraSubjectAltNames.dnsNames])],
    ipAddresses: [...new Set(options.extraSubjectAltNames.ipAddresses)],
    keyAlgorithm: options.keyAlgorithm,
    validityDays: options.validityDays,
    caValidityDays: options.caValidityDays,
    renewBeforeDays: options.renewBeforeDays,
    now,
  };
}

async function readSecret(
  secrets: SecretClient,
  options: CreateOptions,
): Promise<V1Secret | undefined> {
  let secret: V1Secret;
  try {
    secret = await secrets.readNamespacedSecret({
      name: options.secretName,
      namespace: options.namespace,
    });
  } catch (error) {
    if (hasHttpStatus(error, HttpStatus.notFound)) return undefined;
    throw new Error(`cannot read Secret ${options.namespace}/${options.secretName}`, {
      cause: error,
    });
  }
  // A Secret's type is immutable, so a replace could never fix this one.
  if (secret.type !== tlsSecretType) {
    throw new Error(
      `Secret ${options.namespace}/${options.secretName} has type ${secret.type ?? 'Opaque'}, not ${tlsSecretType}; delete it or choose another --secret-name`,
    );
  }
  return secret;
}

function summarize(
  options: CreateOptions,
  plan: RenewalPlan,
  write: CreateResult['write'],
  data: { 'tls.crt'?: string; 'ca.crt'?: string },
): CreateResult {
  return {
    command: 'create',
    secret: `${options.namespace}/${options.secretName}`,
    action: plan.action,
    reason: plan.reason,
    write,
    dryRun: options.dryRun,
    servingNotAfter: inspectCertificate(data['tls.crt'] ?? '').notAfter.toISOString(),
    caCertificates: parseCertificateBundle(data['ca.crt'] ?? '').length,
  };
}
