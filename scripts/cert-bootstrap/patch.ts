/**
 * `cert-bootstrap patch`: copies `ca.crt` from the Secret into `caBundle` of
 * every webhook in a MutatingWebhookConfiguration, and optionally sets their
 * `failurePolicy`. Only those fields change; nothing is written when they
 * already hold the wanted values.
 */
import type {
  AdmissionregistrationV1Api,
  CoreV1Api,
  V1MutatingWebhook,
} from '@kubernetes/client-node';
import { parseCertificateBundle } from '../../src/certificates/index.ts';
import { HttpStatus, hasHttpStatus } from './api-status.ts';
import { retryOnConflict, type RetryPolicy } from './conflict-retry.ts';

/** The apiserver's answer when a webhook call fails: reject the request, or let it through unmutated. */
export const FailurePolicy = { fail: 'Fail', ignore: 'Ignore' } as const;
/** One of {@link FailurePolicy}'s values. */
export type FailurePolicy = (typeof FailurePolicy)[keyof typeof FailurePolicy];

/** The API calls `patch` makes; tests pass fakes. */
export interface PatchClients {
  secrets: Pick<CoreV1Api, 'readNamespacedSecret'>;
  webhookConfigurations: Pick<
    AdmissionregistrationV1Api,
    'readMutatingWebhookConfiguration' | 'replaceMutatingWebhookConfiguration'
  >;
}

/** Flags of `patch`. */
export interface PatchOptions {
  namespace: string;
  secretName: string;
  webhookName: string;
  failurePolicy?: FailurePolicy;
  /** Send the write with `dryRun=All`. */
  dryRun: boolean;
}

/** What `patch` did, printed as one JSON line. */
export interface PatchResult {
  command: 'patch';
  mutatingWebhookConfiguration: string;
  secret: string;
  /** Names of the webhooks whose caBundle or failurePolicy changed; empty when nothing was written. */
  changedWebhooks: string[];
  webhooks: number;
  dryRun: boolean;
}

/** Runs `patch`. `retry` is for tests. */
export async function patchCaBundle(
  clients: PatchClients,
  options: PatchOptions,
  context: { retry?: RetryPolicy } = {},
): Promise<PatchResult> {
  const caBundle = await readCaBundle(clients.secrets, options);
  const name = options.webhookName;
  return retryOnConflict(async () => {
    const configuration = await clients.webhookConfigurations.readMutatingWebhookConfiguration({
      name,
    });
    const webhooks = configuration.webhooks ?? [];
    if (webhooks.length === 0) {
      throw new Error(`MutatingWebhookConfiguration ${name} has no webhooks to patch`);
    }
    const changedWebhooks = webhooks.filter((webhook) => updateWebhook(webhook, caBundle, options));
    if (changedWebhooks.length > 0) {
      // The read object still carries its resourceVersion: a concurrent write answers 409.
      const dryRun = options.dryRun ? { dryRun: 'All' } : {};
      await clients.webhookConfigurations.replaceMutatingWebhookConfiguration({
        name,
        body: configuration,
        ...dryRun,
      });
    }
    return {
      command: 'patch',
      mutatingWebhookConfiguration: name,
      secret: `${options.namespace}/${options.secretName}`,
      changedWebhooks: changedWebhooks.map((webhook) => webhook.name),
      webhooks: webhooks.length,
      dryRun: options.dryRun,
    };
  }, context.retry);
}

/** `ca.crt` of the Secret, still base64 as `caBundle` wants it; refuses a Secret without a CA. */
async function readCaBundle(
  secrets: PatchClients['secrets'],
  options: PatchOptions,
): Promise<string> {
  const secretName = `${options.namespace}/${options.secretName}`;
  let caBundle: string | undefined;
  try {
    const secret = await secrets.readNamespacedSecret({
      name: options.secretName,
      namespace: options.namespace,
    });
    caBundle = secret.data?.['ca.crt'];
  } catch (error) {
    if (hasHttpStatus(error, HttpStatus.notFound)) {
      throw new Error(`Secret ${secretName} not found; run "create" first`, { cause: error });
    }
    throw new Error(`cannot read Secret ${secretName}`, { cause: error });
  }
  const pem = Buffer.from(caBundle ?? '', 'base64').toString('utf8');
  if (parseCertificateBundle(pem).length === 0) {
    throw new Error(`Secret ${secretName} has no CA certificate in ca.crt`);
  }
  return caBundle ?? '';
}

// Mutates the freshly read webhook; returns whether anything changed.
function updateWebhook(
  webhook: V1MutatingWebhook,
  caBundle: string,
  options: PatchOptions,
): boolean {
  let changed = false;
  if (webhook.clientConfig.caBundle !== caBundle) {
    webhook.clientConfig.caBundle = caBundle;
    changed = true;
  }
  if (
    options.failurePolicy !== undefined &&
    !isAuditEntry(webhook) &&
    webhook.failurePolicy !== options.failurePolicy
  ) {
    webhook.failurePolicy = options.failurePolicy;
    changed = true;
  }
  return changed;
}

/**
 * The registration's audit entry (path `/audit`) keeps its own `Ignore`: an
 * audit namespace only gets warnings, so an unreachable webhook must never
 * refuse its Pods, whatever `--failure-policy` says for enforcing.
 */
function isAuditEntry(webhook: V1MutatingWebhook): boolean {
  const { service, url } = webhook.clientConfig;
  // A url is not parsed: a malformed one is the apiserver's to refuse, not a reason to fail here.
  return service?.path === '/audit' || url?.replace(/[?#].*$/, '').endsWith('/audit') === true;
}
