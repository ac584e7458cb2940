/**
 * Registry verification on the real kube-apiserver: a Pod whose image Harbor
 * does not have stays on its original image (verify.onMissing: keep), and
 * kubectl prints the webhook's warning. "Harbor" is a real docker-registry
 * (TLS from a test CA, htpasswd auth) started by the test.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createRegistryHarness,
  type RegistryHarness,
} from '../helpers/registry/registry-harness.ts';
import type { RegistryServer } from '../helpers/registry/registry-server.ts';
import { startCluster, type E2eCluster } from './support/cluster.ts';
import { imagesByContainer } from './support/pods.ts';
import { localOnlySkipReason, settings } from './support/settings.ts';
import { assertSucceeded, kubectl } from './support/tools.ts';
import { deployWebhook, type DeployedWebhook } from './support/webhook-under-test.ts';

const { dockerHubProject } = settings.expected;

describe('Registry verification', { skip: localOnlySkipReason() }, () => {
  let harness: RegistryHarness | undefined;
  let harbor: RegistryServer | undefined;
  let cluster: E2eCluster | undefined;
  let webhook: DeployedWebhook | undefined;

  before(async () => {
    harness = await createRegistryHarness();
    harbor = await harness.startHtpasswdRegistry();
    // The registration probe's image (docker.io/library/busybox:1.36) is there; others are not.
    await harness.pushImage(harbor, `${dockerHubProject}/library/busybox`, '1.36');
    const credentialsFile = join(harness.dir, 'webhook-config.json');
    const { username, password } = harness.puller;
    await writeFile(
      credentialsFile,
      JSON.stringify({
        auths: {
          [harbor.host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') },
        },
      }),
    );
    cluster = await startCluster();
    webhook = await deployWebhook(cluster, {
      scenario: 'registry-verify',
      harborHost: harbor.host,
      policy: {
        harbor: { host: harbor.host, caFile: harness.pki.caFile, credentialsFile },
        verify: { mode: 'exists', onMissing: 'keep' },
      },
    });
  });

  after(async () => {
    await webhook?.stop();
    await cluster?.stop();
    await harness?.close();
  });

  it('keeps a Pod whose image Harbor lacks on its original image, and kubectl prints why', async () => {
    const { core, kubeconfigFile, namespaces } = cluster!;
    const namespace = await namespaces.create('registry-verify', {
      optIn: true,
      labels: webhook!.namespaceLabels,
    });
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'shop' },
      spec: {
        containers: [
          { name: 'web', image: 'nginx:9.9-missing' },
          { name: 'tools', image: 'busybox:1.36' },
        ],
      },
    };
    const applied = await kubectl(
      kubeconfigFile,
      ['--namespace', namespace, 'create', '-f', '-'],
      JSON.stringify(pod),
    );
    assertSucceeded('kubectl create', applied);
    const missing = `${harbor!.host}/${dockerHubProject}/library/nginx:9.9-missing`;
    assert.match(
      applied.stderr,
      new RegExp(
        `Warning: containers\\[0\\] "web": Harbor does not have ${missing.replaceAll('.', '\\.')} \\([^)]+\\); left unchanged \\(verify\\.onMissing: keep\\)`,
      ),
    );
    const stored = await core.readNamespacedPod({ name: 'shop', namespace });
    assert.deepEqual(imagesByContainer(stored), {
      web: 'nginx:9.9-missing',
      tools: `${harbor!.host}/${dockerHubProject}/library/busybox:1.36`,
    });
  });
});
