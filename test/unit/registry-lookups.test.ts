/**
 * The I/O step of a verified admission, `lookUpWithin`: always an answer for
 * every reference, within the budget plus its slack, and no timer or promise
 * race when the client answers from memory.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  lookupKey,
  type RegistryLookup,
  type RegistryLookups,
} from '../../src/core/registry-lookup.ts';
import type { ImageReference } from '../../src/core/reference.ts';
import { LOOKUP_GUARD_SLACK_MS, lookUpWithin } from '../../src/server/registry-lookups.ts';

const app: ImageReference = { registry: 'harbor.example.com', repository: 'p/app', tag: 'v1' };
const db: ImageReference = { registry: 'harbor.example.com', repository: 'p/db', tag: 'v2' };
const found: RegistryLookup = { status: 'found', digest: `sha256:${'a'.repeat(64)}`, cached: true };

/** A client whose answers the test chooses; counts its calls. */
function fakeClient(parts: {
  lookupAll?: RegistryLookups['lookupAll'];
  cachedAll?: RegistryLookups['cachedAll'];
}): RegistryLookups & { calls: { lookupAll: number; cachedAll: number } } {
  const calls = { lookupAll: 0, cachedAll: 0 };
  return {
    calls,
    lookupAll: async (references, budgetMs) => {
      calls.lookupAll += 1;
      if (parts.lookupAll === undefined) throw new Error('lookupAll not expected');
      return parts.lookupAll(references, budgetMs);
    },
    ...(parts.cachedAll === undefined
      ? {}
      : {
          cachedAll: (references: readonly ImageReference[]) => {
            calls.cachedAll += 1;
            return parts.cachedAll?.(references);
          },
        }),
  };
}

describe('lookUpWithin', () => {
  it('asks nothing when there is nothing to look up', async () => {
    const client = fakeClient({});
    const result = await lookUpWithin(client, [], 500);
    assert.equal(result.lookups.size, 0);
    assert.deepEqual(client.calls, { lookupAll: 0, cachedAll: 0 });
  });

  it('without a client, every reference is unavailable and says where to look', async () => {
    const result = await lookUpWithin(undefined, [app], 500);
    const lookup = result.lookups.get(lookupKey(app));
    assert.equal(lookup?.status, 'unavailable');
    assert.match(lookup?.status === 'unavailable' ? lookup.reason : '', /start-up log/);
    assert.deepEqual(result.counts, { found: 0, missing: 0, unavailable: 1 });
  });

  it('takes a warm answer from cachedAll without calling lookupAll', async () => {
    const client = fakeClient({ cachedAll: () => new Map([[lookupKey(app), found]]) });
    const result = await lookUpWithin(client, [app], 500);
    assert.deepEqual(client.calls, { lookupAll: 0, cachedAll: 1 });
    assert.deepEqual(result.lookups.get(lookupKey(app)), found);
    assert.deepEqual(result.counts, { found: 1, missing: 0, unavailable: 0 });
  });

  it('falls back to lookupAll when cachedAll cannot answer every reference', async () => {
    const client = fakeClient({
      cachedAll: () => undefined,
      lookupAll: async () =>
        new Map<string, RegistryLookup>([
          [lookupKey(app), found],
          [lookupKey(db), { status: 'missing', cached: false, detail: 'HTTP 404' }],
        ]),
    });
    const result = await lookUpWithin(client, [app, db], 500);
    assert.deepEqual(client.calls, { lookupAll: 1, cachedAll: 1 });
    assert.deepEqual(result.counts, { found: 1, missing: 1, unavailable: 0 });
  });

  it('stops waiting for a client that never answers after the budget and its slack', async () => {
    const client = fakeClient({ lookupAll: () => new Promise(() => {}) });
    const started = performance.now();
    const result = await lookUpWithin(client, [app], 20);
    const waitedMs = performance.now() - started;
    assert.ok(waitedMs >= 20 + LOOKUP_GUARD_SLACK_MS - 5, `waited ${waitedMs.toFixed(0)} ms`);
    assert.ok(waitedMs < 20 + LOOKUP_GUARD_SLACK_MS + 1000, `waited ${waitedMs.toFixed(0)} ms`);
    const lookup = result.lookups.get(lookupKey(app));
    assert.match(
      lookup?.status === 'unavailable' ? lookup.reason : '',
      /within the budget of 20 ms/,
    );
  });

  it('turns a client that rejects into unavailable, with the reason', async () => {
    const client = fakeClient({
      lookupAll: async () => {
        throw new Error('socket exploded');
      },
    });
    const result = await lookUpWithin(client, [app, db], 500);
    assert.deepEqual(result.counts, { found: 0, missing: 0, unavailable: 2 });
    const lookup = result.lookups.get(lookupKey(db));
    assert.match(lookup?.status === 'unavailable' ? lookup.reason : '', /socket exploded/);
  });
});
