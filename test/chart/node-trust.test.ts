// nodeTrust.enabled: the DaemonSet that writes Harbor's CA into containerd's certs.d on every node.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { releaseNamespace, render, templateRaw } from './helm.ts';
import { allOf, containerOf, oneOf } from './manifests.ts';
import type { ConfigMap, Deployment, KubeObject, PodSpec, Role } from './manifests.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';
const name = 'hiw-harbor-image-webhook-node-trust';

interface DaemonSet extends KubeObject {
  spec: { template: { spec: PodSpec & { tolerations?: object[] } } };
}

function withTrust(nodeTrust: object): KubeObject[] {
  return render({
    policy: { harbor: { host: 'harbor.test' } },
    nodeTrust: { enabled: true, ...nodeTrust },
  });
}

function argValue(args: readonly string[], flag: string): string | undefined {
  return args[args.indexOf(flag) + 1];
}

describe('helm template with nodeTrust', () => {
  it('renders no DaemonSet by default', () => {
    assert.deepEqual(allOf(render(), 'DaemonSet'), []);
  });

  it("runs the webhook's own image as node-trust, for the policy's Harbor host, on every node", () => {
    const objects = withTrust({ caBundle: CA });
    const daemonSet = oneOf<DaemonSet>(objects, 'DaemonSet', name);
    const webhook = containerOf(
      oneOf<Deployment>(objects, 'Deployment').spec.template.spec,
      'webhook',
    );
    const container = containerOf(daemonSet.spec.template.spec, 'node-trust');
    assert.equal(container.image, webhook.image);
    assert.deepEqual(container.command, ['node', 'dist/scripts/node-trust.js']);
    const args = container.args ?? [];
    assert.equal(argValue(args, '--host'), 'harbor.test');
    assert.equal(argValue(args, '--certs-dir'), '/etc/containerd/certs.d');
    assert.equal(argValue(args, '--daemonset'), name);
    assert.equal(argValue(args, '--namespace'), releaseNamespace);
    assert.deepEqual(daemonSet.spec.template.spec.tolerations, [{ operator: 'Exists' }]);
  });

  it('mounts the certs.d host directory at the same path, so hosts.toml names the CA as containerd sees it', () => {
    const daemonSet = oneOf<DaemonSet>(
      withTrust({ caBundle: CA, certsDir: '/var/tmp/n/certs.d' }),
      'DaemonSet',
    );
    const container = containerOf(daemonSet.spec.template.spec, 'node-trust');
    const volume = daemonSet.spec.template.spec.volumes!.find((v) => v.hostPath !== undefined);
    assert.deepEqual(volume?.hostPath, { path: '/var/tmp/n/certs.d', type: 'DirectoryOrCreate' });
    const mount = container.volumeMounts?.find((m) => m.name === volume?.name);
    assert.equal(mount?.mountPath, '/var/tmp/n/certs.d');
    assert.equal(argValue(container.args ?? [], '--certs-dir'), '/var/tmp/n/certs.d');
    assert.equal(daemonSet.spec.template.spec.volumes!.filter((v) => v.hostPath).length, 1);
  });

  it('grants the container nothing beyond root on that one directory', () => {
    const daemonSet = oneOf<DaemonSet>(withTrust({ caBundle: CA }), 'DaemonSet');
    const context = containerOf(daemonSet.spec.template.spec, 'node-trust').securityContext;
    assert.equal(context?.readOnlyRootFilesystem, true);
    assert.equal(context?.allowPrivilegeEscalation, false);
    assert.equal(context?.privileged, false);
    assert.deepEqual(context?.capabilities, { drop: ['ALL'] });
  });

  it('carries caBundle in a ConfigMap mounted as ca.crt', () => {
    const objects = withTrust({ caBundle: CA });
    assert.equal(oneOf<ConfigMap>(objects, 'ConfigMap', name).data['ca.crt'], CA);
    const volume = oneOf<DaemonSet>(objects, 'DaemonSet').spec.template.spec.volumes!.find(
      (v) => v.name === 'ca',
    );
    assert.deepEqual(volume?.configMap, { name, items: [{ key: 'ca.crt', path: 'ca.crt' }] });
  });

  it('reads the CA from an existing Secret or ConfigMap instead, rendering no ConfigMap of its own', () => {
    const fromSecret = withTrust({ existingSecret: { name: 'harbor-ca', key: 'ca.pem' } });
    const volumes = oneOf<DaemonSet>(fromSecret, 'DaemonSet').spec.template.spec.volumes!;
    assert.deepEqual(volumes.find((v) => v.name === 'ca')?.secret, {
      secretName: 'harbor-ca',
      items: [{ key: 'ca.pem', path: 'ca.crt' }],
    });
    assert.equal(
      allOf<ConfigMap>(fromSecret, 'ConfigMap').filter((c) => c.metadata.name === name).length,
      0,
    );
    const fromConfigMap = withTrust({ existingConfigMap: { name: 'harbor-ca', key: 'bundle' } });
    const cm = oneOf<DaemonSet>(fromConfigMap, 'DaemonSet').spec.template.spec.volumes!.find(
      (v) => v.name === 'ca',
    );
    assert.deepEqual(cm?.configMap, {
      name: 'harbor-ca',
      items: [{ key: 'bundle', path: 'ca.crt' }],
    });
  });

  it('lets the Pods read their own DaemonSet only (to tell an uninstall from a rolling update)', () => {
    const role = oneOf<Role>(withTrust({ caBundle: CA }), 'Role', name);
    assert.deepEqual(role.rules, [
      { apiGroups: ['apps'], resources: ['daemonsets'], resourceNames: [name], verbs: ['get'] },
    ]);
  });

  it('refuses nodeTrust without a CA, or with two sources of it', () => {
    for (const nodeTrust of [
      {},
      { caBundle: CA, existingSecret: { name: 'harbor-ca' } },
      { caBundle: 'not a pem' },
    ]) {
      const result = templateRaw({ nodeTrust: { enabled: true, ...nodeTrust } });
      assert.notEqual(result.status, 0, JSON.stringify(nodeTrust));
      assert.match(result.stderr, /nodeTrust/);
    }
  });

  it('refuses a relative certsDir', () => {
    const result = templateRaw({ nodeTrust: { enabled: true, caBundle: CA, certsDir: 'certs.d' } });
    assert.notEqual(result.status, 0);
  });
});
