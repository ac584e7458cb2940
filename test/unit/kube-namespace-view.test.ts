import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { ApiTransport } from '../../src/kube/api-transport.ts';
import type { ListWatchSource, WatchEvent } from '../../src/kube/list-watch.ts';
import { startNamespaceAwareness } from '../../src/kube/namespace-awareness.ts';
import {
  createNamespaceStore,
  toNamespaceRecord,
  toSecretNameRecord,
  type NamespaceChange,
} from '../../src/kube/namespace-store.ts';
import { startNamespaceView } from '../../src/kube/namespace-view.ts';
import { optInSelector } from '../../src/kube/opt-in-label.ts';
import type { SecretsApi } from '../../src/kube/pull-secret-writer.ts';
import { examplePolicy } from '../helpers/fixtures.ts';

const silent = pino({ level: 'silent' });

const namespace = (name: string, annotations: Record<string, string> = {}, rv = '1') => ({
  kind: 'PartialObjectMetadata',
  metadata: { name, resourceVersion: rv, annotations },
});
const secret = (ns: string, name: string, rv = '1') => ({
  kind: 'PartialObjectMetadata',
  metadata: { name, namespace: ns, resourceVersion: rv },
});

/** A source whose list answers `items` and whose watch stays open, fed by `emit`. */
function liveSource(items: unknown[]) {
  let deliver: ((event: WatchEvent) => void) | undefined;
  let listed = false;
  const { promise: watching, resolve: startWatching } = Promise.withResolvers<undefined>();
  const source: ListWatchSource = {
    async list() {
      await new Promise((resolve) => setImmediate(resolve));
      listed = true;
      return { items, resourceVersion: '1', continue: undefined };
    },
    watch(_rv, onEvent, signal) {
      deliver = onEvent;
      startWatching(undefined);
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve()));
    },
  };
  return {
    source,
    watching,
    listed: () => listed,
    emit: (type: WatchEvent['type'], object: unknown) => deliver?.({ type, object }),
  };
}

describe('the namespace view', () => {
  it('is not ready until both Namespaces and pull Secrets have been listed', async () => {
    const namespaces = liveSource([namespace('team-a')]);
    const secrets = liveSource([secret('team-a', 'harbor-pull')]);
    const view = startNamespaceView({
      namespaces: namespaces.source,
      secrets: secrets.source,
      logger: silent,
    });
    assert.equal(view.synced(), false);
    assert.match(view.readiness() ?? '', /namespaces and secrets/);
    await view.whenSynced();
    assert.equal(view.synced(), true);
    assert.equal(view.readiness(), undefined);
    await view.stop();
  });

  it('returns the facts of opted-in namespaces only, with their pull-secret names', async () => {
    const view = startNamespaceView({
      namespaces: liveSource([namespace('team-a')]).source,
      secrets: liveSource([secret('team-a', 'harbor-pull'), secret('other', 'x')]).source,
      logger: silent,
    });
    await view.whenSynced();
    const facts = view.lookup('team-a');
    assert.equal(facts?.name, 'team-a');
    assert.deepEqual([...(facts?.pullSecretNames ?? [])], ['harbor-pull']);
    assert.equal(view.lookup('other'), undefined, 'not opted in');
    assert.deepEqual([...view.secretNames('other')], ['x']);
    await view.stop();
  });

  it('returns the same facts object until the annotations or pull-secret names change, then a new one', async () => {
    const namespaces = liveSource([
      namespace('team-a', { 'harbor-image-webhook/rewrite': 'true' }),
    ]);
    const secrets = liveSource([secret('team-a', 'harbor-pull')]);
    const view = startNamespaceView({
      namespaces: namespaces.source,
      secrets: secrets.source,
      logger: silent,
    });
    await view.whenSynced();
    await Promise.all([namespaces.watching, secrets.watching]);
    const first = view.lookup('team-a');
    assert.equal(view.lookup('team-a'), first);

    namespaces.emit(
      'MODIFIED',
      namespace('team-a', { 'harbor-image-webhook/rewrite': 'true', 'other/x': 'y' }, '2'),
    );
    secrets.emit('MODIFIED', secret('team-a', 'harbor-pull', '3'));
    assert.equal(
      view.lookup('team-a'),
      first,
      'an unrelated annotation or a Secret data change keeps the object',
    );

    namespaces.emit(
      'MODIFIED',
      namespace('team-a', { 'harbor-image-webhook/rewrite': 'false' }, '4'),
    );
    const second = view.lookup('team-a');
    assert.notEqual(second, first);
    assert.deepEqual(second?.annotations, { 'harbor-image-webhook/rewrite': 'false' });
    assert.equal(view.lookup('team-a'), second);

    secrets.emit('ADDED', secret('team-a', 'extra', '5'));
    const third = view.lookup('team-a');
    assert.notEqual(third, second);
    assert.deepEqual([...(third?.pullSecretNames ?? [])].sort(), ['extra', 'harbor-pull']);
    assert.deepEqual(
      [...(second?.pullSecretNames ?? [])],
      ['harbor-pull'],
      'old facts never change',
    );

    secrets.emit('DELETED', secret('team-a', 'harbor-pull', '6'));
    assert.deepEqual([...(view.lookup('team-a')?.pullSecretNames ?? [])], ['extra']);

    namespaces.emit('DELETED', namespace('team-a', {}, '7'));
    assert.equal(view.lookup('team-a'), undefined, 'a namespace that lost the label is gone');
    await view.stop();
  });

  it('tells subscribers which namespace changed and how', async () => {
    const namespaces = liveSource([]);
    const secrets = liveSource([]);
    const view = startNamespaceView({
      namespaces: namespaces.source,
      secrets: secrets.source,
      logger: silent,
    });
    const changes: NamespaceChange[] = [];
    view.subscribe((change) => changes.push(change));
    await Promise.all([namespaces.watching, secrets.watching]);
    namespaces.emit('ADDED', namespace('team-b', {}, '2'));
    secrets.emit('ADDED', secret('team-b', 'harbor-pull', '3'));
    secrets.emit('ADDED', secret('team-b', 'harbor-pull', '3'));
    assert.deepEqual(changes, [
      { namespace: 'team-b', kind: 'namespace' },
      { namespace: 'team-b', kind: 'secrets' },
    ]);
    await view.stop();
  });
});

describe('the records the view keeps', () => {
  it('keeps only the webhook’s own annotations of a Namespace', () => {
    const entry = toNamespaceRecord({
      metadata: {
        name: 'team-a',
        annotations: {
          'harbor-image-webhook/rules': '[]',
          'kubectl.kubernetes.io/last-applied-configuration': '{"big": "json"}',
        },
        deletionTimestamp: '2025-01-01T00:00:00Z',
      },
    });
    assert.deepEqual(entry, {
      key: 'team-a',
      record: { annotations: { 'harbor-image-webhook/rules': '[]' }, terminating: true },
    });
  });

  it('keeps the name and namespace of a Secret and nothing else, even when sent its data', () => {
    const entry = toSecretNameRecord({
      metadata: { name: 'harbor-pull', namespace: 'team-a' },
      data: { '.dockerconfigjson': 'c2VjcmV0' },
    });
    assert.deepEqual(entry, {
      key: 'team-a/harbor-pull',
      record: { namespace: 'team-a', name: 'harbor-pull' },
    });
    assert.doesNotMatch(JSON.stringify(entry), /c2VjcmV0/);
  });

  it('after a relist, removes what disappeared and keeps the identity of what did not change', () => {
    const store = createNamespaceStore();
    store.namespaces.replace(
      new Map([
        ['a', { annotations: {}, terminating: false }],
        ['b', { annotations: {}, terminating: false }],
      ]),
    );
    store.secrets.replace(new Map([['a/s', { namespace: 'a', name: 's' }]]));
    const a = store.lookup('a');
    store.namespaces.replace(new Map([['a', { annotations: {}, terminating: false }]]));
    store.secrets.replace(new Map([['a/s', { namespace: 'a', name: 's' }]]));
    assert.equal(store.lookup('a'), a);
    assert.equal(store.lookup('b'), undefined);
    assert.deepEqual(store.optedIn(), ['a']);
  });
});

describe('the opt-in label', () => {
  const cases: { name: string; label: string; ok: boolean }[] = [
    {
      name: 'the default key=value is accepted',
      label: 'harbor-image-webhook/enabled=true',
      ok: true,
    },
    { name: 'a key without a prefix is accepted', label: 'harbor=on', ok: true },
    { name: 'a bare key is refused', label: 'harbor-image-webhook/enabled', ok: false },
    { name: 'a value with a space is refused', label: 'a/b=x y', ok: false },
    { name: 'an uppercase prefix is refused', label: 'Harbor.io/enabled=true', ok: false },
    { name: 'a selector expression is refused', label: 'a in (b)', ok: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.ok) assert.equal(optInSelector(c.label), c.label);
      else assert.throws(() => optInSelector(c.label), /opt-in label/);
    });
  }
});

describe('the admission path', () => {
  it('makes no API call: lookups are in-memory reads (counted through every client)', async () => {
    const requests: string[] = [];
    const transport: ApiTransport = {
      async getJson(request) {
        requests.push(
          `${request.path}?${new URLSearchParams(request.query as Record<string, string>).toString()}`,
        );
        const items =
          request.path === '/api/v1/namespaces'
            ? [namespace('team-a')]
            : [secret('team-a', 'harbor-pull')];
        return { metadata: { resourceVersion: '1' }, items };
      },
      streamLines: (request) =>
        new Promise((resolve) => request.signal.addEventListener('abort', () => resolve())),
    };
    const awareness = startNamespaceAwareness({
      kubeConfig: new KubeConfig(),
      policy: () => examplePolicy(),
      logger: silent,
      clients: { transport, secrets: {} as SecretsApi },
    });
    await awareness.settled();
    const before = awareness.apiCalls();
    assert.ok(before >= 3, 'the lists went through the counted clients');
    for (let i = 0; i < 10_000; i += 1) {
      awareness.directory.lookup('team-a');
      awareness.directory.lookup(`missing-${i}`);
    }
    assert.equal(awareness.apiCalls(), before);
    assert.deepEqual(
      [...(awareness.directory.lookup('team-a')?.pullSecretNames ?? [])],
      ['harbor-pull'],
    );
    assert.ok(
      requests.some((r) => r.includes('labelSelector=harbor-image-webhook%2Fenabled%3Dtrue')),
    );
    assert.ok(
      requests.some((r) => r.includes('fieldSelector=type%3Dkubernetes.io%2Fdockerconfigjson')),
    );
    await awareness.stop();
  });
});
