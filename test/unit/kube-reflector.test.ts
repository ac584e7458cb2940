import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { createBackoff } from '../../src/kube/backoff.ts';
import {
  ApiStatusError,
  type ListPage,
  type ListWatchSource,
  type WatchEvent,
} from '../../src/kube/list-watch.ts';
import { runReflector, type ReflectorStore, type RestartReason } from '../../src/kube/reflector.ts';

const silent = pino({ level: 'silent' });

type ListStep = ListPage | Error;
/** One scripted watch: events to send, then how it ends, and how long it "lasted". */
interface WatchStep {
  readonly events?: readonly WatchEvent[];
  readonly end: 'close' | Error;
  readonly lastsMs?: number;
}

const object = (name: string, resourceVersion: string, value = name) => ({
  metadata: { name, resourceVersion },
  value,
});
const page = (items: unknown[], resourceVersion: string, next?: string): ListPage => ({
  items,
  resourceVersion,
  continue: next,
});
const added = (name: string, rv: string, value = name): WatchEvent => ({
  type: 'ADDED',
  object: object(name, rv, value),
});
const gone = new ApiStatusError(410, 'too old resource version');

/**
 * Runs a reflector against a scripted source until the script is used up;
 * returns what it asked and what the store saw.
 */
async function runScript(lists: ListStep[], watches: WatchStep[], healthyWatchMs = 1_000) {
  const controller = new AbortController();
  const calls: string[] = [];
  const delays: number[] = [];
  const restarts: RestartReason[] = [];
  const store = new Map<string, string>();
  const storeLog: string[] = [];
  let clock = 0;
  let synced = 0;
  const source: ListWatchSource = {
    async list(continueToken) {
      calls.push(`list ${continueToken ?? '-'}`);
      const step = lists.shift();
      if (step === undefined) throw new Error('script: unexpected list');
      if (step instanceof Error) throw step;
      return step;
    },
    async watch(resourceVersion, onEvent) {
      calls.push(`watch ${resourceVersion}`);
      const step = watches.shift();
      if (step === undefined) {
        controller.abort();
        return;
      }
      for (const event of step.events ?? []) onEvent(event);
      clock += step.lastsMs ?? 0;
      if (step.end instanceof Error) throw step.end;
    },
  };
  const recordingStore: ReflectorStore<string> = {
    replace(records) {
      storeLog.push(`replace ${[...records.keys()].join(',')}`);
      store.clear();
      for (const [key, value] of records) store.set(key, value);
    },
    upsert(key, value) {
      storeLog.push(`upsert ${key}`);
      store.set(key, value);
    },
    remove(key) {
      storeLog.push(`remove ${key}`);
      store.delete(key);
    },
  };
  await runReflector<string>({
    name: 'things',
    source,
    toRecord: (item) => {
      const { metadata, value } = item as ReturnType<typeof object>;
      return { key: metadata.name, record: value };
    },
    store: recordingStore,
    logger: silent,
    signal: controller.signal,
    backoff: { initialMs: 100, maxMs: 1_000, factor: 2, jitter: 0.5, random: () => 0.5 },
    healthyWatchMs,
    sleep: async (ms) => void delays.push(ms),
    now: () => clock,
    onSynced: () => (synced += 1),
    onRestart: (reason) => restarts.push(reason),
  });
  return { calls, delays, restarts, store: Object.fromEntries(store), storeLog, synced };
}

describe('the reflector (list, then watch)', () => {
  it('lists every page, then watches from the list resourceVersion', async () => {
    const run = await runScript(
      [page([object('a', '5')], '10', 'token-1'), page([object('b', '6')], '10')],
      [{ events: [added('c', '11')], end: 'close', lastsMs: 5_000 }],
    );
    assert.deepEqual(run.calls.slice(0, 3), ['list -', 'list token-1', 'watch 10']);
    assert.deepEqual(run.store, { a: 'a', b: 'b', c: 'c' });
    assert.equal(run.synced, 1);
  });

  it('resumes a watch that the server closed from the last resourceVersion seen, bookmarks included, without relisting', async () => {
    const run = await runScript(
      [page([], '10')],
      [
        { events: [added('a', '11')], end: 'close', lastsMs: 5_000 },
        {
          events: [{ type: 'BOOKMARK', object: { metadata: { resourceVersion: '15' } } }],
          end: 'close',
          lastsMs: 5_000,
        },
      ],
    );
    assert.deepEqual(run.calls, ['list -', 'watch 10', 'watch 11', 'watch 15']);
    assert.deepEqual(run.delays, [], 'a healthy watch that ends is resumed at once');
  });

  it('resumes after a broken connection from the last resourceVersion, after a backoff delay', async () => {
    const run = await runScript(
      [page([], '10')],
      [
        { events: [added('a', '12')], end: new Error('socket hang up') },
        { end: new Error('ECONNREFUSED') },
      ],
    );
    assert.deepEqual(run.calls, ['list -', 'watch 10', 'watch 12', 'watch 12']);
    assert.deepEqual(run.delays, [125, 250]);
    assert.deepEqual(run.restarts, ['error', 'error']);
  });

  it('relists when the watch request answers 410 Gone, and the relist replaces the store', async () => {
    const run = await runScript(
      [page([object('a', '5'), object('b', '6')], '10'), page([object('b', '20')], '30')],
      [{ end: gone, lastsMs: 60_000 }],
    );
    assert.deepEqual(run.calls, ['list -', 'watch 10', 'list -', 'watch 30']);
    assert.deepEqual(run.store, { b: 'b' }, 'a, deleted while the watch was away, is gone');
    assert.deepEqual(run.restarts[0], 'gone');
  });

  it('relists when the watch sends an ERROR event with code 410', async () => {
    const run = await runScript(
      [page([], '10'), page([object('z', '40')], '41')],
      [
        {
          events: [
            added('a', '11'),
            { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } },
          ],
          end: 'close',
        },
      ],
    );
    assert.deepEqual(run.calls, ['list -', 'watch 10', 'list -', 'watch 41']);
    assert.deepEqual(run.store, { z: 'z' });
  });

  it('resumes (does not relist) after a watch ERROR event with another code', async () => {
    const run = await runScript(
      [page([], '10')],
      [
        {
          events: [
            added('a', '11'),
            { type: 'ERROR', object: { code: 500, message: 'etcd timeout' } },
          ],
          end: 'close',
        },
      ],
    );
    assert.deepEqual(run.calls, ['list -', 'watch 10', 'watch 11']);
  });

  it('applies ADDED, MODIFIED and DELETED events to the store in order', async () => {
    const run = await runScript(
      [page([object('a', '5')], '10')],
      [
        {
          events: [
            { type: 'MODIFIED', object: object('a', '11', 'a2') },
            added('b', '12'),
            { type: 'DELETED', object: object('a', '13') },
          ],
          end: 'close',
          lastsMs: 5_000,
        },
      ],
    );
    assert.deepEqual(run.storeLog, ['replace a', 'upsert a', 'upsert b', 'remove a']);
    assert.deepEqual(run.store, { b: 'b' });
  });

  it('backs off exponentially, capped, on repeated list failures, and reports synced only after a list succeeds', async () => {
    const failure = new ApiStatusError(503, 'unavailable');
    const run = await runScript(
      [failure, failure, failure, failure, failure, page([], '10')],
      [{ end: 'close', lastsMs: 5_000 }],
    );
    // 100·2^n, capped at 1000, plus half the 50 % jitter.
    assert.deepEqual(run.delays, [125, 250, 500, 1_000, 1_250]);
    assert.equal(run.synced, 1);
  });

  it('keeps backing off while watches fail quickly, and starts over after one stays up', async () => {
    const quick = { end: 'close' as const, lastsMs: 10 };
    const run = await runScript(
      [page([], '10')],
      [quick, quick, quick, { end: 'close', lastsMs: 2_000 }, quick],
    );
    assert.deepEqual(run.delays, [125, 250, 500, 125]);
  });

  it('relists after a 410 during a paged list (an expired continue token)', async () => {
    const run = await runScript(
      [page([object('a', '1')], '10', 'token'), gone, page([object('a', '1')], '12')],
      [],
    );
    assert.deepEqual(run.calls, ['list -', 'list token', 'list -', 'watch 12']);
    assert.deepEqual(run.storeLog, ['replace a'], 'the store never saw the half list');
  });

  it('stops when its signal aborts, even while waiting to retry', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const loop = runReflector<string>({
      name: 'things',
      source: {
        list: async () => {
          throw new Error('down');
        },
        watch: async () => undefined,
      },
      toRecord: () => undefined,
      store: { replace() {}, upsert() {}, remove() {} },
      logger: silent,
      signal: controller.signal,
      backoff: { initialMs: 60_000, maxMs: 60_000, factor: 2, jitter: 0 },
    });
    setTimeout(() => controller.abort(), 20);
    await loop;
    assert.ok(performance.now() - started < 5_000);
  });
});

describe('backoff', () => {
  it('grows by the factor, stops at the cap, adds jitter, and starts over after reset', () => {
    const backoff = createBackoff({
      initialMs: 1_000,
      maxMs: 8_000,
      factor: 2,
      jitter: 0.2,
      random: () => 1,
    });
    const delays = Array.from({ length: 6 }, () => backoff.next());
    assert.deepEqual(delays, [1_200, 2_400, 4_800, 9_600, 9_600, 9_600]);
    backoff.reset();
    assert.equal(backoff.next(), 1_200);
  });

  it('spreads delays over [d, d·(1+jitter)]', () => {
    const low = createBackoff({
      initialMs: 1_000,
      maxMs: 8_000,
      factor: 2,
      jitter: 0.2,
      random: () => 0,
    });
    assert.equal(low.next(), 1_000);
  });
});
