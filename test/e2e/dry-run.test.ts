/**
 * Scenario 2: a server-side dry run (`dryRun=All`) goes through admission,
 * so it shows the Pod exactly as the webhook would change it, and stores
 * nothing (the registration says `sideEffects: None`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectApiError } from './support/api-errors.ts';
import { startCluster, type E2eCluster } from './support/cluster.ts';
import { buildPod, createPod, imagesByContainer, readOriginalImages } from './support/pods.ts';
import { e2eSkipReason, settings } from './support/settings.ts';
import { deployWebhook, type DeployedWebhook } from './support/webhook-under-test.ts';

const { harborHost, dockerHubProject } = settings.expected;

describe('Server-side dry run', { skip: e2eSkipReason() }, () => {
  let cluster: E2eCluster | undefined;
  let webhook: DeployedWebhook | undefined;

  before(async () => {
    cluster = await startCluster();
    webhook = await deployWebhook(cluster, { scenario: 'dry-run' });
  });

  after(async () => {
    await webhook?.stop();
    await cluster?.stop();
  });

  it('returns the mutated Pod from a dryRun=All create and stores nothing', async () => {
    const { core, namespaces } = cluster!;
    const namespace = await namespaces.create('dry-run', {
      optIn: true,
      labels: webhook!.namespaceLabels,
    });
    const pod = buildPod('preview', [{ name: 'web', image: 'nginx:1.25' }]);

    const answered = await createPod(core, namespace, pod, { dryRun: true });

    assert.deepEqual(imagesByContainer(answered), {
      web: `${harborHost}/${dockerHubProject}/library/nginx:1.25`,
    });
    assert.deepEqual(readOriginalImages(answered), { web: 'nginx:1.25' });
    const { status } = await expectApiError(() =>
      core.readNamespacedPod({ name: 'preview', namespace }),
    );
    assert.equal(status, 404);
    const list = await core.listNamespacedPod({ namespace });
    assert.deepEqual(list.items, []);
  });
});
