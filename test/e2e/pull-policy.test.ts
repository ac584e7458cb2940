/**
 * Scenario 4: what the apiserver does to `imagePullPolicy` before any
 * webhook sees the Pod, and what each policy mode then yields. One `serve`
 * per mode, each registered for its own namespaces; a recording webhook
 * shows what a webhook receives. The table below is what the README states.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { startBareWebhook, type BareWebhook } from './support/bare-webhook.ts';
import { startCluster, type E2eCluster } from './support/cluster.ts';
import { buildPod, createPod, imagesByContainer, pullPoliciesByContainer } from './support/pods.ts';
import { applyRegistration, waitForAdmission } from './support/registration.ts';
import { localOnlySkipReason, settings } from './support/settings.ts';
import {
  deployWebhook,
  SCENARIO_LABEL,
  type DeployedWebhook,
} from './support/webhook-under-test.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const MODES = ['enforce', 'ifNotSet', 'off'] as const;
type Mode = (typeof MODES)[number];

interface Row {
  readonly container: string;
  readonly image: string;
  /** In the manifest; undefined: not set. */
  readonly manifest?: string;
  /** What the apiserver stores without a webhook, and what a webhook receives. */
  readonly defaulted: string;
  readonly yields: Readonly<Record<Mode, string>>;
}

const same = (policy: string): Record<Mode, string> => ({
  enforce: policy,
  ifNotSet: policy,
  off: policy,
});

/** The facts this file proves, one row per container. */
const TABLE: readonly Row[] = [
  {
    container: 'pinned',
    image: 'nginx:1.25',
    defaulted: 'IfNotPresent',
    yields: same('IfNotPresent'),
  },
  { container: 'untagged', image: 'nginx', defaulted: 'Always', yields: same('Always') },
  { container: 'latest', image: 'nginx:latest', defaulted: 'Always', yields: same('Always') },
  {
    container: 'digest',
    image: `nginx@${DIGEST}`,
    defaulted: 'IfNotPresent',
    yields: same('IfNotPresent'),
  },
  {
    container: 'latest-and-digest',
    image: `nginx:latest@${DIGEST}`,
    defaulted: 'Always',
    // enforce would pick IfNotPresent for a digest, but never lowers Always.
    yields: same('Always'),
  },
  {
    container: 'pinned-always',
    image: 'nginx:1.25',
    manifest: 'Always',
    defaulted: 'Always',
    yields: same('Always'),
  },
  {
    container: 'latest-ifnotpresent',
    image: 'nginx:latest',
    manifest: 'IfNotPresent',
    defaulted: 'IfNotPresent',
    yields: { ...same('IfNotPresent'), enforce: 'Always' },
  },
  {
    container: 'pinned-never',
    image: 'nginx:1.25',
    manifest: 'Never',
    defaulted: 'Never',
    yields: same('Never'),
  },
  {
    container: 'no-rule',
    image: 'quay.io/org/tool',
    manifest: 'IfNotPresent',
    defaulted: 'IfNotPresent',
    yields: { ...same('IfNotPresent'), enforce: 'Always' },
  },
];

function tablePod(name: string): V1Pod {
  const containers: V1Container[] = TABLE.map((row) => ({
    name: row.container,
    image: row.image,
    ...(row.manifest === undefined ? {} : { imagePullPolicy: row.manifest }),
  }));
  return buildPod(name, containers);
}

function expectedColumn(pick: (row: Row) => string): Record<string, string> {
  return Object.fromEntries(TABLE.map((row) => [row.container, pick(row)]));
}

const skip = localOnlySkipReason();

describe('imagePullPolicy: apiserver defaulting, then each mode', { skip }, () => {
  let cluster: E2eCluster | undefined;
  let recorder: BareWebhook | undefined;
  const webhooks = new Map<Mode, DeployedWebhook>();

  before(async () => {
    cluster = await startCluster();
    recorder = await startBareWebhook();
    await applyRegistration(cluster.admissionregistration, {
      name: 'e2e-pull-policy-recorder',
      url: recorder.url,
      caBundle: recorder.caBundle,
      namespaceLabels: { [SCENARIO_LABEL]: 'pull-policy-recorder' },
    });
    for (const mode of MODES) {
      const scenario = `pull-policy-${mode.toLowerCase()}`;
      webhooks.set(
        mode,
        await deployWebhook(cluster, { scenario, policy: { imagePullPolicy: mode } }),
      );
    }
  });

  after(async () => {
    for (const webhook of webhooks.values()) await webhook.stop();
    await recorder?.stop();
    await cluster?.stop();
  });

  it('defaults an unset imagePullPolicy from the tag before any webhook sees the Pod, and keeps an explicit one', async (t) => {
    const { core, namespaces } = cluster!;
    const plain = await namespaces.create('pull-policy-plain', { optIn: false });
    const recorded = await namespaces.create('pull-policy-recorded', {
      optIn: true,
      labels: { [SCENARIO_LABEL]: 'pull-policy-recorder' },
    });
    await waitForAdmission(core, recorded, () => recorder!.received.length > 0, {
      description: 'the recording webhook is called',
    });

    const stored = await createPod(core, plain, tablePod('table'));
    await createPod(core, recorded, tablePod('table'));

    const expected = expectedColumn((row) => row.defaulted);
    assert.deepEqual(pullPoliciesByContainer(stored), expected);
    const review = recorder!.received.find(
      (request) => (request.object as V1Pod).metadata?.name === 'table',
    );
    assert.ok(review, 'the recording webhook saw the Pod');
    assert.deepEqual(pullPoliciesByContainer(review.object as V1Pod), expected);
    t.diagnostic(`apiserver default: ${JSON.stringify(pullPoliciesByContainer(stored))}`);
  });

  for (const mode of MODES) {
    it(`${describeMode(mode)} (imagePullPolicy: ${mode})`, async (t) => {
      const { core, namespaces } = cluster!;
      const namespace = await namespaces.create(`pull-policy-${mode.toLowerCase()}`, {
        optIn: true,
        labels: webhooks.get(mode)!.namespaceLabels,
      });

      const stored = await createPod(core, namespace, tablePod('table'));

      assert.deepEqual(
        pullPoliciesByContainer(stored),
        expectedColumn((row) => row.yields[mode]),
      );
      assert.equal(
        imagesByContainer(stored)['pinned'],
        `${settings.expected.harborHost}/${settings.expected.dockerHubProject}/library/nginx:1.25`,
      );
      t.diagnostic(`${mode}: ${JSON.stringify(pullPoliciesByContainer(stored))}`);
    });
  }
});

function describeMode(mode: Mode): string {
  switch (mode) {
    case 'enforce':
      return 'raises IfNotPresent to Always for a mutable tag on every container, rewritten or not, and never lowers Always nor touches Never';
    case 'ifNotSet':
      return 'changes nothing, since the apiserver has already set every imagePullPolicy';
    case 'off':
      return 'keeps whatever the manifest or the apiserver chose';
  }
}
