/**
 * Scenario 5: what the apiserver does when the webhook is down or slow.
 * `failurePolicy: Fail` refuses the Pod with the apiserver's error, `Ignore`
 * admits it unmutated; `timeoutSeconds` bounds how long a slow webhook can
 * hold a Pod creation. The measured delays are reported as diagnostics.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { expectApiError } from './support/api-errors.ts';
import { startBareWebhook, type BareWebhook } from './support/bare-webhook.ts';
import { startCluster, type E2eCluster } from './support/cluster.ts';
import {
  buildPod,
  createPod,
  imagesByContainer,
  pullSecretNames,
  readOriginalImages,
} from './support/pods.ts';
import { applyRegistration, waitForAdmission, type FailurePolicy } from './support/registration.ts';
import { localOnlySkipReason } from './support/settings.ts';
import { deployWebhook, SCENARIO_LABEL } from './support/webhook-under-test.ts';

const WEBHOOK_NAME = 'pods.harbor-image-webhook.io';
/** Far longer than the 1 s timeoutSeconds of its registrations. */
const SLOW_WEBHOOK_DELAY_MS = 6_000;

const pod = (): V1Pod => buildPod('app', [{ name: 'web', image: 'nginx:1.25' }]);

function assertUnmutated(stored: V1Pod): void {
  assert.deepEqual(imagesByContainer(stored), { web: 'nginx:1.25' });
  assert.deepEqual(pullSecretNames(stored), []);
  assert.equal(readOriginalImages(stored), undefined);
}

async function timed<T>(call: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await call();
  return { result, ms: Math.round(performance.now() - start) };
}

describe('failurePolicy and timeoutSeconds', { skip: localOnlySkipReason() }, () => {
  let cluster: E2eCluster | undefined;
  let slow: BareWebhook | undefined;
  const stops: (() => Promise<void>)[] = [];

  before(async () => {
    cluster = await startCluster();
    slow = await startBareWebhook({ delayMs: SLOW_WEBHOOK_DELAY_MS });
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
    await slow?.stop();
    await cluster?.stop();
  });

  /** A namespace served by our webhook, which is then stopped; its registration stays. */
  async function namespaceOfStoppedWebhook(failurePolicy: FailurePolicy): Promise<string> {
    const scenario = `stopped-${failurePolicy.toLowerCase()}`;
    const webhook = await deployWebhook(cluster!, { scenario, registration: { failurePolicy } });
    stops.push(() => webhook.stop());
    const namespace = await cluster!.namespaces.create(scenario, {
      optIn: true,
      labels: webhook.namespaceLabels,
    });
    await webhook.process!.stop();
    return namespace;
  }

  /** A namespace whose only webhook answers after 6 s, registered with timeoutSeconds 1. */
  async function namespaceOfSlowWebhook(failurePolicy: FailurePolicy): Promise<string> {
    const scenario = `slow-${failurePolicy.toLowerCase()}`;
    const labels = { [SCENARIO_LABEL]: scenario };
    await applyRegistration(cluster!.admissionregistration, {
      name: `e2e-${scenario}`,
      url: slow!.url,
      caBundle: slow!.caBundle,
      failurePolicy,
      timeoutSeconds: 1,
      namespaceLabels: labels,
    });
    const namespace = await cluster!.namespaces.create(scenario, { optIn: true, labels });
    await waitForAdmission(
      cluster!.core,
      namespace,
      () => slow!.received.some((request) => request.namespace === namespace),
      { description: `the slow webhook is called for ${namespace}` },
    );
    return namespace;
  }

  it('refuses a Pod with the apiserver error naming the webhook when the webhook is stopped and failurePolicy is Fail', async (t) => {
    const namespace = await namespaceOfStoppedWebhook('Fail');

    const { result: refusal, ms } = await timed(() =>
      expectApiError(() => createPod(cluster!.core, namespace, pod())),
    );

    assert.equal(refusal.status, 500);
    assert.match(refusal.message, new RegExp(`failed calling webhook "${WEBHOOK_NAME}"`));
    assert.match(refusal.message, /connection refused/);
    t.diagnostic(`Fail, webhook stopped: refused after ${ms} ms: ${refusal.message}`);
  });

  it('admits the Pod unmutated when the webhook is stopped and failurePolicy is Ignore', async (t) => {
    const namespace = await namespaceOfStoppedWebhook('Ignore');

    const { result: stored, ms } = await timed(() => createPod(cluster!.core, namespace, pod()));

    assertUnmutated(stored);
    t.diagnostic(`Ignore, webhook stopped: admitted unmutated after ${ms} ms`);
  });

  it('refuses a Pod after about timeoutSeconds when the webhook answers later and failurePolicy is Fail', async (t) => {
    const namespace = await namespaceOfSlowWebhook('Fail');

    const { result: refusal, ms } = await timed(() =>
      expectApiError(() => createPod(cluster!.core, namespace, pod())),
    );

    assert.equal(refusal.status, 500);
    assert.match(refusal.message, /failed calling webhook "pods\.harbor-image-webhook\.io"/);
    assert.match(refusal.message, /deadline exceeded|timeout/i);
    assert.ok(ms >= 900 && ms < 3_000, `refused after ${ms} ms, expected about 1 s`);
    t.diagnostic(
      `Fail, webhook slower than timeoutSeconds=1: refused after ${ms} ms: ${refusal.message}`,
    );
  });

  it('admits the Pod unmutated after about timeoutSeconds when the webhook answers later and failurePolicy is Ignore', async (t) => {
    const namespace = await namespaceOfSlowWebhook('Ignore');

    const { result: stored, ms } = await timed(() => createPod(cluster!.core, namespace, pod()));

    assertUnmutated(stored);
    assert.ok(ms >= 900 && ms < 3_000, `admitted after ${ms} ms, expected about 1 s`);
    t.diagnostic(`Ignore, webhook slower than timeoutSeconds=1: admitted unmutated after ${ms} ms`);
  });
});
