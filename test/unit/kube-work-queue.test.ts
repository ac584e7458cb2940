import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWorkQueue } from '../../src/kube/work-queue.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the sync work queue', () => {
  it('processes a key added several times while queued once', async () => {
    const seen: string[] = [];
    const queue = createWorkQueue({
      concurrency: 1,
      process: async (key) => void seen.push(key),
      onError: () => {},
    });
    queue.add('blocker');
    queue.add('a');
    queue.add('a');
    queue.add('b');
    queue.add('a');
    await queue.idle();
    assert.deepEqual(seen, ['blocker', 'a', 'b']);
  });

  it('never runs more than `concurrency` keys at once', async () => {
    let running = 0;
    let peak = 0;
    const queue = createWorkQueue({
      concurrency: 4,
      process: async () => {
        running += 1;
        peak = Math.max(peak, running);
        await tick();
        running -= 1;
      },
      onError: () => {},
    });
    for (let i = 0; i < 50; i += 1) queue.add(`ns-${i}`);
    await queue.idle();
    assert.equal(peak, 4);
  });

  it('runs a key again when it is added while running, never twice at once', async () => {
    const gate = Promise.withResolvers<undefined>();
    let runs = 0;
    let concurrent = 0;
    const queue = createWorkQueue({
      concurrency: 4,
      process: async () => {
        runs += 1;
        concurrent += 1;
        assert.equal(concurrent, 1);
        if (runs === 1) await gate.promise;
        concurrent -= 1;
      },
      onError: () => {},
    });
    queue.add('a');
    await tick();
    queue.add('a');
    queue.add('a');
    gate.resolve(undefined);
    await queue.idle();
    await tick();
    await queue.idle();
    assert.equal(runs, 2);
  });

  it('retries a failing key after a growing backoff, ignoring adds while it waits', async () => {
    const attempts: number[] = [];
    const retries: number[] = [];
    const started = performance.now();
    const done = Promise.withResolvers<undefined>();
    const queue = createWorkQueue({
      concurrency: 2,
      backoff: { initialMs: 20, maxMs: 1_000, factor: 2, jitter: 0 },
      process: async () => {
        attempts.push(performance.now() - started);
        if (attempts.length < 3) throw new Error('apiserver said no');
        done.resolve(undefined);
      },
      onError: (_key, _error, retryInMs) => retries.push(retryInMs),
    });
    queue.add('a');
    await tick();
    for (let i = 0; i < 10; i += 1) queue.add('a');
    await done.promise;
    assert.equal(attempts.length, 3, 'adds during the backoff did not cause extra attempts');
    assert.deepEqual(retries, [20, 40]);
    assert.ok((attempts[2] ?? 0) >= 55, `third attempt after both delays (${attempts[2]} ms)`);
    await queue.stop();
  });

  it('drops queued keys and pending retries on stop, and waits for running ones', async () => {
    const seen: string[] = [];
    const gate = Promise.withResolvers<undefined>();
    const queue = createWorkQueue({
      concurrency: 1,
      backoff: { initialMs: 10, maxMs: 10, factor: 1, jitter: 0 },
      process: async (key) => {
        seen.push(key);
        await gate.promise;
        throw new Error('no');
      },
      onError: () => {},
    });
    queue.add('fails');
    queue.add('b');
    queue.add('c');
    let stopped = false;
    const stopping = queue.stop().then(() => (stopped = true));
    await tick();
    assert.equal(stopped, false, 'stop waits for the running key');
    gate.resolve(undefined);
    await stopping;
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(seen, ['fails'], 'no queued key and no retry ran');
    assert.equal(queue.pending, 0);
  });
});
