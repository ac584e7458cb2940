// cleanupOnUninstall: the post-delete hook Job that deletes the Secrets the release made at run time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { releaseNamespace, render } from './helm.ts';
import { allOf, containerOf, oneOf } from './manifests.ts';
import type { Binding, Deployment, Job, KubeObject, Role } from './manifests.ts';

const name = 'hiw-harbor-image-webhook-uninstall';
const tlsSecret = 'hiw-harbor-image-webhook-tls';
const host = { harbor: { host: 'harbor.test' } };
const withSync = {
  policy: { ...host, pullSecretSync: { source: `${releaseNamespace}/harbor-pull` } },
};

/** The objects of the uninstall hook (by name), in the order Helm runs them. */
function hookObjects(objects: readonly KubeObject[]): KubeObject[] {
  return objects.filter((object) => object.metadata.name === name);
}

function annotation(object: KubeObject, key: string): string | undefined {
  return object.metadata.annotations?.[key];
}

function argValues(args: readonly string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag ? [args[i + 1]!] : []));
}

describe('helm template with cleanupOnUninstall', () => {
  it('is on by default: a post-delete Job running cert-bootstrap uninstall from the webhook image', () => {
    const objects = render({ policy: host });
    const job = oneOf<Job>(objects, 'Job', name);
    const container = containerOf(job.spec.template.spec, 'uninstall');
    const webhook = containerOf(
      oneOf<Deployment>(objects, 'Deployment').spec.template.spec,
      'webhook',
    );
    assert.equal(container.image, webhook.image);
    assert.deepEqual(container.command, ['node', 'dist/scripts/cert-bootstrap.js']);
    assert.deepEqual(container.args, [
      'uninstall',
      '--namespace',
      releaseNamespace,
      '--secret-name',
      tlsSecret,
    ]);
    assert.deepEqual(container.securityContext, webhook.securityContext);
    assert.equal(job.spec.template.spec.serviceAccountName, name);
    assert.equal(annotation(job, 'helm.sh/hook'), 'post-delete');
  });

  it('hooks the ServiceAccount and RBAC before the Job (lower weight) and deletes all of them once it succeeds', () => {
    const objects = hookObjects(render(withSync));
    assert.deepEqual(objects.map((object) => object.kind).sort(), [
      'ClusterRole',
      'ClusterRoleBinding',
      'Job',
      'Role',
      'RoleBinding',
      'ServiceAccount',
    ]);
    for (const object of objects) {
      assert.equal(annotation(object, 'helm.sh/hook'), 'post-delete', object.kind);
      assert.equal(
        annotation(object, 'helm.sh/hook-delete-policy'),
        'before-hook-creation,hook-succeeded',
        object.kind,
      );
      const weight = Number(annotation(object, 'helm.sh/hook-weight'));
      assert.ok(
        object.kind === 'Job' ? weight === 0 : weight < 0,
        `${object.kind} weight ${weight}`,
      );
    }
  });

  it('grants delete on the TLS Secret by name only, and no Namespace or cluster-wide rule without pullSecretSync', () => {
    const objects = render({ policy: host });
    assert.deepEqual(oneOf<Role>(objects, 'Role', name).rules, [
      { apiGroups: [''], resources: ['secrets'], resourceNames: [tlsSecret], verbs: ['delete'] },
    ]);
    assert.deepEqual(
      allOf(objects, 'ClusterRole').filter((object) => object.metadata.name === name),
      [],
    );
    const binding = oneOf<Binding>(objects, 'RoleBinding', name);
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name, namespace: releaseNamespace },
    ]);
  });

  it("with pullSecretSync sweeps its source's copies: list Namespaces, deletecollection Secrets, never get/list/watch Secrets", () => {
    const objects = render(withSync);
    const clusterRole = oneOf<Role>(objects, 'ClusterRole', name);
    assert.deepEqual(clusterRole.rules, [
      { apiGroups: [''], resources: ['namespaces'], verbs: ['list'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['deletecollection'] },
    ]);
    const binding = oneOf<Binding>(objects, 'ClusterRoleBinding', name);
    assert.deepEqual(binding.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name,
    });
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name, namespace: releaseNamespace },
    ]);
    const args =
      containerOf(oneOf<Job>(objects, 'Job', name).spec.template.spec, 'uninstall').args ?? [];
    assert.deepEqual(argValues(args, '--pull-secret-source'), [`${releaseNamespace}/harbor-pull`]);
  });

  it("deletes a renamed TLS Secret, and cert-manager's CA Secret when the chart's own CA chain is used", () => {
    const renamed = render({ policy: host, certificate: { secretName: 'my-tls' } });
    const job = oneOf<Job>(renamed, 'Job', name);
    const args = containerOf(job.spec.template.spec, 'uninstall').args ?? [];
    assert.deepEqual(argValues(args, '--secret-name'), ['my-tls']);

    const certManager = render({ policy: host, certManager: { enabled: true } });
    const cmArgs =
      containerOf(oneOf<Job>(certManager, 'Job', name).spec.template.spec, 'uninstall').args ?? [];
    assert.deepEqual(argValues(cmArgs, '--secret-name'), [
      tlsSecret,
      'hiw-harbor-image-webhook-ca',
    ]);
    assert.deepEqual(oneOf<Role>(certManager, 'Role', name).rules[0]!.resourceNames, [
      tlsSecret,
      'hiw-harbor-image-webhook-ca',
    ]);

    const issuer = render({
      policy: host,
      certManager: { enabled: true, issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } },
    });
    const issuerArgs =
      containerOf(oneOf<Job>(issuer, 'Job', name).spec.template.spec, 'uninstall').args ?? [];
    assert.deepEqual(argValues(issuerArgs, '--secret-name'), [tlsSecret]);
  });

  it('cleanupOnUninstall=false renders none of it; a non-boolean is refused by the schema', () => {
    assert.deepEqual(hookObjects(render({ ...withSync, cleanupOnUninstall: false })), []);
    assert.throws(() => render({ policy: host, cleanupOnUninstall: 'yes' }), /cleanupOnUninstall/);
  });
});
