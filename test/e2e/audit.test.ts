/**
 * Audit mode through the real apiserver: a namespace labelled with the opt-in
 * key and the value `audit` reaches the registration's second entry
 * (`/audit`), its Pods are stored exactly as written, and kubectl prints what
 * the webhook would have changed as warnings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { AUDIT_VALUE } from '../../src/kube/opt-in-label.ts';
import { startCluster, type E2eCluster } from './support/cluster.ts';
import {
  buildPod,
  imagesByContainer,
  pullPoliciesByContainer,
  pullSecretNames,
  readOriginalImages,
} from './support/pods.ts';
import { pollUntil } from './support/wait.ts';
import { localOnlySkipReason, settings } from './support/settings.ts';
import { kubectl } from './support/tools.ts';
import { deployWebhook, type DeployedWebhook } from './support/webhook-under-test.ts';

const { harborHost, dockerHubProject, imagePullSecrets, optInLabel } = settings.expected;

function auditedPod(name: string): V1Pod {
  const pod = buildPod(
    name,
    [{ name: 'web', image: 'nginx:1.25' }],
    [{ name: 'migrate', image: 'busybox:1.36' }],
  );
  pod.spec!.imagePullSecrets = [{ name: 'own-registry' }];
  return pod;
}

describe('Audit mode', { skip: localOnlySkipReason() }, () => {
  let cluster: E2eCluster | undefined;
  let webhook: DeployedWebhook | undefined;
  let namespace = '';

  before(async () => {
    cluster = await startCluster();
    webhook = await deployWebhook(cluster, { scenario: 'audit' });
    namespace = await cluster.namespaces.create('audited', {
      optIn: false,
      labels: { [optInLabel.key]: AUDIT_VALUE, ...webhook.namespaceLabels },
    });
  });

  after(async () => {
    await webhook?.stop();
    await cluster?.stop();
  });

  it('stores the Pod of an audit namespace unchanged, and kubectl prints what would change', async () => {
    const { kubeconfigFile, core } = cluster!;
    const created = await kubectl(
      kubeconfigFile,
      ['-n', namespace, 'create', '-f', '-'],
      JSON.stringify(auditedPod('shop')),
    );
    assert.equal(created.code, 0, created.stderr);

    const stored = await core.readNamespacedPod({ name: 'shop', namespace });
    assert.deepEqual(imagesByContainer(stored), { migrate: 'busybox:1.36', web: 'nginx:1.25' });
    assert.deepEqual(pullSecretNames(stored), ['own-registry']);
    assert.deepEqual(pullPoliciesByContainer(stored), {
      migrate: 'IfNotPresent',
      web: 'IfNotPresent',
    });
    assert.equal(readOriginalImages(stored), undefined);
    const warnings = created.stderr.split('\n').filter((line) => line.startsWith('Warning: '));
    assert.deepEqual(warnings, [
      `Warning: harbor-image-webhook audit: initContainers[0] "migrate": would rewrite image busybox:1.36 to ${harborHost}/${dockerHubProject}/library/busybox:1.36`,
      `Warning: harbor-image-webhook audit: containers[0] "web": would rewrite image nginx:1.25 to ${harborHost}/${dockerHubProject}/library/nginx:1.25`,
      `Warning: harbor-image-webhook audit: would set imagePullSecrets to [${['own-registry', ...imagePullSecrets].join(', ')}] (now [own-registry])`,
    ]);
  });

  it('logs the audited review with what enforcing would have done', async () => {
    const line = await pollUntil(
      'the audited review is logged',
      async () =>
        webhook!.process
          ?.output()
          .split('\n')
          .find((entry) => entry.includes('"outcome":"audit"') && entry.includes(namespace)),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const record = JSON.parse(line) as Record<string, unknown>;
    assert.equal(record['wouldBe'], 'mutated');
    assert.equal(record['patchOperations'], 0);
  });

  it('enforces again once the namespace is relabelled to the opt-in value', async () => {
    const { kubeconfigFile, core } = cluster!;
    const relabelled = await kubectl(kubeconfigFile, [
      'label',
      'namespace',
      namespace,
      '--overwrite',
      `${optInLabel.key}=${optInLabel.value}`,
    ]);
    assert.equal(relabelled.code, 0, relabelled.stderr);
    const created = await kubectl(
      kubeconfigFile,
      ['-n', namespace, 'create', '-f', '-'],
      JSON.stringify(auditedPod('shop-enforced')),
    );
    assert.equal(created.code, 0, created.stderr);

    const stored = await core.readNamespacedPod({ name: 'shop-enforced', namespace });
    assert.equal(
      imagesByContainer(stored)['web'],
      `${harborHost}/${dockerHubProject}/library/nginx:1.25`,
    );
    assert.doesNotMatch(created.stderr, /harbor-image-webhook audit/);
  });
});
