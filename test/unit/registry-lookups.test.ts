/**
 * The I/O step of a verified admission: `cachedLookups`, the warm path the
 * route takes without awaiting anything, and `lookUpWithin`: always an
 * answer for every reference, within the budget plus its slack, and no timer
 * or promise race when the client answers from memory.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  lookupKey,
  type RegistryLookup,
  type RegistryLookups,
} from '../../src/core/registry-lookup.ts';
import type { ImageReference } from '../../src/core/reference.ts';
import {
  cachedLookups,
  LOOKUP_GUARD_SLACK_MS,
  lookUpWithin,
} from '../../src/server/registry-lookups.ts';

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

describe('cachedLookups', () => {
  const missing: RegistryLookup = { status: 'missing', cached: true, detail: 'MANIFEST_UNKNOWN' };

  it("answers synchronously, with the client's own map, when every reference is cached", () => {
    const answers = new Map<string, RegistryLookup>([
      [lookupKey(app), found],
      [lookupKey(db), missing],
    ]);
    const client = fakeClient({ cachedAll: () => answers });
    const result = cachedLookups(client, [app, db]);
    assert.equal(result?.lookups, answers, 'no copy of the answers');
    assert.deepEqual(result?.counts, { found: 1, missing: 1, unavailable: 0 });
    assert.deepEqual(client.calls, { lookupAll: 0, cachedAll: 1 });
  });

  it('is undefined when one reference is not cached, or the client has no cache', () => {
    assert.equal(cachedLookups(fakeClient({ cachedAll: () => undefined }), [app]), undefined);
    assert.equal(cachedLookups(fakeClient({}), [app]), undefined);
    assert.equal(cachedLookups(undefined, [app]), undefined);
  });

  it('fills what a client left out as unavailable rather than trusting a short answer', () => {
    const client = fakeClient({ cachedAll: () => new Map([[lookupKey(app), found]]) });
    const result = cachedLookups(client, [app, db]);
    assert.deepEqual(result?.counts, { found: 1, missing: 0, unavailable: 1 });
    assert.equal(result?.lookups.get(lookupKey(db))?.status, 'unavailable');
  });

  it('asks nothing for no references', () => {
    const client = fakeClient({ cachedAll: () => new Map() });
    assert.equal(cachedLookups(client, [])?.lookups.size, 0);
    assert.deepEqual(client.calls, { lookupAll: 0, cachedAll: 0 });
  });
});

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
