/**
 * The chart with registry verification: the credentials Secret and Harbor's
 * CA mounted into the webhook Pod and named in the rendered policy, only when
 * policy.verify.mode is not off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parsePolicyText } from '../../src/core/policy-text.ts';
import { releaseName, render, templateRaw } from './helm.ts';
import { oneOf, type ConfigMap, type Deployment, type KubeObject } from './manifests.ts';

const fullname = `${releaseName}-harbor-image-webhook`;
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';

function policyOf(objects: readonly KubeObject[]) {
  const configMap = oneOf<ConfigMap>(objects, 'ConfigMap', `${fullname}-policy`);
  return { configMap, policy: parse(configMap.data['policy.yaml']!) as { harbor: object } };
}

function webhookPod(objects: readonly KubeObject[]) {
  return oneOf<Deployment>(objects, 'Deployment', fullname).spec.template.spec;
}

describe('chart: registry verification', () => {
  it('mounts nothing and names no file while verify is off', () => {
    const objects = render({
      pullSecret: { existingSecret: 'harbor-pull' },
      registryVerify: { caBundle: CA },
    });
    assert.deepEqual(policyOf(objects).policy.harbor, { host: 'harbor.example.com' });
    const volumes = webhookPod(objects).volumes?.map((volume) => volume.name) ?? [];
    assert.ok(!volumes.includes('harbor-credentials') && !volumes.includes('harbor-ca'));
  });

  it('with verify on, mounts the pull Secret as the credentials and the CA bundle, and names both in the policy', () => {
    const objects = render({
      policy: { verify: { mode: 'pin' } },
      pullSecret: { existingSecret: 'harbor-pull' },
      registryVerify: { caBundle: CA },
    });
    const { configMap, policy } = policyOf(objects);
    assert.deepEqual(policy.harbor, {
      host: 'harbor.example.com',
      caFile: '/etc/harbor-image-webhook/harbor-ca/ca.crt',
      credentialsFile: '/etc/harbor-image-webhook/harbor-credentials/config.json',
    });
    assert.equal(configMap.data['harbor-ca.crt']?.trim(), CA);
    assert.ok(parsePolicyText(configMap.data['policy.yaml']!).ok, 'the server loads the policy');
    const pod = webhookPod(objects);
    const credentials = pod.volumes?.find((volume) => volume.name === 'harbor-credentials');
    assert.equal(credentials?.secret?.secretName, 'harbor-pull');
    assert.deepEqual(credentials.secret.items, [{ key: '.dockerconfigjson', path: 'config.json' }]);
    const mounts = pod.containers[0]?.volumeMounts?.map((mount) => mount.mountPath) ?? [];
    assert.ok(mounts.includes('/etc/harbor-image-webhook/harbor-credentials'));
    assert.ok(mounts.includes('/etc/harbor-image-webhook/harbor-ca'));
  });

  it('takes a credentials Secret and a CA Secret of their own', () => {
    const objects = render({
      policy: { verify: { mode: 'exists' } },
      registryVerify: { credentialsSecret: 'harbor-robot', caSecret: 'harbor-ca' },
    });
    const pod = webhookPod(objects);
    const secretOf = (name: string) =>
      pod.volumes?.find((volume) => volume.name === name)?.secret?.secretName;
    assert.equal(secretOf('harbor-credentials'), 'harbor-robot');
    assert.equal(secretOf('harbor-ca'), 'harbor-ca');
  });

  it('looks up anonymously when no Secret is configured', () => {
    const objects = render({ policy: { verify: { mode: 'exists' } } });
    assert.deepEqual(policyOf(objects).policy.harbor, { host: 'harbor.example.com' });
  });

  it('refuses a CA given twice and an unknown verify mode', () => {
    const twice = templateRaw({
      policy: { verify: { mode: 'exists' } },
      registryVerify: { caBundle: CA, caSecret: 'harbor-ca' },
    });
    assert.notEqual(twice.status, 0);
    assert.match(twice.stderr, /caBundle and registryVerify\.caSecret exclude each other/);
    const badMode = templateRaw({ policy: { verify: { mode: 'always' } } });
    assert.notEqual(badMode.status, 0);
    assert.match(badMode.stderr, /verify/);
  });
});
