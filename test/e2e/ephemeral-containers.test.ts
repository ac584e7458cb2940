/**
 * Scenario 3: `kubectl debug` adds an ephemeral container through the
 * `pods/ephemeralcontainers` subresource (an UPDATE the registration lists);
 * the webhook rewrites the new container's image and pull policy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type E2eCluster } from './support/cluster.ts';
import {
  buildPod,
  createPod,
  imagesByContainer,
  pullPoliciesByContainer,
  readOriginalImages,
} from './support/pods.ts';
import { e2eSkipReason, settings } from './support/settings.ts';
import { assertSucceeded, kubectl } from './support/tools.ts';
import { deployWebhook, type DeployedWebhook } from './support/webhook-under-test.ts';

const { harborHost, dockerHubProject } = settings.expected;
const onHarbor = (repository: string): string => `${harborHost}/${dockerHubProject}/${repository}`;

describe('Ephemeral containers', { skip: e2eSkipReason() }, () => {
  let cluster: E2eCluster | undefined;
  let webhook: DeployedWebhook | undefined;
  let namespace = '';

  before(async () => {
    cluster = await startCluster();
    webhook = await deployWebhook(cluster, { scenario: 'ephemeral' });
    namespace = await cluster.namespaces.create('ephemeral', {
      optIn: true,
      labels: webhook.namespaceLabels,
    });
  });

  after(async () => {
    await webhook?.stop();
    await cluster?.stop();
  });

  it('rewrites the container that kubectl debug adds through the pods/ephemeralcontainers subresource', async () => {
    const { core, kubeconfigFile } = cluster!;
    await createPod(core, namespace, buildPod('app', [{ name: 'web', image: 'nginx:1.25' }]));

    const debug = await kubectl(kubeconfigFile, [
      ...['--namespace', namespace, 'debug', 'app'],
      ...['--image', 'busybox:1.36', '--container', 'debugger', '--profile', 'general'],
    ]);
    assertSucceeded('kubectl debug', debug);

    const pod = await core.readNamespacedPod({ name: 'app', namespace });
    assert.deepEqual(imagesByContainer(pod), {
      web: onHarbor('library/nginx:1.25'),
      debugger: onHarbor('library/busybox:1.36'),
    });
    assert.deepEqual(pullPoliciesByContainer(pod), {
      web: 'IfNotPresent',
      debugger: 'IfNotPresent',
    });
    // The subresource only changes ephemeral containers: the annotation keeps what CREATE wrote.
    assert.deepEqual(readOriginalImages(pod), { web: 'nginx:1.25' });
  });

  it('rewrites each ephemeral container added by replacing the subresource and leaves those already there as they were', async () => {
    const { core } = cluster!;
    await createPod(core, namespace, buildPod('worker', [{ name: 'main', image: 'nginx:1.25' }]));
    const created = await core.readNamespacedPod({ name: 'worker', namespace });
    created.spec!.ephemeralContainers = [
      { name: 'first', image: 'nginx:1.25', imagePullPolicy: 'Always' },
    ];
    const first = await core.replaceNamespacedPodEphemeralcontainers({
      name: 'worker',
      namespace,
      body: created,
    });
    first.spec!.ephemeralContainers!.push({ name: 'second', image: 'alpine' });

    const second = await core.replaceNamespacedPodEphemeralcontainers({
      name: 'worker',
      namespace,
      body: first,
    });

    assert.deepEqual(imagesByContainer(second), {
      main: onHarbor('library/nginx:1.25'),
      first: onHarbor('library/nginx:1.25'),
      second: onHarbor('library/alpine'),
    });
    // "first" keeps the Always it was added with (never lowered); "second" has no tag.
    assert.deepEqual(pullPoliciesByContainer(second), {
      main: 'IfNotPresent',
      first: 'Always',
      second: 'Always',
    });
  });
});
