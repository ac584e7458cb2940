/**
 * Scenario 1: the apiserver calls the webhook only for namespaces that opted
 * in by label, never for kube-system, and stores the Pod the webhook patched.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { startCluster, type E2eCluster } from './support/cluster.ts';
import { labelNamespace, RUN_ID } from './support/namespaces.ts';
import {
  buildPod,
  createPod,
  imagesByContainer,
  pullPoliciesByContainer,
  pullSecretNames,
  readOriginalImages,
} from './support/pods.ts';
import { e2eSkipReason, settings } from './support/settings.ts';
import { deployWebhook, type DeployedWebhook } from './support/webhook-under-test.ts';

const { harborHost, dockerHubProject, imagePullSecrets, optInLabel } = settings.expected;
const onHarbor = (repository: string): string => `${harborHost}/${dockerHubProject}/${repository}`;

/** One Pod with a pinned tag, an untagged image and an init container; it brings a pull secret of its own. */
function samplePod(): V1Pod {
  const pod = buildPod(
    'shop',
    [
      { name: 'web', image: 'nginx:1.25' },
      { name: 'cache', image: 'bitnami/redis' },
    ],
    [{ name: 'migrate', image: 'busybox:1.36' }],
  );
  pod.spec!.imagePullSecrets = [{ name: 'own-registry' }];
  return pod;
}

describe('Namespace opt-in', { skip: e2eSkipReason() }, () => {
  let cluster: E2eCluster | undefined;
  let webhook: DeployedWebhook | undefined;

  before(async () => {
    cluster = await startCluster();
    webhook = await deployWebhook(cluster, { scenario: 'opt-in' });
  });

  after(async () => {
    await webhook?.stop();
    await cluster?.stop();
  });

  it('rewrites the images of containers and initContainers of a Pod created in an opted-in namespace, adds the pull secrets, sets the pull policies and records the original images', async () => {
    const { core, namespaces } = cluster!;
    const namespace = await namespaces.create('opted-in', {
      optIn: true,
      labels: webhook!.namespaceLabels,
    });

    await createPod(core, namespace, samplePod());
    const stored = await core.readNamespacedPod({ name: 'shop', namespace });

    assert.deepEqual(imagesByContainer(stored), {
      migrate: onHarbor('library/busybox:1.36'),
      web: onHarbor('library/nginx:1.25'),
      cache: onHarbor('bitnami/redis'),
    });
    assert.deepEqual(pullSecretNames(stored), ['own-registry', ...imagePullSecrets]);
    assert.deepEqual(pullPoliciesByContainer(stored), {
      migrate: 'IfNotPresent',
      web: 'IfNotPresent',
      cache: 'Always',
    });
    assert.deepEqual(readOriginalImages(stored), {
      migrate: 'busybox:1.36',
      web: 'nginx:1.25',
      cache: 'bitnami/redis',
    });
  });

  it('leaves the same Pod untouched in a namespace without the opt-in label', async () => {
    const { core, namespaces } = cluster!;
    const namespace = await namespaces.create('not-opted-in', {
      optIn: false,
      labels: webhook!.namespaceLabels,
    });

    const stored = await createPod(core, namespace, samplePod());

    assertUntouched(stored);
  });

  const relabelsKubeSystem =
    settings.mode === 'existing' ? 'does not relabel kube-system of an existing cluster' : false;

  it(
    'leaves the same Pod untouched in kube-system, even when kube-system carries the opt-in label',
    {
      skip: relabelsKubeSystem,
    },
    async () => {
      const { core } = cluster!;
      // Every label our registration selects on: only its NotIn kube-system clause keeps it out.
      await labelNamespace(core, 'kube-system', {
        [optInLabel.key]: optInLabel.value,
        ...webhook!.namespaceLabels,
      });
      const pod = samplePod();
      pod.metadata!.name = `shop-${RUN_ID}`;

      const stored = await createPod(core, 'kube-system', pod);
      await core.deleteNamespacedPod({ name: pod.metadata!.name, namespace: 'kube-system' });

      assertUntouched(stored);
    },
  );
});

function assertUntouched(stored: V1Pod): void {
  assert.deepEqual(imagesByContainer(stored), {
    migrate: 'busybox:1.36',
    web: 'nginx:1.25',
    cache: 'bitnami/redis',
  });
  assert.deepEqual(pullSecretNames(stored), ['own-registry']);
  // What the apiserver's defaulting alone gives (see the pull-policy scenario).
  assert.deepEqual(pullPoliciesByContainer(stored), {
    migrate: 'IfNotPresent',
    web: 'IfNotPresent',
    cache: 'Always',
  });
  assert.equal(readOriginalImages(stored), undefined);
}
