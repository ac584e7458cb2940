/**
 * An apiserver running the `AlwaysPullImages` admission plugin, as
 * multi-tenant clusters do: it sets every container to `Always` before the
 * webhooks and, after them, refuses a Pod with any other value. The webhook
 * never lowers `Always`, so Pods are admitted, created and updated, in every
 * mode.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1Container } from '@kubernetes/client-node';
import { startCluster, type E2eCluster } from './support/cluster.ts';
import {
  buildPod,
  createPod,
  imagesByContainer,
  pullPoliciesByContainer,
  readOriginalImages,
} from './support/pods.ts';
import { localOnlySkipReason, settings } from './support/settings.ts';
import { assertSucceeded, kubectl } from './support/tools.ts';
import { deployWebhook, type DeployedWebhook } from './support/webhook-under-test.ts';

const MODES = ['enforce', 'ifNotSet', 'off'] as const;
type Mode = (typeof MODES)[number];

const { harborHost, dockerHubProject } = settings.expected;
const onHarbor = (repository: string): string => `${harborHost}/${dockerHubProject}/${repository}`;
const DIGEST = `sha256:${'a'.repeat(64)}`;

/** A pinned tag, a digest, a mutable tag, an explicit IfNotPresent, an image no rule matches. */
const CONTAINERS: readonly V1Container[] = [
  { name: 'pinned', image: 'nginx:1.25' },
  { name: 'digest', image: `nginx@${DIGEST}` },
  { name: 'latest', image: 'nginx:latest' },
  { name: 'explicit', image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent' },
  { name: 'no-rule', image: 'quay.io/org/tool:1' },
];

const allAlways = Object.fromEntries(CONTAINERS.map(({ name }) => [name, 'Always']));

describe('With the AlwaysPullImages admission plugin', { skip: localOnlySkipReason() }, () => {
  let cluster: E2eCluster | undefined;
  const webhooks = new Map<Mode, DeployedWebhook>();

  before(async () => {
    cluster = await startCluster({ enableAdmissionPlugins: ['AlwaysPullImages'] });
    for (const mode of MODES) {
      const scenario = `always-pull-${mode.toLowerCase()}`;
      webhooks.set(
        mode,
        await deployWebhook(cluster, { scenario, policy: { imagePullPolicy: mode } }),
      );
    }
  });

  after(async () => {
    for (const webhook of webhooks.values()) await webhook.stop();
    await cluster?.stop();
  });

  for (const mode of MODES) {
    it(`admits Pods with Always on every container, on CREATE and on kubectl set image (imagePullPolicy: ${mode})`, async (t) => {
      const { core, kubeconfigFile, namespaces } = cluster!;
      const namespace = await namespaces.create(`always-pull-${mode.toLowerCase()}`, {
        optIn: true,
        labels: webhooks.get(mode)!.namespaceLabels,
      });

      const created = await createPod(core, namespace, buildPod('app', CONTAINERS));

      // "explicit" (a pinned tag with IfNotPresent) is Always too: the plugin is in force.
      assert.deepEqual(pullPoliciesByContainer(created), allAlways);
      assert.equal(imagesByContainer(created)['pinned'], onHarbor('library/nginx:1.25'));

      const set = await kubectl(kubeconfigFile, [
        ...['--namespace', namespace, 'set', 'image', 'pod/app', 'pinned=nginx:1.26'],
      ]);
      assertSucceeded('kubectl set image', set);

      const updated = await core.readNamespacedPod({ name: 'app', namespace });
      assert.deepEqual(pullPoliciesByContainer(updated), allAlways);
      assert.equal(imagesByContainer(updated)['pinned'], onHarbor('library/nginx:1.26'));
      assert.equal(readOriginalImages(updated)?.['pinned'], 'nginx:1.26');
      t.diagnostic(`${mode}: ${JSON.stringify(imagesByContainer(updated))}`);
    });
  }
});
