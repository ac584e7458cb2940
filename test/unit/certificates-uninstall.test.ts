// `cert-bootstrap uninstall`, the chart's post-delete hook: what it deletes, and what it never does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiException, type V1NamespaceList, type V1Secret } from '@kubernetes/client-node';
import { parseCommandLine } from '../../scripts/cert-bootstrap/command-line.ts';
import {
  uninstallRelease,
  type UninstallClient,
  type UninstallOptions,
} from '../../scripts/cert-bootstrap/uninstall.ts';
import { UsageError } from '../../scripts/cert-bootstrap/usage.ts';
import { copyBody, syncSettings } from '../../src/kube/pull-secret-copy.ts';
import { compilePolicy } from '../../src/core/policy.ts';
import { validatePolicyDocument } from '../../src/core/policy-schema.ts';

function apiError(code: number, message: string): ApiException<string> {
  return new ApiException(code, 'error', JSON.stringify({ kind: 'Status', code, message }), {});
}

/** Secrets in namespaces, with the three calls `uninstall` makes; selectors are `k=v,k=v`. */
class FakeCluster implements UninstallClient {
  readonly calls: string[] = [];
  readonly secrets = new Map<string, V1Secret>();
  readonly namespaces: string[];
  /** A namespace whose deletecollection answers this status. */
  failIn: { namespace: string; code: number } | undefined;

  constructor(namespaces: string[]) {
    this.namespaces = namespaces;
  }

  add(namespace: string, name: string, labels: Record<string, string> = {}): void {
    this.secrets.set(`${namespace}/${name}`, { metadata: { namespace, name, labels } });
  }

  remaining(): string[] {
    return [...this.secrets.keys()].sort();
  }

  async deleteNamespacedSecret(param: { name: string; namespace: string; dryRun?: string }) {
    this.calls.push(`delete ${param.namespace}/${param.name}${param.dryRun ? ' dry' : ''}`);
    const key = `${param.namespace}/${param.name}`;
    if (!this.secrets.has(key)) throw apiError(404, `secrets "${param.name}" not found`);
    if (param.dryRun === undefined) this.secrets.delete(key);
    return {};
  }

  async deleteCollectionNamespacedSecret(param: {
    namespace: string;
    labelSelector?: string;
    dryRun?: string;
  }) {
    this.calls.push(`deletecollection ${param.namespace}${param.dryRun ? ' dry' : ''}`);
    if (this.failIn?.namespace === param.namespace) {
      throw apiError(this.failIn.code, `secrets is forbidden in ${param.namespace}`);
    }
    const wanted = (param.labelSelector ?? '').split(',').map((term) => term.split('='));
    assert.ok(
      wanted.every((term) => term.length === 2),
      `equality terms only: ${param.labelSelector}`,
    );
    for (const [key, secret] of [...this.secrets]) {
      const labels = secret.metadata?.labels ?? {};
      const matches = wanted.every(([label, value]) => labels[label!] === value);
      if (secret.metadata?.namespace === param.namespace && matches && !param.dryRun) {
        this.secrets.delete(key);
      }
    }
    return {};
  }

  async listNamespace(param: { limit?: number; _continue?: string }): Promise<V1NamespaceList> {
    this.calls.push(`list namespaces${param._continue ? ` from ${param._continue}` : ''}`);
    const start = Number(param._continue ?? '0');
    const end = start + (param.limit ?? this.namespaces.length);
    const page = this.namespaces.slice(start, end);
    return {
      items: page.map((name) => ({ metadata: { name } })),
      metadata: end < this.namespaces.length ? { _continue: String(end) } : {},
    };
  }
}

/** Labels of a copy the webhook makes from `source`, exactly as pull-secret-sync writes them. */
function copyLabels(source: string): Record<string, string> {
  const validated = validatePolicyDocument({
    harbor: { host: 'harbor.example.com' },
    rules: [],
    pullSecretSync: { source },
  });
  assert.ok(validated.ok);
  const settings = syncSettings(compilePolicy(validated.document));
  assert.ok(settings);
  return copyBody(settings, { dockerConfigJson: 'e30=', hash: 'sha256:0' }, 'any').metadata!
    .labels!;
}

const options: UninstallOptions = {
  namespace: 'harbor-system',
  secretNames: ['hiw-tls'],
  pullSecretSource: { namespace: 'harbor-system', name: 'harbor-pull' },
  dryRun: false,
};

describe('cert-bootstrap uninstall', () => {
  it("deletes the TLS Secret and this source's copies in every namespace; nothing else", async () => {
    const cluster = new FakeCluster(['harbor-system', 'team-a', 'team-b', 'opted-out']);
    const ours = copyLabels('harbor-system/harbor-pull');
    cluster.add('harbor-system', 'hiw-tls');
    cluster.add('harbor-system', 'harbor-pull', { 'app.kubernetes.io/managed-by': 'Helm' });
    cluster.add('harbor-system', 'user-secret');
    cluster.add('team-a', 'harbor-pull', ours);
    cluster.add('team-b', 'harbor-pull', ours);
    // A namespace that opted out while pruneOnOptOut was off still holds a copy.
    cluster.add('opted-out', 'harbor-pull', ours);
    // The user's own Secret of the copies' name elsewhere, and another release's copy.
    cluster.add('team-a', 'user-pull', { 'app.kubernetes.io/managed-by': 'harbor-image-webhook' });
    cluster.add('team-b', 'other-pull', copyLabels('other-system/harbor-pull'));

    const result = await uninstallRelease(cluster, options);

    assert.deepEqual(cluster.remaining(), [
      'harbor-system/harbor-pull',
      'harbor-system/user-secret',
      'team-a/user-pull',
      'team-b/other-pull',
    ]);
    assert.deepEqual(result, {
      command: 'uninstall',
      secrets: { 'harbor-system/hiw-tls': 'deleted' },
      copies: {
        selector:
          'app.kubernetes.io/managed-by=harbor-image-webhook,harbor-image-webhook/pull-secret-source=harbor-system.harbor-pull',
        namespaces: 4,
      },
      dryRun: false,
    });
  });

  it('is idempotent: a second run finds the Secret absent and deletes nothing more', async () => {
    const cluster = new FakeCluster(['harbor-system', 'team-a']);
    cluster.add('harbor-system', 'hiw-tls');
    cluster.add('team-a', 'harbor-pull', copyLabels('harbor-system/harbor-pull'));
    await uninstallRelease(cluster, options);
    const again = await uninstallRelease(cluster, options);
    assert.deepEqual(again.secrets, { 'harbor-system/hiw-tls': 'absent' });
    assert.deepEqual(cluster.remaining(), []);
  });

  it('without a pull-secret source it deletes the named Secrets only and lists no namespace', async () => {
    const cluster = new FakeCluster(['harbor-system', 'team-a']);
    cluster.add('harbor-system', 'hiw-tls');
    cluster.add('harbor-system', 'hiw-ca');
    cluster.add('team-a', 'harbor-pull', copyLabels('harbor-system/harbor-pull'));
    const result = await uninstallRelease(cluster, {
      ...options,
      secretNames: ['hiw-tls', 'hiw-ca'],
      pullSecretSource: undefined,
    });
    assert.deepEqual(cluster.calls, [
      'delete harbor-system/hiw-tls',
      'delete harbor-system/hiw-ca',
    ]);
    assert.equal(result.copies, undefined);
    assert.deepEqual(cluster.remaining(), ['team-a/harbor-pull']);
  });

  it('sweeps every page of namespaces', async () => {
    const namespaces = Array.from({ length: 1203 }, (_, i) => `ns-${i}`);
    const cluster = new FakeCluster(namespaces);
    cluster.add('ns-1202', 'harbor-pull', copyLabels('harbor-system/harbor-pull'));
    const result = await uninstallRelease(cluster, { ...options, secretNames: [] });
    assert.equal(result.copies?.namespaces, 1203);
    assert.deepEqual(
      cluster.calls.filter((call) => call.startsWith('list')),
      ['list namespaces', 'list namespaces from 500', 'list namespaces from 1000'],
    );
    assert.deepEqual(cluster.remaining(), []);
  });

  it('a namespace deleted meanwhile (404) is no failure; a refusal names the namespace', async () => {
    const gone = new FakeCluster(['harbor-system', 'leaving']);
    gone.failIn = { namespace: 'leaving', code: 404 };
    await uninstallRelease(gone, options);

    const refused = new FakeCluster(['harbor-system', 'locked']);
    refused.failIn = { namespace: 'locked', code: 403 };
    await assert.rejects(uninstallRelease(refused, options), (error: Error) => {
      assert.match(error.message, /cannot delete the pull-secret copies in namespace locked/);
      assert.equal((error.cause as { code?: number }).code, 403);
      return true;
    });
  });

  it('--dry-run sends every delete with dryRun=All and changes nothing', async () => {
    const cluster = new FakeCluster(['harbor-system', 'team-a']);
    cluster.add('harbor-system', 'hiw-tls');
    cluster.add('team-a', 'harbor-pull', copyLabels('harbor-system/harbor-pull'));
    await uninstallRelease(cluster, { ...options, dryRun: true });
    assert.deepEqual(cluster.remaining(), ['harbor-system/hiw-tls', 'team-a/harbor-pull']);
    assert.ok(
      cluster.calls.filter((call) => !call.startsWith('list')).every((c) => c.endsWith(' dry')),
    );
  });
});

describe('the cert-bootstrap uninstall command line', () => {
  it('takes repeated --secret-name and an optional --pull-secret-source', () => {
    assert.deepEqual(
      parseCommandLine([
        'uninstall',
        '--namespace',
        'ns',
        '--secret-name',
        'tls',
        '--secret-name',
        'ca',
        '--pull-secret-source',
        'ns/harbor-pull',
      ]),
      {
        command: 'uninstall',
        kubeconfig: undefined,
        options: {
          namespace: 'ns',
          secretNames: ['tls', 'ca'],
          pullSecretSource: { namespace: 'ns', name: 'harbor-pull' },
          dryRun: false,
        },
      },
    );
    assert.deepEqual(parseCommandLine(['uninstall', '--namespace', 'ns']), {
      command: 'uninstall',
      kubeconfig: undefined,
      options: { namespace: 'ns', secretNames: [], pullSecretSource: undefined, dryRun: false },
    });
  });

  for (const [args, message] of [
    [['uninstall'], /--namespace is required/],
    [['uninstall', '--namespace', 'ns', '--pull-secret-source', 'harbor-pull'], /namespace\/name/],
    [['uninstall', '--namespace', 'ns', '--pull-secret-source', 'a/b/c'], /namespace\/name/],
    [['uninstall', '--namespace', 'ns', '--service', 'svc'], /unknown flag --service/],
  ] as const) {
    it(`refuses ${args.slice(1).join(' ') || 'no flags'}`, () => {
      assert.throws(
        () => parseCommandLine(args),
        (error: Error) => error instanceof UsageError && message.test(error.message),
      );
    });
  }
});
