import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ApiException, KubeConfig, type CoreV1Event, type V1Secret } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { Policy } from '../../src/core/policy.ts';
import type { ApiRequest, ApiTransport } from '../../src/kube/api-transport.ts';
import {
  startNamespaceAwareness,
  type NamespaceAwareness,
} from '../../src/kube/namespace-awareness.ts';
import { dockerConfigHash } from '../../src/kube/pull-secret-copy.ts';
import type { SecretsApi, SyncResult } from '../../src/kube/pull-secret-writer.ts';
import { examplePolicy } from '../helpers/fixtures.ts';

const silent = pino({ level: 'silent' });

interface KubeObject {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  type?: string;
  data?: Record<string, string>;
}
type Kind = 'namespace' | 'secret';
interface Watcher {
  readonly kind: Kind;
  readonly matches: (object: KubeObject) => boolean;
  readonly send: (type: string, object: KubeObject) => void;
}

const notFound = () => new ApiException(404, 'NotFound', {}, {});
const conflict = () => new ApiException(409, 'Conflict', {}, {});

/**
 * An in-memory stand-in for the apiserver's Namespaces and Secrets: lists and
 * watches with label and field selectors (watch events replayed from a
 * resourceVersion, ADDED/DELETED when an object enters or leaves a selector),
 * and the writes the sync makes, with resourceVersion and uid checks.
 */
class FakeCluster {
  private revision = 100;
  private uids = 0;
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: { rv: number; kind: Kind; before?: KubeObject; after?: KubeObject }[] =
    [];
  private readonly watchers = new Set<Watcher>();
  readonly writes: string[] = [];
  readonly events: CoreV1Event[] = [];
  /** Answer `code` to a write of the sync, when it returns one. */
  failWrite: (method: string, namespace: string) => number | undefined = () => undefined;

  setNamespace(name: string, labels: Record<string, string> = {}): void {
    this.put('namespace', { metadata: { name, labels } });
  }
  setSecret(
    namespace: string,
    name: string,
    fields: Omit<KubeObject, 'metadata'> & { labels?: Record<string, string> } = {},
  ): void {
    const { labels, ...rest } = fields;
    this.put('secret', {
      metadata: { name, namespace, ...(labels ? { labels } : {}) },
      type: 'kubernetes.io/dockerconfigjson',
      ...rest,
    });
  }
  secret(namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(`secret:${namespace}/${name}`);
  }
  secretsNamed(name: string): KubeObject[] {
    return [...this.objects.entries()]
      .filter(([key, o]) => key.startsWith('secret:') && o.metadata.name === name)
      .map(([, o]) => o);
  }
  deleteObject(kind: Kind, namespace: string | undefined, name: string): void {
    const key = keyOf(kind, namespace, name);
    const before = this.objects.get(key);
    if (before === undefined) throw notFound();
    this.objects.delete(key);
    // As the apiserver does, the DELETED event carries the deletion's resourceVersion.
    const gone = structuredClone(before);
    gone.metadata.resourceVersion = String((this.revision += 1));
    this.record(kind, gone, undefined);
  }

  private put(kind: Kind, object: KubeObject): KubeObject {
    const key = keyOf(kind, object.metadata.namespace, object.metadata.name);
    const before = this.objects.get(key);
    const after = structuredClone(object);
    after.metadata.uid = before?.metadata.uid ?? `uid-${(this.uids += 1)}`;
    after.metadata.resourceVersion = String((this.revision += 1));
    this.objects.set(key, after);
    this.record(kind, before, after);
    return after;
  }
  private record(kind: Kind, before: KubeObject | undefined, after: KubeObject | undefined): void {
    const entry = {
      rv: this.revision,
      kind,
      ...(before ? { before } : {}),
      ...(after ? { after } : {}),
    };
    this.history.push(entry);
    for (const watcher of this.watchers) deliver(watcher, entry);
  }

  readonly transport: ApiTransport = {
    getJson: async (request) => {
      const { kind, matches, strip } = this.collection(request);
      const items = [...this.objects.entries()]
        .filter(([key, o]) => key.startsWith(`${kind}:`) && matches(o))
        .map(([, o]) => strip(o));
      return { metadata: { resourceVersion: String(this.revision) }, items };
    },
    streamLines: (request, onLine) =>
      new Promise((resolve) => {
        const { kind, matches, strip } = this.collection(request);
        const from = Number(request.query.resourceVersion);
        const watcher: Watcher = {
          kind,
          matches,
          send: (type, object) => onLine(JSON.stringify({ type, object: strip(object) })),
        };
        for (const entry of this.history) if (entry.rv > from) deliver(watcher, entry);
        this.watchers.add(watcher);
        request.signal.addEventListener('abort', () => {
          this.watchers.delete(watcher);
          resolve();
        });
      }),
  };

  private collection(request: ApiRequest) {
    const match = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?(namespaces|secrets)$/.exec(request.path);
    if (match === null) throw new Error(`fake apiserver: no route for ${request.path}`);
    const kind: Kind = match[2] === 'namespaces' ? 'namespace' : 'secret';
    const inNamespace = match[1];
    const labels = parseSelector(request.query.labelSelector);
    const fields = parseSelector(request.query.fieldSelector);
    const metadataOnly = request.accept.includes('as=PartialObjectMetadata');
    return {
      kind,
      matches: (o: KubeObject) =>
        (inNamespace === undefined || o.metadata.namespace === inNamespace) &&
        labels.every(([k, v]) =>
          v === undefined ? o.metadata.labels?.[k] !== undefined : o.metadata.labels?.[k] === v,
        ) &&
        fields.every(([k, v]) => (k === 'type' ? o.type === v : o.metadata.name === v)),
      strip: (o: KubeObject): KubeObject => (metadataOnly ? { metadata: o.metadata } : o),
    };
  }

  readonly api = {
    readNamespacedSecret: async ({ name, namespace }: { name: string; namespace: string }) => {
      const found = this.secret(namespace, name);
      if (found === undefined) throw notFound();
      return structuredClone(found) as V1Secret;
    },
    createNamespacedSecret: async ({ namespace, body }: { namespace: string; body: V1Secret }) => {
      this.check('create', namespace);
      if (this.secret(namespace, body.metadata?.name ?? '') !== undefined) throw conflict();
      this.writes.push(`create ${namespace}/${body.metadata?.name}`);
      return this.put('secret', body as KubeObject) as V1Secret;
    },
    replaceNamespacedSecret: async ({
      name,
      namespace,
      body,
    }: {
      name: string;
      namespace: string;
      body: V1Secret;
    }) => {
      this.check('replace', namespace);
      const found = this.secret(namespace, name);
      if (found === undefined) throw notFound();
      if (body.metadata?.resourceVersion !== found.metadata.resourceVersion) throw conflict();
      this.writes.push(`replace ${namespace}/${name}`);
      return this.put('secret', body as KubeObject) as V1Secret;
    },
    deleteNamespacedSecret: async ({
      name,
      namespace,
      body,
    }: {
      name: string;
      namespace: string;
      body?: { preconditions?: { uid?: string; resourceVersion?: string } };
    }) => {
      this.check('delete', namespace);
      const found = this.secret(namespace, name);
      if (found === undefined) throw notFound();
      const pre = body?.preconditions ?? {};
      if (
        (pre.uid !== undefined && pre.uid !== found.metadata.uid) ||
        (pre.resourceVersion !== undefined &&
          pre.resourceVersion !== found.metadata.resourceVersion)
      ) {
        throw conflict();
      }
      this.writes.push(`delete ${namespace}/${name}`);
      this.deleteObject('secret', namespace, name);
      return {};
    },
    createNamespacedEvent: async ({ body }: { namespace: string; body: CoreV1Event }) => {
      if (this.events.some((e) => e.metadata.name === body.metadata.name)) throw conflict();
      this.events.push(body);
      return body;
    },
  } as unknown as SecretsApi;

  private check(method: string, namespace: string): void {
    const code = this.failWrite(method, namespace);
    if (code !== undefined) throw new ApiException(code, 'injected failure', {}, {});
  }
}

function keyOf(kind: Kind, namespace: string | undefined, name: string): string {
  return kind === 'namespace' ? `namespace:${name}` : `secret:${namespace}/${name}`;
}

function parseSelector(text: string | undefined): [string, string | undefined][] {
  if (text === undefined || text === '') return [];
  return text.split(',').map((term) => {
    const [key = '', value] = term.split('=');
    return [key, value];
  });
}

function deliver(
  watcher: Watcher,
  entry: { kind: Kind; before?: KubeObject; after?: KubeObject },
): void {
  if (entry.kind !== watcher.kind) return;
  const was = entry.before !== undefined && watcher.matches(entry.before);
  const is = entry.after !== undefined && watcher.matches(entry.after);
  if (!was && is) watcher.send('ADDED', entry.after!);
  else if (was && is) watcher.send('MODIFIED', entry.after!);
  else if (was && !is) watcher.send('DELETED', entry.after ?? entry.before!);
}

async function eventually(check: () => void, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Writes may start synchronously inside the change that triggers them; let them finish first.
  await new Promise((resolve) => setTimeout(resolve, 1));
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

const OPT_IN = { 'harbor-image-webhook/enabled': 'true' };
const ROBOT_V1 = Buffer.from('{"auths":{"harbor.example.com":{"auth":"djE="}}}').toString('base64');
const ROBOT_V2 = Buffer.from('{"auths":{"harbor.example.com":{"auth":"djI="}}}').toString('base64');
const syncPolicy = (sync: Record<string, unknown> = {}) =>
  examplePolicy({
    pullSecretSync: { source: 'harbor-system/robot', name: 'harbor-pull', ...sync },
  });

const running: NamespaceAwareness[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.stop()));
});

function start(
  cluster: FakeCluster,
  policy: () => Policy,
  results: SyncResult[] | (SyncResult | 'error')[] = [],
) {
  const awareness = startNamespaceAwareness({
    kubeConfig: new KubeConfig(),
    policy,
    logger: silent,
    clients: { transport: cluster.transport, secrets: cluster.api },
    sync: { policyCheckIntervalMs: 10, reportingInstance: 'webhook-0' },
    hooks: { onSyncResult: (result) => (results as (SyncResult | 'error')[]).push(result) },
  });
  running.push(awareness);
  return awareness;
}

function newCluster(): FakeCluster {
  const cluster = new FakeCluster();
  cluster.setNamespace('harbor-system');
  cluster.setSecret('harbor-system', 'robot', { data: { '.dockerconfigjson': ROBOT_V1 } });
  return cluster;
}

describe('the pull-secret sync', () => {
  it('copies the source into every opted-in namespace, labelled, with the hash of its data', async () => {
    const cluster = newCluster();
    cluster.setNamespace('team-a', OPT_IN);
    cluster.setNamespace('team-b', OPT_IN);
    cluster.setNamespace('not-in');
    start(cluster, () => syncPolicy());
    await eventually(() => assert.equal(cluster.secretsNamed('harbor-pull').length, 2));
    const copy = cluster.secret('team-a', 'harbor-pull');
    assert.deepEqual(copy?.metadata.labels, {
      'app.kubernetes.io/managed-by': 'harbor-image-webhook',
      'harbor-image-webhook/pull-secret-source': 'harbor-system.robot',
    });
    assert.equal(
      copy?.metadata.annotations?.['harbor-image-webhook/pull-secret-hash'],
      dockerConfigHash(ROBOT_V1),
    );
    assert.equal(copy?.type, 'kubernetes.io/dockerconfigjson');
    assert.deepEqual(copy?.data, { '.dockerconfigjson': ROBOT_V1 });
    assert.equal(cluster.secret('not-in', 'harbor-pull'), undefined);
  });

  it('copies into a namespace as soon as it is labelled, and the directory then shows the Secret', async () => {
    const cluster = newCluster();
    const awareness = start(cluster, () => syncPolicy());
    await awareness.settled();
    cluster.setNamespace('team-c', OPT_IN);
    await eventually(() => assert.ok(cluster.secret('team-c', 'harbor-pull')));
    await eventually(() =>
      assert.ok(awareness.directory.lookup('team-c')?.pullSecretNames?.has('harbor-pull')),
    );
  });

  it('updates every copy when the source rotates', async () => {
    const cluster = newCluster();
    for (const ns of ['a', 'b', 'c']) cluster.setNamespace(ns, OPT_IN);
    const results: SyncResult[] = [];
    const awareness = start(cluster, () => syncPolicy(), results);
    await eventually(() => assert.equal(cluster.secretsNamed('harbor-pull').length, 3));
    cluster.setSecret('harbor-system', 'robot', { data: { '.dockerconfigjson': ROBOT_V2 } });
    await eventually(() => {
      for (const copy of cluster.secretsNamed('harbor-pull'))
        assert.deepEqual(copy.data, { '.dockerconfigjson': ROBOT_V2 });
    });
    await awareness.settled();
    assert.deepEqual(results, ['created', 'created', 'created', 'updated', 'updated', 'updated']);
  });

  it('removes the copy when a namespace loses the label, with pruneOnOptOut', async () => {
    const cluster = newCluster();
    cluster.setNamespace('team-a', OPT_IN);
    start(cluster, () => syncPolicy());
    await eventually(() => assert.ok(cluster.secret('team-a', 'harbor-pull')));
    cluster.setNamespace('team-a', {});
    await eventually(() => assert.equal(cluster.secret('team-a', 'harbor-pull'), undefined));
  });

  it('keeps the copy when a namespace loses the label, without pruneOnOptOut', async () => {
    const cluster = newCluster();
    cluster.setNamespace('team-a', OPT_IN);
    const awareness = start(cluster, () => syncPolicy({ pruneOnOptOut: false }));
    await eventually(() => assert.ok(cluster.secret('team-a', 'harbor-pull')));
    cluster.setNamespace('team-a', {});
    await eventually(() => assert.equal(awareness.directory.lookup('team-a'), undefined));
    await awareness.settled();
    assert.ok(cluster.secret('team-a', 'harbor-pull'));
  });

  it('recreates a managed copy that someone deleted', async () => {
    const cluster = newCluster();
    cluster.setNamespace('team-a', OPT_IN);
    start(cluster, () => syncPolicy());
    await eventually(() => assert.ok(cluster.secret('team-a', 'harbor-pull')));
    const firstUid = cluster.secret('team-a', 'harbor-pull')?.metadata.uid;
    cluster.deleteObject('secret', 'team-a', 'harbor-pull');
    await eventually(() =>
      assert.notEqual(cluster.secret('team-a', 'harbor-pull')?.metadata.uid ?? firstUid, firstUid),
    );
  });

  it('never overwrites a same-named Secret it does not manage, and reports it once in an Event', async () => {
    const cluster = newCluster();
    cluster.setNamespace('team-a', OPT_IN);
    cluster.setSecret('team-a', 'harbor-pull', { data: { '.dockerconfigjson': 'bWluZQ==' } });
    const results: SyncResult[] = [];
    const awareness = start(cluster, () => syncPolicy(), results);
    await eventually(() => assert.equal(cluster.events.length, 1));
    const event = cluster.events[0]!;
    assert.equal(event.reason, 'PullSecretConflict');
    assert.equal(event.type, 'Warning');
    assert.deepEqual(
      {
        kind: event.involvedObject.kind,
        namespace: event.involvedObject.namespace,
        name: event.involvedObject.name,
      },
      { kind: 'Secret', namespace: 'team-a', name: 'harbor-pull' },
    );
    cluster.setNamespace('team-a', { ...OPT_IN, touched: 'yes' });
    await awareness.settled();
    assert.deepEqual(cluster.secret('team-a', 'harbor-pull')?.data, {
      '.dockerconfigjson': 'bWluZQ==',
    });
    assert.equal(cluster.secret('team-a', 'harbor-pull')?.metadata.labels, undefined);
    assert.deepEqual(results, ['conflict']);
    assert.deepEqual(cluster.writes, []);
  });

  it('leaves an unmanaged Opaque Secret of the same name alone too (found by the 409 on create)', async () => {
    const cluster = newCluster();
    cluster.setNamespace('team-a', OPT_IN);
    cluster.setSecret('team-a', 'harbor-pull', { type: 'Opaque', data: { token: 'eA==' } });
    start(cluster, () => syncPolicy());
    await eventually(() => assert.equal(cluster.events.length, 1));
    assert.equal(cluster.secret('team-a', 'harbor-pull')?.type, 'Opaque');
  });

  it('is safe with two replicas: one copy per namespace and no error', async () => {
    const cluster = newCluster();
    for (let i = 0; i < 20; i += 1) cluster.setNamespace(`ns-${i}`, OPT_IN);
    const results: (SyncResult | 'error')[] = [];
    const first = start(cluster, () => syncPolicy(), results);
    const second = start(cluster, () => syncPolicy(), results);
    await eventually(() => assert.equal(cluster.secretsNamed('harbor-pull').length, 20));
    cluster.setSecret('harbor-system', 'robot', { data: { '.dockerconfigjson': ROBOT_V2 } });
    await eventually(() => {
      for (const copy of cluster.secretsNamed('harbor-pull'))
        assert.deepEqual(copy.data, { '.dockerconfigjson': ROBOT_V2 });
    });
    await Promise.all([first.settled(), second.settled()]);
    assert.equal(results.filter((r) => r === 'created').length, 20);
    assert.equal(results.filter((r) => r === 'error').length, 0);
  });

  it('starts copying when a reloaded policy turns the sync on', async () => {
    const cluster = newCluster();
    cluster.setNamespace('team-a', OPT_IN);
    let policy = examplePolicy();
    const awareness = start(cluster, () => policy);
    await awareness.settled();
    assert.deepEqual(cluster.writes, []);
    policy = syncPolicy();
    await eventually(() => assert.ok(cluster.secret('team-a', 'harbor-pull')));
  });

  it('neither creates nor deletes anything while the source is missing', async () => {
    const cluster = newCluster();
    cluster.setNamespace('team-a', OPT_IN);
    start(cluster, () => syncPolicy());
    await eventually(() => assert.ok(cluster.secret('team-a', 'harbor-pull')));
    cluster.deleteObject('secret', 'harbor-system', 'robot');
    cluster.setNamespace('team-b', OPT_IN);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(cluster.secret('team-a', 'harbor-pull'), 'the existing copy stays');
    assert.equal(cluster.secret('team-b', 'harbor-pull'), undefined);
  });

  it('retries a failing namespace with backoff and reports the errors', async () => {
    const cluster = newCluster();
    cluster.setNamespace('team-a', OPT_IN);
    let failures = 0;
    cluster.failWrite = (method) => (method === 'create' && failures++ < 1 ? 500 : undefined);
    const results: (SyncResult | 'error')[] = [];
    start(cluster, () => syncPolicy(), results);
    await eventually(() => assert.ok(cluster.secret('team-a', 'harbor-pull')), 5_000);
    assert.deepEqual(results, ['error', 'created']);
  });
});

describe('stopping the namespace awareness', () => {
  it('stops promptly while a list keeps failing and nothing was ever synced', async () => {
    const cluster = newCluster();
    const failing: ApiTransport = {
      getJson: async (request) => {
        if (request.query.labelSelector?.startsWith('app.kubernetes.io/managed-by') === true) {
          throw new ApiException(403, 'forbidden', {}, {});
        }
        return cluster.transport.getJson(request);
      },
      streamLines: (request, onLine) => cluster.transport.streamLines(request, onLine),
    };
    const awareness = startNamespaceAwareness({
      kubeConfig: new KubeConfig(),
      policy: () => syncPolicy(),
      logger: silent,
      clients: { transport: failing, secrets: cluster.api },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const startedAt = performance.now();
    await awareness.stop();
    assert.ok(performance.now() - startedAt < 1_000);
  });
});
