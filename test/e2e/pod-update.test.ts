/**
 * Pod UPDATE: `kubectl set image` on a bare Pod goes through the webhook like
 * a CREATE, for the containers whose image it changes; an update that changes
 * no image passes with no patch. Also: a Pod whose annotations leave no room
 * for the record is still admitted, rewritten, without the record.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type E2eCluster } from './support/cluster.ts';
import {
  buildPod,
  createPod,
  imagesByContainer,
  ORIGINAL_IMAGES_ANNOTATION,
  pullPoliciesByContainer,
  readOriginalImages,
} from './support/pods.ts';
import { e2eSkipReason, settings } from './support/settings.ts';
import { assertSucceeded, kubectl } from './support/tools.ts';
import { deployWebhook, type DeployedWebhook } from './support/webhook-under-test.ts';

const { harborHost, dockerHubProject } = settings.expected;
const onHarbor = (repository: string): string => `${harborHost}/${dockerHubProject}/${repository}`;

/** Kubernetes' `TotalAnnotationSizeLimitB`. */
const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;

describe('Pod UPDATE', { skip: e2eSkipReason() }, () => {
  let cluster: E2eCluster | undefined;
  let webhook: DeployedWebhook | undefined;
  let namespace = '';

  before(async () => {
    cluster = await startCluster();
    webhook = await deployWebhook(cluster, { scenario: 'pod-update' });
    namespace = await cluster.namespaces.create('pod-update', {
      optIn: true,
      labels: webhook.namespaceLabels,
    });
  });

  after(async () => {
    await webhook?.stop();
    await cluster?.stop();
  });

  /** The webhook's log lines about UPDATEs of `name` in this file's namespace (local mode). */
  function updateReviews(name: string): Record<string, unknown>[] {
    return (webhook?.process?.output() ?? '')
      .split('\n')
      .filter((line) => line.includes('"msg":"admission reviewed"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter(
        (line) =>
          line['operation'] === 'UPDATE' &&
          line['namespace'] === namespace &&
          line['name'] === name,
      );
  }

  it('kubectl set image ends with the Harbor image, the record updated, and the other container as it was', async () => {
    const { core, kubeconfigFile } = cluster!;
    await createPod(
      core,
      namespace,
      buildPod('app', [
        { name: 'web', image: 'nginx:1.25' },
        { name: 'sidecar', image: 'busybox:1.36' },
      ]),
    );

    const set = await kubectl(kubeconfigFile, [
      ...['--namespace', namespace, 'set', 'image', 'pod/app', 'web=nginx:1.26'],
    ]);
    assertSucceeded('kubectl set image', set);

    const pod = await core.readNamespacedPod({ name: 'app', namespace });
    assert.deepEqual(imagesByContainer(pod), {
      web: onHarbor('library/nginx:1.26'),
      sidecar: onHarbor('library/busybox:1.36'),
    });
    assert.deepEqual(readOriginalImages(pod), { web: 'nginx:1.26', sidecar: 'busybox:1.36' });
    assert.deepEqual(pullPoliciesByContainer(pod), {
      web: 'IfNotPresent',
      sidecar: 'IfNotPresent',
    });
  });

  it('a server-side dry run of kubectl set image shows the Harbor image and stores nothing', async () => {
    const { core, kubeconfigFile } = cluster!;
    await createPod(core, namespace, buildPod('dry', [{ name: 'web', image: 'nginx:1.25' }]));

    const set = await kubectl(kubeconfigFile, [
      ...['--namespace', namespace, 'set', 'image', 'pod/dry', 'web=nginx:1.27'],
      ...['--dry-run=server', '--output', 'json'],
    ]);
    assertSucceeded('kubectl set image --dry-run=server', set);

    const answered = JSON.parse(set.stdout) as Parameters<typeof imagesByContainer>[0];
    assert.deepEqual(imagesByContainer(answered), { web: onHarbor('library/nginx:1.27') });
    const stored = await core.readNamespacedPod({ name: 'dry', namespace });
    assert.deepEqual(imagesByContainer(stored), { web: onHarbor('library/nginx:1.25') });
  });

  it('an update to a mutable tag keeps the pull policy, which a Pod update may not change, and warns', async () => {
    const { core, kubeconfigFile } = cluster!;
    await createPod(core, namespace, buildPod('latest', [{ name: 'web', image: 'nginx:1.25' }]));

    const set = await kubectl(kubeconfigFile, [
      ...['--namespace', namespace, 'set', 'image', 'pod/latest', 'web=nginx:latest'],
    ]);
    assertSucceeded('kubectl set image', set);

    const pod = await core.readNamespacedPod({ name: 'latest', namespace });
    assert.deepEqual(imagesByContainer(pod), { web: onHarbor('library/nginx:latest') });
    assert.deepEqual(pullPoliciesByContainer(pod), { web: 'IfNotPresent' });
    assert.match(set.stderr, /Warning: .*imagePullPolicy stays IfNotPresent/);
  });

  it('an update that changes no image is admitted with no patch', async () => {
    const { core, kubeconfigFile } = cluster!;
    const created = await createPod(
      core,
      namespace,
      buildPod('labelled', [{ name: 'web', image: 'nginx:1.25' }]),
    );

    const label = await kubectl(kubeconfigFile, [
      ...['--namespace', namespace, 'label', 'pod/labelled', 'tier=front'],
    ]);
    assertSucceeded('kubectl label', label);

    const pod = await core.readNamespacedPod({ name: 'labelled', namespace });
    assert.equal(pod.metadata?.labels?.['tier'], 'front');
    assert.deepEqual(imagesByContainer(pod), imagesByContainer(created));
    assert.equal(
      pod.metadata?.annotations?.[ORIGINAL_IMAGES_ANNOTATION],
      created.metadata?.annotations?.[ORIGINAL_IMAGES_ANNOTATION],
    );
    if (webhook?.process !== undefined) {
      const reviews = updateReviews('labelled');
      assert.equal(reviews.length, 1, 'the webhook saw the update');
      assert.equal(reviews[0]?.['outcome'], 'unchanged');
      assert.equal(reviews[0]?.['patchOperations'], 0);
    }
  });

  it('admits and rewrites a Pod whose other annotations leave no room for the record, without the record', async () => {
    const { core } = cluster!;
    // Room for the record's key and a few bytes, not for its value.
    const filler = 'x'.repeat(ANNOTATIONS_SIZE_LIMIT - 'filler'.length - 40);
    const pod = buildPod('crowded', [{ name: 'web', image: 'nginx:1.25' }]);
    pod.metadata = { ...pod.metadata, annotations: { filler } };

    const stored = await createPod(core, namespace, pod);

    assert.deepEqual(imagesByContainer(stored), { web: onHarbor('library/nginx:1.25') });
    assert.equal(stored.metadata?.annotations?.[ORIGINAL_IMAGES_ANNOTATION], undefined);
  });
});
