/**
 * Registering a webhook reachable at a URL (our `serve`, or a bare test
 * server) with the apiserver, and waiting until the apiserver really calls it.
 * The apiserver picks up MutatingWebhookConfiguration changes from an
 * informer, so a write is not in force the moment it returns.
 */
import type {
  AdmissionregistrationV1Api,
  CoreV1Api,
  V1MutatingWebhook,
  V1MutatingWebhookConfiguration,
  V1Pod,
} from '@kubernetes/client-node';
import { AUDIT_VALUE } from '../../../src/kube/opt-in-label.ts';
import { apiMessage, apiStatus } from './api-errors.ts';
import { createPod, probePod } from './pods.ts';
import { settings } from './settings.ts';
import { pollUntil } from './wait.ts';

/** The apiserver's answer when the webhook cannot be reached or answers late. */
export type FailurePolicy = 'Fail' | 'Ignore';
/** Whether the apiserver calls the webhook again after a later webhook changed the object. */
export type ReinvocationPolicy = 'Never' | 'IfNeeded';

export interface RegistrationOptions {
  /** Name of the MutatingWebhookConfiguration (cluster-scoped). */
  readonly name: string;
  /** `clientConfig.url`, e.g. `https://127.0.0.1:PORT/mutate`. */
  readonly url: string;
  /** `clientConfig.caBundle`: base64 of the PEM CA that signed the webhook's certificate. */
  readonly caBundle: string;
  /** Default `Fail`, so a webhook the apiserver cannot call shows up as an error. */
  readonly failurePolicy?: FailurePolicy;
  /** Default 5, the chart's default. */
  readonly timeoutSeconds?: number;
  /** Default `IfNeeded`, the chart's default. */
  readonly reinvocationPolicy?: ReinvocationPolicy;
  /**
   * Labels a namespace must carry besides the opt-in label. Give each
   * registration of a test file its own, so they never both match a namespace.
   */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  /** The webhook's name inside the configuration (default `pods.harbor-image-webhook.io`). */
  readonly webhookName?: string;
  /**
   * `clientConfig.url` of the audit entry (`…/audit`), for namespaces whose
   * opt-in key has the value `audit`, as the chart renders it; none when absent.
   */
  readonly auditUrl?: string;
}

/**
 * The registration the chart renders, pointed at a URL: Pod CREATE and UPDATE
 * and `pods/ephemeralcontainers` UPDATE, namespaces with the opt-in label but
 * never kube-system, `sideEffects: None`, `admissionReviewVersions: [v1]`.
 */
export function buildRegistration(options: RegistrationOptions): V1MutatingWebhookConfiguration {
  const { optInLabel } = settings.expected;
  const webhook: V1MutatingWebhook = {
    name: options.webhookName ?? 'pods.harbor-image-webhook.io',
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: options.failurePolicy ?? 'Fail',
    matchPolicy: 'Equivalent',
    reinvocationPolicy: options.reinvocationPolicy ?? 'IfNeeded',
    timeoutSeconds: options.timeoutSeconds ?? 5,
    clientConfig: { url: options.url, caBundle: options.caBundle },
    rules: [
      {
        operations: ['CREATE', 'UPDATE'],
        apiGroups: [''],
        apiVersions: ['v1'],
        resources: ['pods'],
        scope: 'Namespaced',
      },
      {
        operations: ['UPDATE'],
        apiGroups: [''],
        apiVersions: ['v1'],
        resources: ['pods/ephemeralcontainers'],
        scope: 'Namespaced',
      },
    ],
    namespaceSelector: {
      matchLabels: { [optInLabel.key]: optInLabel.value, ...options.namespaceLabels },
      matchExpressions: [
        { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] },
      ],
    },
  };
  // The chart's audit entry: the same webhook at /audit for `key=audit`, never failing, never reinvoked.
  const audit: V1MutatingWebhook[] =
    options.auditUrl === undefined
      ? []
      : [
          {
            ...webhook,
            name: `audit.${webhook.name}`,
            failurePolicy: 'Ignore',
            reinvocationPolicy: 'Never',
            clientConfig: { url: options.auditUrl, caBundle: options.caBundle },
            namespaceSelector: {
              ...webhook.namespaceSelector,
              matchLabels: { [optInLabel.key]: AUDIT_VALUE, ...options.namespaceLabels },
            },
          },
        ];
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {
      name: options.name,
      labels: { 'app.kubernetes.io/part-of': 'harbor-image-webhook-e2e' },
    },
    webhooks: [webhook, ...audit],
  };
}

/** Creates the registration, or replaces the one of that name. */
export async function applyRegistration(
  api: AdmissionregistrationV1Api,
  options: RegistrationOptions,
): Promise<V1MutatingWebhookConfiguration> {
  const body = buildRegistration(options);
  try {
    return await api.createMutatingWebhookConfiguration({ body });
  } catch (error) {
    if (apiStatus(error) !== 409) throw error;
  }
  const existing = await api.readMutatingWebhookConfiguration({ name: options.name });
  body.metadata = { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion ?? '' };
  return api.replaceMutatingWebhookConfiguration({ name: options.name, body });
}

/** Deletes the registration; a missing one is fine. */
export async function deleteRegistration(
  api: AdmissionregistrationV1Api,
  name: string,
): Promise<void> {
  try {
    await api.deleteMutatingWebhookConfiguration({ name });
  } catch (error) {
    if (apiStatus(error) !== 404) throw error;
  }
}

/** What a server-side dry-run create of a probe Pod came back with. */
export type DryRunOutcome =
  | { readonly admitted: true; readonly pod: V1Pod }
  | { readonly admitted: false; readonly message: string };

/**
 * Repeats a server-side dry-run create of a probe Pod in `namespace` until
 * `accept` says the apiserver's answer shows the registration in force, for
 * at most `timeoutMs` (default 30 s). Returns that answer.
 */
export async function waitForAdmission(
  core: CoreV1Api,
  namespace: string,
  accept: (outcome: DryRunOutcome) => boolean,
  options: { description: string; timeoutMs?: number },
): Promise<DryRunOutcome> {
  let last: DryRunOutcome | undefined;
  try {
    return await pollUntil(
      options.description,
      async () => {
        last = await dryRunProbe(core, namespace);
        return accept(last) ? last : undefined;
      },
      { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 250 },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; the last dry run: ${describeOutcome(last)}`, {
      cause: error,
    });
  }
}

function describeOutcome(outcome: DryRunOutcome | undefined): string {
  if (outcome === undefined) return 'none answered';
  if (!outcome.admitted) return `refused: ${outcome.message}`;
  return `admitted with images ${JSON.stringify(outcome.pod.spec?.containers.map((c) => c.image))}`;
}

/** Waits until the probe Pod's image comes back on the Harbor host: our webhook is in force. */
export async function waitUntilRewriting(
  core: CoreV1Api,
  namespace: string,
  harborHost = settings.expected.harborHost,
): Promise<void> {
  await waitForAdmission(
    core,
    namespace,
    (outcome) => outcome.admitted && isOnHarbor(outcome.pod, harborHost),
    { description: `a dry-run Pod in ${namespace} comes back with its image on ${harborHost}` },
  );
}

function isOnHarbor(pod: V1Pod, harborHost: string): boolean {
  return pod.spec?.containers[0]?.image?.startsWith(`${harborHost}/`) === true;
}

async function dryRunProbe(core: CoreV1Api, namespace: string): Promise<DryRunOutcome> {
  try {
    const pod = await createPod(core, namespace, probePod(), { dryRun: true });
    return { admitted: true, pod };
  } catch (error) {
    if (apiStatus(error) === undefined) throw error;
    return { admitted: false, message: apiMessage(error) };
  }
}
