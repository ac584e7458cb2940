/**
 * The namespace view and the pull-secret sync against a real kube-apiserver:
 * run as a user that holds only the RBAC rules the chart grants (so the rules
 * are proven sufficient), then at scale, with figures for the report.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CoreV1Api } from '@kubernetes/client-node';
import { KubeConfig, RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { Policy } from '../../src/core/policy.ts';
import { createApiTransport } from '../../src/kube/api-transport.ts';
import { collectionListWatch } from '../../src/kube/list-watch.ts';
import {
  startNamespaceAwareness,
  type NamespaceAwareness,
} from '../../src/kube/namespace-awareness.ts';
import {
  namespaceCollection,
  pullSecretCollection,
  startNamespaceView,
} from '../../src/kube/namespace-view.ts';
import { dockerConfigHash } from '../../src/kube/pull-secret-copy.ts';
import type { SyncResult } from '../../src/kube/pull-secret-writer.ts';
import { examplePolicy } from '../helpers/fixtures.ts';
import { apiStatus } from './support/api-errors.ts';
import { startCluster, type E2eCluster } from './support/cluster.ts';
import { localOnlySkipReason } from './support/settings.ts';
import { pollUntil } from './support/wait.ts';

const OPT_IN = { 'harbor-image-webhook/enabled': 'true' };
const SOURCE_NAMESPACE = 'harbor-system';
const SCALE_NAMESPACES = 5_000;

/** Exactly the rules the chart's ClusterRole must grant for `--namespace-aware` with pullSecretSync. */
const SYNC_RULES: V1PolicyRule[] = [
  { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] },
  {
    apiGroups: [''],
    resources: ['secrets'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'],
  },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
];
/** Without pullSecretSync, the namespace view alone. */
const VIEW_RULES: V1PolicyRule[] = [
  { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['list', 'watch'] },
];

const dockerConfig = (auth: string) =>
  Buffer.from(JSON.stringify({ auths: { 'harbor.example.com': { auth } } })).toString('base64');
const ROBOT_V1 = dockerConfig('cm9ib3Q6djE=');
const ROBOT_V2 = dockerConfig('cm9ib3Q6djI=');

const syncPolicy = (): Policy =>
  examplePolicy({
    pullSecretSync: { source: `${SOURCE_NAMESPACE}/robot`, name: 'harbor-pull' },
  });

/** Warnings and errors the code under test logged, to explain a timeout. */
function capturingLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

/** `base`'s cluster and token, acting as `user` (RBAC applies to `user`, not to the token's admin). */
function impersonating(base: KubeConfig, user: string): KubeConfig {
  const cluster = base.getCurrentCluster();
  const admin = base.getCurrentUser();
  assert.ok(cluster && admin);
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [cluster],
    users: [{ ...admin, name: user, impersonateUser: user }],
    contexts: [{ name: user, cluster: cluster.name, user }],
    currentContext: user,
  });
  return config;
}

async function grant(cluster: E2eCluster, user: string, rules: V1PolicyRule[]): Promise<void> {
  const rbac = cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createClusterRole({ body: { metadata: { name: user }, rules } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: user },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: user },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    },
  });
}

async function setLabels(core: CoreV1Api, name: string, labels: Record<string, string>) {
  const namespace = await core.readNamespace({ name });
  namespace.metadata = {
    ...namespace.metadata,
    labels: { ...labels, 'kubernetes.io/metadata.name': name },
  };
  await core.replaceNamespace({ name, body: namespace });
}

async function readSecret(core: CoreV1Api, namespace: string, name: string) {
  try {
    return await core.readNamespacedSecret({ name, namespace });
  } catch (error) {
    if (apiStatus(error) === 404) return undefined;
    throw error;
  }
}

function waitFor<T>(what: string, probe: () => Promise<T | undefined>, logs: string[] = []) {
  return pollUntil(what, probe, { timeoutMs: 20_000, intervalMs: 100 }).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\nlogged:\n${logs.join('')}`, { cause: error });
  });
}

const skip = localOnlySkipReason();

describe('namespace awareness on a real kube-apiserver', { skip, timeout: 600_000 }, () => {
  let cluster: E2eCluster;
  let core: CoreV1Api;
  const running: NamespaceAwareness[] = [];

  before(async () => {
    cluster = await startCluster();
    core = cluster.core;
    await core.createNamespace({ body: { metadata: { name: SOURCE_NAMESPACE } } });
    await core.createNamespacedSecret({
      namespace: SOURCE_NAMESPACE,
      body: {
        metadata: { name: 'robot' },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': ROBOT_V1 },
      },
    });
    await grant(cluster, 'e2e-webhook', SYNC_RULES);
    await grant(cluster, 'e2e-webhook-view', VIEW_RULES);
  });
  after(async () => {
    await Promise.all(running.map((awareness) => awareness.stop()));
    await cluster?.stop();
  });

  describe('the pull-secret sync, with only the chart’s RBAC rules', () => {
    let awareness: NamespaceAwareness;
    const results: (SyncResult | 'error')[] = [];
    const { logger, lines } = capturingLogger();
    let labelled: string;
    let other: string;
    let occupied: string;

    before(async () => {
      labelled = await cluster.namespaces.create('sync-a', { optIn: true });
      other = await cluster.namespaces.create('sync-b', { optIn: true });
      occupied = await cluster.namespaces.create('sync-own', { optIn: true });
      await core.createNamespacedSecret({
        namespace: occupied,
        body: {
          metadata: { name: 'harbor-pull', labels: { team: 'own' } },
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': dockerConfig('b3duOm93bg==') },
        },
      });
      awareness = startNamespaceAwareness({
        kubeConfig: impersonating(cluster.kubeConfig, 'e2e-webhook'),
        policy: syncPolicy,
        logger,
        sync: { reportingInstance: 'e2e' },
        hooks: { onSyncResult: (result) => results.push(result) },
      });
      running.push(awareness);
      await waitFor(
        'the namespace view is ready',
        async () => (awareness.readiness() === undefined ? true : undefined),
        lines,
      );
    });
    // Before the scale test, which must be the only one syncing.
    after(() => awareness.stop());

    it('copies the source into a labelled namespace, labelled as managed and hashed', async () => {
      const copy = await waitFor(
        'the copy exists',
        () => readSecret(core, labelled, 'harbor-pull'),
        lines,
      );
      assert.equal(copy.type, 'kubernetes.io/dockerconfigjson');
      assert.deepEqual(copy.data, { '.dockerconfigjson': ROBOT_V1 });
      assert.equal(copy.metadata?.labels?.['app.kubernetes.io/managed-by'], 'harbor-image-webhook');
      assert.equal(
        copy.metadata?.labels?.['harbor-image-webhook/pull-secret-source'],
        'harbor-system.robot',
      );
      assert.equal(
        copy.metadata?.annotations?.['harbor-image-webhook/pull-secret-hash'],
        dockerConfigHash(ROBOT_V1),
      );
    });

    it('shows the copy in the directory, with no API call per lookup', async () => {
      await waitFor('the directory sees the copy', async () =>
        awareness.directory.lookup(labelled)?.pullSecretNames?.has('harbor-pull') === true
          ? true
          : undefined,
      );
      const before = awareness.apiCalls();
      for (let i = 0; i < 100_000; i += 1)
        awareness.directory.lookup(i % 2 === 0 ? labelled : `absent-${i}`);
      assert.equal(awareness.apiCalls(), before);
    });

    it('copies into a namespace as soon as it gets the label', async () => {
      const late = await cluster.namespaces.create('sync-late', { optIn: false });
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(await readSecret(core, late, 'harbor-pull'), undefined, 'not before the label');
      await setLabels(core, late, OPT_IN);
      await waitFor(
        'the copy appears after labelling',
        () => readSecret(core, late, 'harbor-pull'),
        lines,
      );
    });

    it('updates every copy when the source rotates', async () => {
      await waitFor(
        'both copies exist',
        async () =>
          (await readSecret(core, other, 'harbor-pull')) &&
          (await readSecret(core, labelled, 'harbor-pull')),
      );
      const source = await core.readNamespacedSecret({
        name: 'robot',
        namespace: SOURCE_NAMESPACE,
      });
      source.data = { '.dockerconfigjson': ROBOT_V2 };
      await core.replaceNamespacedSecret({
        name: 'robot',
        namespace: SOURCE_NAMESPACE,
        body: source,
      });
      await waitFor(
        'every copy carries the new credentials',
        async () => {
          const copies = await core.listSecretForAllNamespaces({
            labelSelector: 'harbor-image-webhook/pull-secret-source=harbor-system.robot',
          });
          const stale = copies.items.filter((s) => s.data?.['.dockerconfigjson'] !== ROBOT_V2);
          return copies.items.length >= 3 && stale.length === 0 ? true : undefined;
        },
        lines,
      );
    });

    it('recreates a managed copy that was deleted', async () => {
      await core.deleteNamespacedSecret({ name: 'harbor-pull', namespace: other });
      const copy = await waitFor(
        'the copy is back',
        () => readSecret(core, other, 'harbor-pull'),
        lines,
      );
      assert.deepEqual(copy.data, { '.dockerconfigjson': ROBOT_V2 });
    });

    it('leaves a same-named Secret it does not manage alone, and says so in an Event', async () => {
      const events = await waitFor(
        'the conflict Event exists',
        async () => {
          const list = await core.listNamespacedEvent({
            namespace: occupied,
            fieldSelector: 'reason=PullSecretConflict',
          });
          return list.items.length > 0 ? list.items : undefined;
        },
        lines,
      );
      assert.equal(events[0]?.involvedObject.kind, 'Secret');
      assert.equal(events[0]?.involvedObject.name, 'harbor-pull');
      assert.equal(events[0]?.type, 'Warning');
      const secret = await core.readNamespacedSecret({ name: 'harbor-pull', namespace: occupied });
      assert.deepEqual(secret.metadata?.labels, { team: 'own' });
      assert.equal(secret.data?.['.dockerconfigjson'], dockerConfig('b3duOm93bg=='));
      assert.ok(results.includes('conflict'));
    });

    it('deletes the copy when the namespace loses the label', async () => {
      await setLabels(core, labelled, {});
      await waitFor(
        'the copy is gone',
        async () =>
          (await readSecret(core, labelled, 'harbor-pull')) === undefined ? true : undefined,
        lines,
      );
      await waitFor('the directory forgot the namespace', async () =>
        awareness.directory.lookup(labelled) === undefined ? true : undefined,
      );
    });

    it('made no failed call along the way (every verb it used was granted)', () => {
      assert.ok(!results.includes('error'), `sync errors:\n${lines.join('')}`);
      assert.ok(!lines.some((line) => /forbidden/i.test(line)), lines.join(''));
    });
  });

  it('runs the namespace view with list and watch only (no pullSecretSync)', async () => {
    const { logger, lines } = capturingLogger();
    const name = await cluster.namespaces.create('view-only', { optIn: true });
    const awareness = startNamespaceAwareness({
      kubeConfig: impersonating(cluster.kubeConfig, 'e2e-webhook-view'),
      policy: () => examplePolicy(),
      logger,
    });
    running.push(awareness);
    await waitFor(
      'the view lists the namespace',
      async () => (awareness.directory.lookup(name) ? true : undefined),
      lines,
    );
    await core.createNamespacedSecret({
      namespace: name,
      body: {
        metadata: { name: 'harbor-pull' },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': ROBOT_V1 },
      },
    });
    await waitFor(
      'the view sees the new Secret',
      async () =>
        awareness.directory.lookup(name)?.pullSecretNames?.has('harbor-pull') ? true : undefined,
      lines,
    );
    assert.deepEqual(lines, []);
    await awareness.stop();
  });

  describe(`at scale: ${SCALE_NAMESPACES} opted-in namespaces`, () => {
    const gc = exposeGc();
    const names = Array.from(
      { length: SCALE_NAMESPACES },
      (_, i) => `scale-${String(i).padStart(5, '0')}`,
    );

    before(async () => {
      const startedAt = performance.now();
      await inBatches(names, 64, (name) =>
        core.createNamespace({ body: { metadata: { name, labels: OPT_IN } } }),
      );
      console.log(
        `scale: created ${names.length} namespaces in ${Math.round(performance.now() - startedAt)} ms`,
      );
    });

    it('syncs a copy into every one of them, and reports how long it took', async () => {
      const { logger, lines } = capturingLogger();
      let created = 0;
      let errors = 0;
      const startedAt = performance.now();
      const awareness = startNamespaceAwareness({
        kubeConfig: cluster.kubeConfig,
        policy: syncPolicy,
        logger,
        hooks: {
          onSyncResult: (result) => {
            if (result === 'created') created += 1;
            if (result === 'error') errors += 1;
          },
        },
      });
      running.push(awareness);
      await waitFor(
        'the caches are listed',
        async () => (awareness.readiness() === undefined ? true : undefined),
        lines,
      );
      const listedMs = performance.now() - startedAt;
      await pollUntil(
        'a copy exists in every scale namespace',
        async () => (created >= names.length ? true : undefined),
        {
          timeoutMs: 300_000,
          intervalMs: 100,
        },
      );
      const syncedMs = performance.now() - startedAt;
      await awareness.settled();
      const copies = await core.listSecretForAllNamespaces({
        labelSelector: 'app.kubernetes.io/managed-by=harbor-image-webhook',
      });
      assert.ok(names.every((name) => copies.items.some((s) => s.metadata?.namespace === name)));
      console.log(
        `scale: first list of namespaces and secrets ${Math.round(listedMs)} ms; ` +
          `${created} copies created in ${Math.round(syncedMs)} ms (${Math.round((created / syncedMs) * 1000)}/s at concurrency 4); ` +
          `${awareness.apiCalls()} API calls`,
      );
      await awareness.stop();
      running.splice(running.indexOf(awareness), 1);
      const conflicts = /pull secret not copied/; // the namespaces of the tests above that hold their own
      assert.deepEqual(
        lines.filter((line) => !conflicts.test(line)),
        [],
      );
      assert.equal(errors, 0);
    });

    it('holds the directory of all of them in little memory, and reports it', async () => {
      const transport = createApiTransport(cluster.kubeConfig);
      const { logger } = capturingLogger();
      await gc();
      const heapBefore = process.memoryUsage().heapUsed;
      const startedAt = performance.now();
      const view = startNamespaceView({
        namespaces: collectionListWatch(
          transport,
          namespaceCollection('harbor-image-webhook/enabled=true'),
        ),
        secrets: collectionListWatch(transport, pullSecretCollection()),
        logger,
      });
      try {
        await view.whenSynced();
        const syncMs = performance.now() - startedAt;
        await gc();
        const heapAfter = process.memoryUsage().heapUsed;
        const optedIn = view.optedIn().length;
        assert.ok(optedIn >= names.length);
        assert.ok(view.lookup(names[0]!)?.pullSecretNames?.has('harbor-pull'));
        const delta = heapAfter - heapBefore;
        console.log(
          `scale: directory of ${optedIn} namespaces (each with a pull Secret) listed in ${Math.round(syncMs)} ms; ` +
            `heapUsed +${(delta / 1024 / 1024).toFixed(2)} MiB (${Math.round(delta / optedIn)} bytes per namespace)`,
        );
        assert.ok(delta / optedIn < 2_048, 'under 2 KiB per namespace');
      } finally {
        await view.stop();
      }
    });
  });
});

/** A full garbage collection (`global.gc`, enabled at run time so the test needs no node flag). */
function exposeGc(): () => Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return async () => {
    for (let i = 0; i < 3; i += 1) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}
