import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BoundedCache } from '../../src/core/bounded-cache.ts';
import {
  DECISION_CACHE_BUDGET_BYTES,
  decisionCacheUsage,
} from '../../src/core/image-decision-cache.ts';
import { NAMESPACE_POLICY_CACHE_BUDGET_BYTES } from '../../src/core/namespace-policy-cache.ts';
import type { NamespaceFacts } from '../../src/core/namespace-policy.ts';
import { planPod } from '../../src/core/pod-plan.ts';
import { examplePolicy } from '../helpers/fixtures.ts';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const MiB = 1024 * 1024;

function heapAfterCollection(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

const namespaceFacts = (name: string, annotations: Record<string, string>): NamespaceFacts => ({
  name,
  annotations,
  pullSecretNames: undefined,
});

/** A Pod of `count` distinct images (`org-<n>/app-<i>`), all matched by a `docker.io/**` rule. */
function podWithImages(seed: number, count: number): unknown {
  const containers = Array.from({ length: count }, (_, index) => ({
    name: `c${index}`,
    image: `docker.io/org-${seed}/app-${index}:1.${index}`,
  }));
  return { metadata: { name: 'p' }, spec: { containers } };
}

function planAll(policy: ReturnType<typeof examplePolicy>, facts: NamespaceFacts, pod: unknown) {
  const plan = planPod(pod, policy, { namespace: facts.name, facts });
  assert.equal(plan.kind, 'mutated');
  return plan;
}

describe('the bounded cache', () => {
  it('drops the least recently used entries once the byte budget is spent', () => {
    const cache = new BoundedCache<string>(300);
    cache.set('a', 'A', 100);
    cache.set('b', 'B', 100);
    cache.set('c', 'C', 100);
    assert.equal(cache.get('a'), 'A'); // now the most recently used
    cache.set('d', 'D', 100);
    assert.equal(cache.get('b'), undefined);
    assert.deepEqual([cache.get('a'), cache.get('c'), cache.get('d')], ['A', 'C', 'D']);
    assert.equal(cache.usedBytes, 300);
  });

  it('keeps an entry read between insertions through a stream of new entries', () => {
    const cache = new BoundedCache<string>(1000);
    cache.set('hot', 'H', 100);
    for (let index = 0; index < 200; index++) {
      cache.set(`cold-${index}`, 'C', 100);
      assert.equal(cache.get('hot'), 'H', `dropped after ${index + 1} insertions`);
      assert.ok(cache.usedBytes <= 1000);
    }
    assert.equal(cache.size, 10);
    assert.equal(cache.get('cold-189'), undefined, 'the cold entries went in order');
    assert.equal(cache.get('cold-199'), 'C');
  });

  it('drops the oldest when every entry was read, never the one just stored', () => {
    const cache = new BoundedCache<string>(300);
    for (const key of ['a', 'b', 'c']) cache.set(key, key.toUpperCase(), 100);
    for (const key of ['a', 'b', 'c']) cache.get(key);
    cache.set('d', 'D', 100);
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((key) => cache.get(key)),
      [undefined, 'B', 'C', 'D'],
    );
    assert.equal(cache.usedBytes, 300);
  });

  it('makes room for a large entry by dropping several, second chances included', () => {
    const cache = new BoundedCache<string>(400);
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, key, 100);
    cache.get('b');
    cache.set('big', 'BIG', 250);
    assert.deepEqual(
      ['a', 'b', 'c', 'd', 'big'].map((key) => cache.get(key)),
      [undefined, 'b', undefined, undefined, 'BIG'],
    );
    assert.equal(cache.usedBytes, 350);
  });

  it('does not keep a value larger than the whole budget, nor count it', () => {
    const cache = new BoundedCache<string>(100);
    cache.set('small', 's', 10);
    cache.set('huge', 'h', 101);
    assert.equal(cache.get('huge'), undefined);
    assert.equal(cache.get('small'), 's');
    assert.equal(cache.usedBytes, 10);
  });

  it('replacing a key counts its new size only', () => {
    const cache = new BoundedCache<string>(100);
    cache.set('k', 'one', 60);
    cache.set('k', 'two', 30);
    assert.equal(cache.get('k'), 'two');
    assert.equal(cache.size, 1);
    assert.equal(cache.usedBytes, 30);
  });
});

describe('memory with many annotated namespaces', () => {
  it('namespaces with identical override annotations share one compiled policy', () => {
    const policy = examplePolicy();
    const annotations = {
      'harbor-image-webhook/rules': '[{match: "docker.io/org-*/**", project: "team-proxy"}]',
      'harbor-image-webhook/image-pull-secrets': 'team-pull',
    };
    const pod = podWithImages(0, 5);
    const before = decisionCacheUsage().entries;
    const plans = Array.from({ length: 2000 }, (_, index) =>
      planAll(policy, namespaceFacts(`team-${index}`, { ...annotations, other: `${index}` }), pod),
    );
    // Five images decided once for all 2,000 namespaces, not 10,000 times.
    assert.equal(decisionCacheUsage().entries - before, 5);
    for (const plan of plans) {
      if (plan.kind !== 'mutated') continue;
      assert.match(JSON.stringify(plan.mutation.patch), /harbor\.example\.com\/team-proxy\/org-0/);
    }
  });

  it('2,000 namespaces with their own rules keep heap growth under 40 MiB while every decision stays right', () => {
    const policy = examplePolicy();
    const facts = Array.from({ length: 2000 }, (_, index) =>
      namespaceFacts(`team-${index}`, {
        'harbor-image-webhook/rules': `[{match: "docker.io/org-${index}/**", project: "team-${index}"}]`,
      }),
    );
    const before = heapAfterCollection();
    for (const [index, namespace] of facts.entries()) {
      const plan = planAll(policy, namespace, podWithImages(index, 50));
      if (plan.kind !== 'mutated') continue;
      const images = plan.mutation.decisions.map(({ decision }) => decision.outcome);
      assert.deepEqual(new Set(images), new Set(['rewritten']));
    }
    const growth = heapAfterCollection() - before;
    // The policy and every namespace's facts stay reachable until here, as they do in a server.
    assert.ok(policy.rules.length > 0 && facts.length === 2000);
    console.log(`heap growth over 2,000 namespaces: ${(growth / MiB).toFixed(1)} MiB`);
    // 100,000 distinct decisions: a cache per namespace held all of them (~90 MiB).
    // The budgets bound the caches; the rest is the 2,000 live compiled policies.
    const bound = 40 * MiB;
    assert.ok(
      DECISION_CACHE_BUDGET_BYTES + NAMESPACE_POLICY_CACHE_BUDGET_BYTES < bound,
      'the budgets themselves fit the bound',
    );
    assert.ok(
      growth < bound,
      `heap grew by ${(growth / MiB).toFixed(1)} MiB over 2,000 namespaces (bound 40 MiB)`,
    );
    assert.ok(decisionCacheUsage().bytes <= DECISION_CACHE_BUDGET_BYTES);
  });
});
