/**
 * Property tests over generated Pods: whatever the Pod, the patch applies,
 * touches only what the webhook may change, and a second pass changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { mutatePodTemplate } from '../../src/core/mutate.ts';
import { examplePolicy } from '../helpers/fixtures.ts';

const RUNS = 2000;
const policies = [
  examplePolicy(),
  examplePolicy({ imagePullPolicy: 'ifNotSet', imagePullSecrets: ['a', 'b'] }),
  examplePolicy({ imagePullPolicy: 'off', imagePullSecrets: [] }),
];

const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`);
const image = fc.oneof(
  fc.constantFrom(
    'nginx',
    'nginx:1.25',
    'busybox:latest',
    'ghcr.io/org/app:v1',
    'registry.k8s.io/pause:3.9',
    'quay.io/a/b',
    'harbor.example.com/p/x:1',
    'localhost:5000/app',
    '[::1]:5000/app:v1',
  ),
  fc
    .tuple(fc.constantFrom('nginx', 'ghcr.io/o/a', 'docker.io/u/r'), digest)
    .map(([name, sum]) => `${name}@${sum}`),
  fc.string({ maxLength: 40 }),
);
const container = fc.record(
  {
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
    image,
    // null is how YAML spells "not set"; the webhook must treat it as absent.
    imagePullPolicy: fc.constantFrom('Always', 'IfNotPresent', 'Never', null),
    env: fc.array(
      fc.record({ name: fc.string({ maxLength: 8 }), value: fc.string({ maxLength: 8 }) }),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: ['name', 'image'] },
);
const pod = fc.record(
  {
    metadata: fc.record(
      {
        name: fc.string({ maxLength: 10 }),
        annotations: fc.oneof(
          fc.dictionary(
            fc.constantFrom('a', 'b/c', 'harbor-image-webhook/original-images'),
            fc.string({ maxLength: 30 }),
          ),
          fc.constant(null),
        ),
        labels: fc.dictionary(fc.constantFrom('app', 'tier'), fc.string({ maxLength: 5 })),
      },
      { requiredKeys: [] },
    ),
    spec: fc.record(
      {
        containers: fc.array(container, { minLength: 1, maxLength: 6 }),
        initContainers: fc.array(container, { maxLength: 3 }),
        ephemeralContainers: fc.array(container, { maxLength: 2 }),
        imagePullSecrets: fc.oneof(
          fc.array(fc.record({ name: fc.constantFrom('a', 'harbor-pull', 'z') }), { maxLength: 3 }),
          fc.constant(null),
        ),
        nodeName: fc.string({ maxLength: 5 }),
      },
      { requiredKeys: ['containers'] },
    ),
  },
  { requiredKeys: ['spec'] },
);

const ALLOWED_PATH =
  /^\/(metadata(\/annotations(\/harbor-image-webhook~1original-images)?)?|spec\/imagePullSecrets(\/\d+)?|spec\/(containers|initContainers|ephemeralContainers)\/\d+\/(image|imagePullPolicy))$/;

function apply<T>(document: T, patch: readonly Operation[]): T {
  return fastJsonPatch.applyPatch(
    structuredClone(document),
    structuredClone(patch) as Operation[],
    true,
    false,
  ).newDocument;
}

/** Paths in pointer order: token by token, array indices numerically, so a patch reads top-down. */
function assertPointerOrder(paths: readonly string[]): void {
  const key = (token: string): string | number => (/^\d+$/.test(token) ? Number(token) : token);
  for (let i = 1; i < paths.length; i++) {
    const previous = (paths[i - 1] ?? '').split('/').map(key);
    const current = (paths[i] ?? '').split('/').map(key);
    const at = previous.findIndex((token, index) => token !== current[index]);
    const [a, b] = [previous[at], current[at]];
    const ordered =
      at === -1 || b === undefined
        ? previous.length < current.length
        : typeof a === 'number' && typeof b === 'number'
          ? a < b
          : String(a) < String(b);
    assert.ok(ordered, `${paths[i - 1]} before ${paths[i]}`);
  }
}

describe('the mutation of any generated Pod', () => {
  it(`yields a patch that applies and changes only image, pull policy, pull secrets and the annotation (${RUNS} Pods)`, () => {
    fc.assert(
      fc.property(pod, fc.constantFrom(...policies), (generated, policy) => {
        const result = mutatePodTemplate(generated, policy);
        assert.ok(result.ok);
        if (!result.ok) return;
        for (const operation of result.mutation.patch) {
          assert.match(operation.path, ALLOWED_PATH);
          // The only removal: a record whose entries match none of the containers.
          if (operation.op === 'remove') assert.match(operation.path, /original-images$/);
        }
        assertPointerOrder(result.mutation.patch.map((operation) => operation.path));
        apply(generated, result.mutation.patch);
      }),
      { numRuns: RUNS },
    );
  });

  it(`is idempotent: the mutated Pod yields an empty patch (${RUNS} Pods)`, () => {
    fc.assert(
      fc.property(pod, fc.constantFrom(...policies), (generated, policy) => {
        const first = mutatePodTemplate(generated, policy);
        assert.ok(first.ok);
        if (!first.ok) return;
        const again = mutatePodTemplate(apply(generated, first.mutation.patch), policy);
        assert.ok(again.ok);
        if (again.ok) assert.deepEqual(again.mutation.patch, []);
      }),
      { numRuns: RUNS },
    );
  });

  it(`never throws on arbitrary JSON in place of a Pod (${RUNS} values)`, () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = mutatePodTemplate(value, policies[0]!);
        assert.equal(typeof result.ok, 'boolean');
      }),
      { numRuns: RUNS },
    );
  });
});
