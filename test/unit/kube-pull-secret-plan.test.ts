import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  copyBody,
  dockerConfigHash,
  HASH_ANNOTATION,
  MANAGED_BY_LABEL,
  SOURCE_LABEL,
  sourceLabelValue,
  syncSettings,
  type SyncSettings,
} from '../../src/kube/pull-secret-copy.ts';
import {
  decideExisting,
  planNamespace,
  type ExistingDecision,
  type ExistingSecret,
  type ManagedCopy,
  type NamespaceSyncState,
  type SourceState,
  type SyncAction,
} from '../../src/kube/pull-secret-plan.ts';
import { examplePolicy } from '../helpers/fixtures.ts';

const settings: SyncSettings = {
  sourceNamespace: 'harbor-system',
  sourceName: 'harbor-pull',
  copyName: 'harbor-pull',
  sourceLabel: 'harbor-system.harbor-pull',
  pruneOnOptOut: true,
};
const keep = { ...settings, pruneOnOptOut: false };
const present: SourceState = { status: 'present', dockerConfigJson: 'e30=', hash: 'sha256:new' };

const copy = (overrides: Partial<ManagedCopy> = {}): ManagedCopy => ({
  namespace: 'team-a',
  name: 'harbor-pull',
  uid: 'u1',
  resourceVersion: '7',
  source: 'harbor-system.harbor-pull',
  hash: 'sha256:new',
  ...overrides,
});
const state = (overrides: Partial<NamespaceSyncState> = {}): NamespaceSyncState => ({
  namespace: 'team-a',
  optedIn: true,
  terminating: false,
  managedCopies: [],
  pullSecretNames: new Set(),
  ...overrides,
});

describe('planning one namespace of the pull-secret sync', () => {
  const stale = copy({ hash: 'sha256:old' });
  const cases: {
    name: string;
    settings?: SyncSettings | undefined;
    source?: SourceState;
    state: NamespaceSyncState;
    actions: SyncAction[];
  }[] = [
    {
      name: 'an opted-in namespace without the copy gets it created',
      state: state(),
      actions: [{ kind: 'create', name: 'harbor-pull' }],
    },
    {
      name: 'an opted-in namespace with a current copy needs nothing',
      state: state({ managedCopies: [copy()], pullSecretNames: new Set(['harbor-pull']) }),
      actions: [],
    },
    {
      name: 'a copy with an old hash (the source rotated) is updated',
      state: state({ managedCopies: [stale] }),
      actions: [{ kind: 'update', copy: stale }],
    },
    {
      name: 'a copy of the same name made from another source is taken over by an update',
      state: state({ managedCopies: [copy({ source: 'other.secret' })] }),
      actions: [{ kind: 'update', copy: copy({ source: 'other.secret' }) }],
    },
    {
      name: 'a copy without a hash annotation is updated',
      state: state({ managedCopies: [copy({ hash: undefined })] }),
      actions: [{ kind: 'update', copy: copy({ hash: undefined }) }],
    },
    {
      name: 'a Secret of that name that the cache does not know as managed is inspected before anything is written',
      state: state({ pullSecretNames: new Set(['harbor-pull']) }),
      actions: [{ kind: 'inspect', name: 'harbor-pull' }],
    },
    {
      name: 'a namespace that opted out loses its copy when pruneOnOptOut is set',
      state: state({ optedIn: false, managedCopies: [copy()] }),
      actions: [{ kind: 'delete', copy: copy() }],
    },
    {
      name: 'a namespace that opted out keeps its copy when pruneOnOptOut is false',
      settings: keep,
      state: state({ optedIn: false, managedCopies: [copy()] }),
      actions: [],
    },
    {
      name: 'a namespace that never opted in and has no copy needs nothing',
      state: state({ optedIn: false }),
      actions: [],
    },
    {
      name: 'a copy under an old name (the policy renamed the copy) is pruned',
      settings: { ...settings, copyName: 'harbor-pull-v2' },
      state: state({ managedCopies: [copy()] }),
      actions: [
        { kind: 'delete', copy: copy() },
        { kind: 'create', name: 'harbor-pull-v2' },
      ],
    },
    {
      name: 'a copy under an old name is kept when pruneOnOptOut is false',
      settings: { ...keep, copyName: 'harbor-pull-v2' },
      state: state({ managedCopies: [copy()] }),
      actions: [{ kind: 'create', name: 'harbor-pull-v2' }],
    },
    {
      name: 'a managed copy of another source under another name is left alone',
      state: state({ managedCopies: [copy({ name: 'other', source: 'elsewhere.other' })] }),
      actions: [{ kind: 'create', name: 'harbor-pull' }],
    },
    {
      name: 'a missing source creates nothing and deletes nothing',
      source: { status: 'missing' },
      state: state({ managedCopies: [stale] }),
      actions: [],
    },
    {
      name: 'an unusable source (no .dockerconfigjson) creates nothing and deletes nothing',
      source: { status: 'invalid', reason: 'no key' },
      state: state(),
      actions: [],
    },
    {
      name: 'a source not yet read creates nothing, but opt-outs are still pruned',
      source: { status: 'unknown' },
      state: state({ optedIn: false, managedCopies: [copy()] }),
      actions: [{ kind: 'delete', copy: copy() }],
    },
    {
      name: 'a terminating namespace is left alone',
      state: state({ terminating: true, managedCopies: [stale] }),
      actions: [],
    },
    {
      name: 'the source namespace gets no copy over the source itself',
      state: state({ namespace: 'harbor-system', pullSecretNames: new Set(['harbor-pull']) }),
      actions: [],
    },
    {
      name: 'the source namespace gets a copy when the copy has another name',
      settings: { ...settings, copyName: 'harbor-pull-copy' },
      state: state({ namespace: 'harbor-system' }),
      actions: [{ kind: 'create', name: 'harbor-pull-copy' }],
    },
    {
      name: 'the source itself is never deleted, even when labelled as a copy',
      state: state({
        namespace: 'harbor-system',
        optedIn: false,
        managedCopies: [copy({ namespace: 'harbor-system' })],
      }),
      actions: [],
    },
    {
      name: 'no sync settings (sync turned off) means no action, copies stay',
      settings: undefined,
      state: state({ optedIn: false, managedCopies: [copy()] }),
      actions: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const chosen = 'settings' in c ? c.settings : settings;
      assert.deepEqual(planNamespace(chosen, c.source ?? present, c.state), c.actions);
    });
  }
});

describe('deciding about a Secret read under the copy name', () => {
  const managedLabels = {
    [MANAGED_BY_LABEL]: 'harbor-image-webhook',
    [SOURCE_LABEL]: settings.sourceLabel,
  };
  const secret = (labels?: Record<string, string>, hash?: string): ExistingSecret => ({
    uid: 'u',
    resourceVersion: '3',
    labels,
    annotations: hash === undefined ? undefined : { [HASH_ANNOTATION]: hash },
  });
  const cases: {
    name: string;
    existing: ExistingSecret | undefined;
    decision: ExistingDecision;
  }[] = [
    { name: 'nothing there: create it', existing: undefined, decision: 'create' },
    {
      name: 'a Secret without labels is somebody else’s: conflict',
      existing: secret(),
      decision: 'conflict',
    },
    {
      name: 'a Secret managed by another tool is a conflict',
      existing: secret({ [MANAGED_BY_LABEL]: 'Helm' }),
      decision: 'conflict',
    },
    {
      name: 'our managed-by label without a source label is not ours: conflict',
      existing: secret({ [MANAGED_BY_LABEL]: 'harbor-image-webhook' }),
      decision: 'conflict',
    },
    {
      name: 'our copy with the current hash is unchanged',
      existing: secret(managedLabels, 'sha256:new'),
      decision: 'unchanged',
    },
    {
      name: 'our copy with an old hash is updated',
      existing: secret(managedLabels, 'sha256:old'),
      decision: 'update',
    },
    {
      name: 'our copy from another source is updated',
      existing: secret({ ...managedLabels, [SOURCE_LABEL]: 'x.y' }, 'sha256:new'),
      decision: 'update',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(
        decideExisting(settings, { dockerConfigJson: 'e30=', hash: 'sha256:new' }, c.existing),
        c.decision,
      );
    });
  }
});

describe('the managed copy', () => {
  it('is a dockerconfigjson Secret with the managed labels, the source and the hash of its data', () => {
    const body = copyBody(
      settings,
      { dockerConfigJson: 'e30=', hash: dockerConfigHash('e30=') },
      'team-a',
    );
    assert.deepEqual(body, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'harbor-pull',
        namespace: 'team-a',
        labels: {
          'app.kubernetes.io/managed-by': 'harbor-image-webhook',
          'harbor-image-webhook/pull-secret-source': 'harbor-system.harbor-pull',
        },
        annotations: {
          'harbor-image-webhook/pull-secret-source': 'harbor-system/harbor-pull',
          'harbor-image-webhook/pull-secret-hash': dockerConfigHash('e30='),
        },
      },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': 'e30=' },
    });
  });

  it('carries the resourceVersion it replaces on an update', () => {
    const body = copyBody(settings, { dockerConfigJson: 'e30=', hash: 'h' }, 'team-a', '42');
    assert.equal(body.metadata?.resourceVersion, '42');
  });

  it('hashes data so that a rotation changes the hash', () => {
    assert.notEqual(dockerConfigHash('e30='), dockerConfigHash('eyJhIjoxfQ=='));
    assert.match(dockerConfigHash('e30='), /^sha256:[0-9a-f]{64}$/);
  });

  it('names a long source in a label value of at most 63 characters, distinct per source', () => {
    const long = sourceLabelValue('a'.repeat(60), 'b'.repeat(60));
    const other = sourceLabelValue('a'.repeat(60), 'c'.repeat(60));
    assert.ok(long.length <= 63);
    assert.match(long, /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/);
    assert.notEqual(long, other);
    assert.equal(sourceLabelValue('harbor-system', 'harbor-pull'), 'harbor-system.harbor-pull');
  });

  it('takes its name, source and prune setting from the policy, the name defaulting to the source name', () => {
    const policy = examplePolicy({ pullSecretSync: { source: 'harbor-system/robot' } });
    assert.deepEqual(syncSettings(policy), {
      sourceNamespace: 'harbor-system',
      sourceName: 'robot',
      copyName: 'robot',
      sourceLabel: 'harbor-system.robot',
      pruneOnOptOut: true,
    });
    const renamed = examplePolicy({
      pullSecretSync: { source: 'harbor-system/robot', name: 'harbor-pull', pruneOnOptOut: false },
    });
    assert.equal(syncSettings(renamed)?.copyName, 'harbor-pull');
    assert.equal(syncSettings(renamed)?.pruneOnOptOut, false);
    assert.equal(syncSettings(examplePolicy()), undefined);
  });
});
