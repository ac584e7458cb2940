import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { mutatePodTemplate, type MutationOptions } from '../../src/core/mutate.ts';
import type { Policy } from '../../src/core/policy.ts';
import { examplePolicy, loadJsonFixture } from '../helpers/fixtures.ts';

const { applyPatch, deepClone } = fastJsonPatch;
const ANNOTATION = 'harbor-image-webhook/original-images';

type Pod = {
  metadata?: { annotations?: Record<string, string>; [key: string]: unknown };
  spec: {
    containers: { name: string; image: string; imagePullPolicy?: string }[];
    initContainers?: { name: string; image: string; imagePullPolicy?: string }[];
    ephemeralContainers?: { name: string; image: string; imagePullPolicy?: string }[];
    imagePullSecrets?: { name: string }[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
};

function fixturePod(): Pod {
  return loadJsonFixture<{ request: { object: Pod } }>('pod-create-v1.json').request.object;
}

function mutate(pod: unknown, policy: Policy = examplePolicy(), options: MutationOptions = {}) {
  const result = mutatePodTemplate(pod, policy, options);
  if (!result.ok) throw new Error(`unexpected problem: ${result.problem}`);
  return result.mutation;
}

/** Applies `patch` to a copy of `document` exactly as the apiserver would (validating every operation). */
function patched<T>(document: T, patch: readonly Operation[]): T {
  return applyPatch(deepClone(document), deepClone(patch) as Operation[], true, false).newDocument;
}

const pod = (containers: Pod['spec']['containers'], extra: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'p' },
  spec: { containers, ...extra },
});

describe('mutating a realistic Pod from the apiserver', () => {
  it('rewrites containers and initContainers, keeps excluded images, and touches nothing else', () => {
    const original = fixturePod();
    const mutation = mutate(original);
    const after = patched(original, mutation.patch);
    assert.equal(
      after.spec.initContainers?.[0]?.image,
      'harbor.example.com/ghcr-proxy/acme/shop-migrations:v2.3.1',
    );
    assert.equal(
      after.spec.containers[0]?.image,
      'harbor.example.com/dockerhub-proxy/library/nginx:1.25',
    );
    assert.equal(
      after.spec.containers[1]?.image,
      'harbor.example.com/dockerhub-proxy/library/busybox',
    );
    assert.equal(after.spec.containers[2]?.image, 'registry.k8s.io/pause:3.9');
    const untouched = (value: Pod) => {
      const copy = deepClone(value) as Pod;
      delete copy.metadata?.annotations;
      delete copy.spec.imagePullSecrets;
      for (const container of [...copy.spec.containers, ...(copy.spec.initContainers ?? [])]) {
        container.image = '';
        delete container.imagePullPolicy;
      }
      return copy;
    };
    assert.deepEqual(untouched(after), untouched(original));
  });

  it('sets pull policies by tag: untagged busybox Always, pinned tags IfNotPresent', () => {
    const after = patched(fixturePod(), mutate(fixturePod()).patch);
    assert.deepEqual(
      after.spec.containers.map((container) => container.imagePullPolicy),
      ['IfNotPresent', 'Always', 'IfNotPresent'],
    );
    assert.equal(after.spec.initContainers?.[0]?.imagePullPolicy, 'IfNotPresent');
  });

  it('appends the policy pull secret after the Pod own secret', () => {
    const after = patched(fixturePod(), mutate(fixturePod()).patch);
    assert.deepEqual(after.spec.imagePullSecrets, [
      { name: 'team-registry' },
      { name: 'harbor-pull' },
    ]);
  });

  it('records every rewritten container original image in the annotation', () => {
    const after = patched(fixturePod(), mutate(fixturePod()).patch);
    assert.deepEqual(JSON.parse(after.metadata?.annotations?.[ANNOTATION] ?? '{}'), {
      migrate: 'ghcr.io/acme/shop-migrations:v2.3.1',
      web: 'nginx:1.25',
      sidecar: 'busybox',
    });
  });

  it('produces the exact patch, sorted by path, with the annotation key escaped as ~1', () => {
    const patch = mutate(fixturePod()).patch;
    assert.deepEqual(
      patch.map((operation) => `${operation.op} ${operation.path}`),
      [
        'add /metadata/annotations',
        'replace /spec/containers/0/image',
        'replace /spec/containers/1/image',
        'add /spec/imagePullSecrets/1',
        'replace /spec/initContainers/0/image',
      ],
    );
    const withAnnotations = fixturePod();
    withAnnotations.metadata = { ...withAnnotations.metadata, annotations: { team: 'shop' } };
    const annotationOp = mutate(withAnnotations).patch.find((operation) =>
      operation.path.includes('annotations'),
    );
    assert.equal(annotationOp?.path, '/metadata/annotations/harbor-image-webhook~1original-images');
    assert.equal(annotationOp?.op, 'add');
  });

  it('gives the same patch every time for the same input', () => {
    assert.deepEqual(mutate(fixturePod()).patch, mutate(fixturePod()).patch);
  });

  it('is idempotent: the mutated Pod fed back yields an empty patch', () => {
    const once = patched(fixturePod(), mutate(fixturePod()).patch);
    const again = mutate(once);
    assert.deepEqual(again.patch, []);
    assert.ok(again.changes.filter((change) => change.reason === 'rewritten').length === 0);
  });

  it('explains every image, including the ones left alone', () => {
    const changes = mutate(fixturePod()).changes.filter((change) => change.path.endsWith('/image'));
    assert.deepEqual(
      changes.map((change) => [change.path, change.reason]),
      [
        ['/spec/initContainers/0/image', 'rewritten'],
        ['/spec/containers/0/image', 'rewritten'],
        ['/spec/containers/1/image', 'rewritten'],
        ['/spec/containers/2/image', 'excluded'],
      ],
    );
  });
});

describe('pull secrets are merged, never duplicated or replaced', () => {
  it('creates the imagePullSecrets list when the Pod has none', () => {
    const mutation = mutate(pod([{ name: 'a', image: 'nginx:1' }]));
    assert.deepEqual(
      mutation.patch.find((operation) => operation.path === '/spec/imagePullSecrets'),
      { op: 'add', path: '/spec/imagePullSecrets', value: [{ name: 'harbor-pull' }] },
    );
  });

  it('does not add a secret the Pod already lists', () => {
    const mutation = mutate(
      pod([{ name: 'a', image: 'nginx:1' }], { imagePullSecrets: [{ name: 'harbor-pull' }] }),
    );
    assert.ok(!mutation.patch.some((operation) => operation.path.includes('imagePullSecrets')));
  });

  it('keeps the Pod own secrets first and in their order', () => {
    const policy = examplePolicy({ imagePullSecrets: ['harbor-pull', 'b', 'c'] });
    const before = pod([{ name: 'a', image: 'nginx:1' }], {
      imagePullSecrets: [{ name: 'z' }, { name: 'b' }],
    });
    const after = patched(before, mutate(before, policy).patch);
    assert.deepEqual(
      after.spec.imagePullSecrets?.map((secret) => secret.name),
      ['z', 'b', 'harbor-pull', 'c'],
    );
  });

  it('appends many secrets in order even past ten', () => {
    const names = Array.from({ length: 12 }, (_, index) => `s${index}`);
    const before = pod([{ name: 'a', image: 'nginx:1' }], { imagePullSecrets: [{ name: 'x' }] });
    const after = patched(before, mutate(before, examplePolicy({ imagePullSecrets: names })).patch);
    assert.deepEqual(
      after.spec.imagePullSecrets?.map((secret) => secret.name),
      ['x', ...names],
    );
  });

  it('adds no secrets when the policy has none', () => {
    const mutation = mutate(
      pod([{ name: 'a', image: 'nginx:1' }]),
      examplePolicy({ imagePullSecrets: [] }),
    );
    assert.ok(!mutation.patch.some((operation) => operation.path.includes('imagePullSecrets')));
  });
});

describe('imagePullPolicy modes', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const cases = [
    {
      name: 'enforce sets Always for latest',
      mode: 'enforce',
      image: 'nginx:latest',
      current: 'IfNotPresent',
      expected: 'Always',
    },
    {
      name: 'enforce sets Always for no tag',
      mode: 'enforce',
      image: 'nginx',
      current: undefined,
      expected: 'Always',
    },
    {
      name: 'enforce sets IfNotPresent for a pinned tag that has no policy',
      mode: 'enforce',
      image: 'nginx:1.25',
      current: undefined,
      expected: 'IfNotPresent',
    },
    {
      name: 'enforce sets IfNotPresent for a digest that has no policy',
      mode: 'enforce',
      image: `nginx@${digest}`,
      current: undefined,
      expected: 'IfNotPresent',
    },
    {
      name: 'enforce leaves Never alone',
      mode: 'enforce',
      image: 'nginx:latest',
      current: 'Never',
      expected: 'Never',
    },
    {
      name: 'enforce applies to images left alone too',
      mode: 'enforce',
      image: 'quay.io/a/b:latest',
      current: 'IfNotPresent',
      expected: 'Always',
    },
    {
      name: 'enforce leaves an unparsable image alone',
      mode: 'enforce',
      image: 'Bad:Image',
      current: 'IfNotPresent',
      expected: 'IfNotPresent',
    },
    {
      name: 'ifNotSet fills a missing policy',
      mode: 'ifNotSet',
      image: 'nginx',
      current: undefined,
      expected: 'Always',
    },
    {
      name: 'ifNotSet keeps a set policy',
      mode: 'ifNotSet',
      image: 'nginx',
      current: 'IfNotPresent',
      expected: 'IfNotPresent',
    },
    {
      name: 'off never sets a missing policy',
      mode: 'off',
      image: 'nginx',
      current: undefined,
      expected: undefined,
    },
    {
      name: 'off never changes a set policy',
      mode: 'off',
      image: 'nginx:1',
      current: 'Always',
      expected: 'Always',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(pullPolicyAfter(c.mode, c.image, c.current), c.expected);
    });
  }

  it('enforce never lowers an explicit Always, whatever the tag or digest', () => {
    for (const image of [
      'nginx:1.25',
      `nginx@${digest}`,
      `nginx:latest@${digest}`,
      'quay.io/a/b:1',
    ]) {
      assert.equal(pullPolicyAfter('enforce', image, 'Always'), 'Always', image);
    }
  });

  /**
   * Every mode against every value the field can hold, for a mutable and a
   * pinned reference: the rule README.md states. Unset and "" are the same.
   */
  const UNSET = undefined;
  const RULE: Record<
    string,
    Record<string, [mutable: string | undefined, pinned: string | undefined]>
  > = {
    enforce: {
      unset: ['Always', 'IfNotPresent'],
      empty: ['Always', 'IfNotPresent'],
      IfNotPresent: ['Always', 'IfNotPresent'],
      Always: ['Always', 'Always'],
      Never: ['Never', 'Never'],
    },
    ifNotSet: {
      unset: ['Always', 'IfNotPresent'],
      empty: ['Always', 'IfNotPresent'],
      IfNotPresent: ['IfNotPresent', 'IfNotPresent'],
      Always: ['Always', 'Always'],
      Never: ['Never', 'Never'],
    },
    off: {
      unset: [UNSET, UNSET],
      empty: ['', ''],
      IfNotPresent: ['IfNotPresent', 'IfNotPresent'],
      Always: ['Always', 'Always'],
      Never: ['Never', 'Never'],
    },
  };
  const currentValue = (label: string): string | undefined =>
    label === 'unset' ? undefined : label === 'empty' ? '' : label;
  for (const [mode, row] of Object.entries(RULE)) {
    for (const [label, [mutable, pinned]] of Object.entries(row)) {
      it(`${mode} with ${label} gives ${mutable ?? 'unset'} for a mutable tag and ${pinned ?? 'unset'} for a pinned one`, () => {
        const current = currentValue(label);
        assert.equal(pullPolicyAfter(mode, 'nginx:latest', current), mutable);
        assert.equal(pullPolicyAfter(mode, 'nginx', current), mutable);
        assert.equal(pullPolicyAfter(mode, 'nginx:1.25', current), pinned);
        assert.equal(pullPolicyAfter(mode, `nginx@${digest}`, current), pinned);
      });
    }
  }

  it('touches no pull policy of a Pod that AlwaysPullImages has already set to Always, in any mode', () => {
    const containers = ['nginx:1.25', `nginx@${digest}`, 'quay.io/a/b:1', 'nginx'].map(
      (image, index) => ({ name: `c${index}`, image, imagePullPolicy: 'Always' }),
    );
    for (const mode of ['enforce', 'ifNotSet', 'off']) {
      const mutation = mutate(pod(containers), examplePolicy({ imagePullPolicy: mode }));
      assert.deepEqual(
        mutation.patch.filter((operation) => operation.path.endsWith('/imagePullPolicy')),
        [],
        mode,
      );
    }
  });
});

function pullPolicyAfter(mode: string, image: string, current: string | undefined) {
  const container = {
    name: 'a',
    image,
    ...(current === undefined ? {} : { imagePullPolicy: current }),
  };
  const before = pod([container]);
  const after = patched(before, mutate(before, examplePolicy({ imagePullPolicy: mode })).patch);
  return after.spec.containers[0]?.imagePullPolicy;
}

describe('the original-images annotation', () => {
  it('creates metadata.annotations when absent', () => {
    const mutation = mutate(pod([{ name: 'a', image: 'nginx:1' }]));
    assert.deepEqual(
      mutation.patch.find((operation) => operation.path === '/metadata/annotations'),
      {
        op: 'add',
        path: '/metadata/annotations',
        value: { [ANNOTATION]: '{"a":"nginx:1"}' },
      },
    );
  });

  it('creates metadata itself when a template has none', () => {
    const template = { spec: { containers: [{ name: 'a', image: 'nginx:1' }] } };
    const after = patched(template, mutate(template).patch) as unknown as Pod;
    assert.equal(after.metadata?.annotations?.[ANNOTATION], '{"a":"nginx:1"}');
  });

  it('keeps the first recorded original when a container is added later', () => {
    const before = pod([
      { name: 'a', image: 'harbor.example.com/dockerhub-proxy/library/nginx:1' },
      { name: 'b', image: 'redis:7' },
    ]);
    before.metadata = { name: 'p', annotations: { [ANNOTATION]: '{"a":"nginx:1"}' } };
    const after = patched(before, mutate(before).patch);
    assert.deepEqual(JSON.parse(after.metadata?.annotations?.[ANNOTATION] ?? ''), {
      a: 'nginx:1',
      b: 'redis:7',
    });
  });

  it('replaces a hand-edited annotation that is not JSON, and says so', () => {
    const before = pod([{ name: 'a', image: 'nginx:1' }]);
    before.metadata = { name: 'p', annotations: { [ANNOTATION]: 'not json' } };
    const mutation = mutate(before);
    assert.equal(
      patched(before, mutation.patch).metadata?.annotations?.[ANNOTATION],
      '{"a":"nginx:1"}',
    );
    assert.ok(mutation.warnings.some((warning) => warning.includes('not a JSON object')));
  });

  it('is not added when nothing was rewritten', () => {
    const mutation = mutate(
      pod([{ name: 'a', image: 'quay.io/a/b:1', imagePullPolicy: 'IfNotPresent' }]),
    );
    assert.ok(!mutation.patch.some((operation) => operation.path.startsWith('/metadata')));
  });

  it('does not let a container named __proto__ touch prototypes', () => {
    const before = pod([{ name: '__proto__', image: 'nginx:1' }]);
    const after = patched(before, mutate(before).patch);
    assert.deepEqual(
      JSON.parse(after.metadata?.annotations?.[ANNOTATION] ?? ''),
      JSON.parse('{"__proto__":"nginx:1"}'),
    );
    assert.equal(({} as Record<string, unknown>)['nginx:1'], undefined);
  });
});

describe('ephemeral containers', () => {
  it('are rewritten on a Pod CREATE like every other container', () => {
    const before = pod([{ name: 'a', image: 'nginx:1' }], {
      ephemeralContainers: [{ name: 'debug', image: 'busybox:1.36' }],
    });
    const after = patched(before, mutate(before).patch);
    assert.equal(
      after.spec.ephemeralContainers?.[0]?.image,
      'harbor.example.com/dockerhub-proxy/library/busybox:1.36',
    );
  });

  it('an ephemeral-container update rewrites only the new ones and nothing at Pod level', () => {
    const before = pod([{ name: 'a', image: 'nginx:1' }], {
      ephemeralContainers: [
        { name: 'old', image: 'busybox:1.35' },
        { name: 'new', image: 'busybox:1.36' },
      ],
    });
    const patch = mutate(before, examplePolicy(), {
      scope: { kind: 'new-ephemeral-containers', existing: new Set(['old']) },
    }).patch;
    assert.deepEqual(
      patch.map((operation) => operation.path),
      ['/spec/ephemeralContainers/1/image', '/spec/ephemeralContainers/1/imagePullPolicy'],
    );
  });
});

describe('workload templates and odd input', () => {
  it('writes paths under the template base path', () => {
    const deployment = { spec: { template: pod([{ name: 'a', image: 'nginx:1' }]) } };
    const mutation = mutatePodTemplate(deployment.spec.template, examplePolicy(), {
      basePath: ['spec', 'template'],
    });
    assert.ok(mutation.ok);
    if (!mutation.ok) return;
    assert.ok(
      mutation.mutation.patch.every((operation) => operation.path.startsWith('/spec/template/')),
    );
    const after = patched(deployment, mutation.mutation.patch);
    assert.equal(
      after.spec.template.spec.containers[0]?.image,
      'harbor.example.com/dockerhub-proxy/library/nginx:1',
    );
  });

  it('warns about an image that does not parse and leaves it as written', () => {
    const mutation = mutate(pod([{ name: 'a', image: 'nginx:-bad' }]));
    assert.ok(!mutation.patch.some((operation) => operation.path.endsWith('/image')));
    assert.equal(mutation.warnings.length, 1);
    assert.match(mutation.warnings[0] ?? '', /containers\[0\] "a": not a valid image reference/);
  });

  const shapes = [
    { name: 'a template that is not an object', template: 'pod', problem: 'must be an object' },
    {
      name: 'containers that are not a list',
      template: { spec: { containers: {} } },
      problem: 'spec.containers must be a list',
    },
    {
      name: 'a container that is not an object',
      template: { spec: { containers: ['nginx'] } },
      problem: 'spec.containers must be a list of objects',
    },
    {
      name: 'annotations that are a list',
      template: { metadata: { annotations: [] }, spec: {} },
      problem: 'metadata.annotations',
    },
    {
      name: 'pull secrets that are strings',
      template: { spec: { imagePullSecrets: ['x'] } },
      problem: 'spec.imagePullSecrets',
    },
  ];
  for (const c of shapes) {
    it(`refuses ${c.name} with a reason`, () => {
      const result = mutatePodTemplate(c.template, examplePolicy());
      assert.equal(result.ok, false);
      if (!result.ok)
        assert.match(result.problem, new RegExp(c.problem.replace(/[.[\]]/g, '\\$&')));
    });
  }
});

describe('bounded work', () => {
  it('refuses a Pod with more containers than the cap quickly instead of processing them', () => {
    const containers = Array.from({ length: 10_000 }, (_, index) => ({
      name: `c${index}`,
      image: `nginx:${index}`,
    }));
    const started = performance.now();
    const result = mutatePodTemplate(pod(containers), examplePolicy());
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.problem, /10000 containers; at most 1000/);
    assert.ok(performance.now() - started < 500);
  });

  it('processes a Pod at the cap', () => {
    const containers = Array.from({ length: 1000 }, (_, index) => ({
      name: `c${index}`,
      image: `nginx:${index}`,
    }));
    const result = mutatePodTemplate(pod(containers), examplePolicy());
    assert.ok(result.ok);
  });
});
