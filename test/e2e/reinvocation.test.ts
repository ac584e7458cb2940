/**
 * Scenario 8: reinvocation. A second mutating webhook, ordered after ours
 * (the apiserver calls configurations in name order), adds a `sidecar`
 * container. With `reinvocationPolicy: IfNeeded` the apiserver calls ours
 * again and the sidecar is rewritten too; the rewrite is idempotent, so
 * nothing is rewritten twice. With `Never` the sidecar stays as added.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import {
  startBareWebhook,
  type BareWebhook,
  type ReceivedRequest,
} from './support/bare-webhook.ts';
import { startCluster, type E2eCluster } from './support/cluster.ts';
import {
  buildPod,
  createPod,
  imagesByContainer,
  pullSecretNames,
  readOriginalImages,
} from './support/pods.ts';
import {
  applyRegistration,
  waitForAdmission,
  type ReinvocationPolicy,
} from './support/registration.ts';
import { localOnlySkipReason, settings } from './support/settings.ts';
import { deployWebhook, type DeployedWebhook } from './support/webhook-under-test.ts';

const { harborHost, dockerHubProject, imagePullSecrets } = settings.expected;
const onHarbor = (repository: string): string => `${harborHost}/${dockerHubProject}/${repository}`;

/** The other webhook's patch: add a `sidecar` container unless there is one. */
function addSidecar(request: ReceivedRequest) {
  const pod = request.object as V1Pod;
  if (pod.spec?.containers.some((container) => container.name === 'sidecar') === true) return [];
  return [
    { op: 'add', path: '/spec/containers/-', value: { name: 'sidecar', image: 'busybox:1.36' } },
  ] as const;
}

const skip = localOnlySkipReason();

describe('Reinvocation after a later webhook adds a container', { skip }, () => {
  let cluster: E2eCluster | undefined;
  let sidecar: BareWebhook | undefined;
  const webhooks: DeployedWebhook[] = [];

  before(async () => {
    cluster = await startCluster();
    sidecar = await startBareWebhook({ respond: addSidecar });
  });

  after(async () => {
    for (const webhook of webhooks) await webhook.stop();
    await sidecar?.stop();
    await cluster?.stop();
  });

  /**
   * Ours with `reinvocationPolicy`, then the sidecar webhook, both for one
   * namespace; returns the namespace and our webhook once both are in force.
   */
  async function setUp(scenario: string, reinvocationPolicy: ReinvocationPolicy) {
    const webhook = await deployWebhook(cluster!, {
      scenario,
      registration: { reinvocationPolicy },
    });
    webhooks.push(webhook);
    // Named to sort after ours ("…-harbor-image-webhook"), so the apiserver calls it second.
    await applyRegistration(cluster!.admissionregistration, {
      name: `e2e-${scenario}-z-sidecar`,
      url: sidecar!.url,
      caBundle: sidecar!.caBundle,
      reinvocationPolicy: 'Never',
      namespaceLabels: webhook.namespaceLabels,
      webhookName: 'sidecar.e2e.harbor-image-webhook.io',
    });
    const namespace = await cluster!.namespaces.create(scenario, {
      optIn: true,
      labels: webhook.namespaceLabels,
    });
    await waitForAdmission(
      cluster!.core,
      namespace,
      (outcome) => outcome.admitted && imagesByContainer(outcome.pod)['sidecar'] !== undefined,
      { description: `the sidecar webhook adds its container in ${namespace}` },
    );
    return { namespace, webhook };
  }

  it('rewrites the container a later webhook adds when reinvocationPolicy is IfNeeded, and rewrites nothing twice', async () => {
    const { namespace, webhook } = await setUp('reinvoked', 'IfNeeded');

    const stored = await createPod(
      cluster!.core,
      namespace,
      buildPod('app', [{ name: 'web', image: 'nginx:1.25' }]),
    );

    assert.deepEqual(imagesByContainer(stored), {
      web: onHarbor('library/nginx:1.25'),
      sidecar: onHarbor('library/busybox:1.36'),
    });
    assert.deepEqual(readOriginalImages(stored), { web: 'nginx:1.25', sidecar: 'busybox:1.36' });
    assert.deepEqual(pullSecretNames(stored), [...imagePullSecrets]);
    const seenBySidecar = sidecar!.received.filter(
      (request) => request.namespace === namespace && !request.dryRun,
    );
    assert.equal(seenBySidecar.length, 1, 'the sidecar webhook is called once');
    assert.equal(
      imagesByContainer(seenBySidecar[0]!.object as V1Pod)['web'],
      onHarbor('library/nginx:1.25'),
      'ours ran first',
    );
    const reviews = webhook
      .process!.output()
      .split('\n')
      .filter(
        (line) =>
          line.includes('"msg":"admission reviewed"') &&
          line.includes(`"namespace":"${namespace}"`) &&
          !line.includes('"dryRun":true'),
      );
    assert.equal(
      reviews.length,
      2,
      `ours is called twice, once more after the sidecar:\n${reviews.join('\n')}`,
    );
  });

  it('leaves the container a later webhook adds as it is when reinvocationPolicy is Never', async () => {
    const { namespace } = await setUp('not-reinvoked', 'Never');

    const stored = await createPod(
      cluster!.core,
      namespace,
      buildPod('app', [{ name: 'web', image: 'nginx:1.25' }]),
    );

    assert.deepEqual(imagesByContainer(stored), {
      web: onHarbor('library/nginx:1.25'),
      sidecar: 'busybox:1.36',
    });
    assert.deepEqual(readOriginalImages(stored), { web: 'nginx:1.25' });
  });
});
