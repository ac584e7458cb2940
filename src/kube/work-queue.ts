/**
 * A keyed work queue, like client-go's: a key is queued at most once, never
 * processed by two workers at a time (an `add` while it runs queues it again
 * afterwards), at most `concurrency` keys run at once, and a key that fails
 * waits its own exponential backoff before it runs again, ignoring `add`s in
 * the meantime, so a namespace that keeps failing cannot spin.
 */
import { createBackoff, type Backoff, type BackoffOptions } from './backoff.ts';

export interface WorkQueueOptions {
  readonly concurrency: number;
  readonly process: (key: string) => Promise<void>;
  /** Called when `process` rejects, with the delay before the retry. */
  readonly onError: (key: string, error: unknown, retryInMs: number) => void;
  readonly backoff?: BackoffOptions;
}

export interface WorkQueue {
  add(key: string): void;
  /** Keys queued or running (not those waiting for a retry). */
  readonly pending: number;
  /** Resolves once nothing is queued or running. */
  idle(): Promise<void>;
  /** Drops queued keys and retries, and waits for running ones. */
  stop(): Promise<void>;
}

export const RETRY_BACKOFF: BackoffOptions = Object.freeze({
  initialMs: 1_000,
  maxMs: 300_000,
  factor: 2,
  jitter: 0.2,
});

export function createWorkQueue(options: WorkQueueOptions): WorkQueue {
  const queue: string[] = [];
  const queued = new Set<string>();
  const running = new Set<string>();
  const dirty = new Set<string>();
  const retries = new Map<string, NodeJS.Timeout>();
  const backoffs = new Map<string, Backoff>();
  let idleWaiters: (() => void)[] = [];
  let stopped = false;

  const settle = () => {
    if (queue.length > 0 || running.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };
  const retryLater = (key: string, error: unknown) => {
    let backoff = backoffs.get(key);
    if (backoff === undefined)
      backoffs.set(key, (backoff = createBackoff(options.backoff ?? RETRY_BACKOFF)));
    const delay = backoff.next();
    dirty.delete(key);
    options.onError(key, error, delay);
    const timer = setTimeout(() => {
      retries.delete(key);
      add(key);
    }, delay);
    timer.unref();
    retries.set(key, timer);
  };
  const run = async (key: string) => {
    running.add(key);
    try {
      await options.process(key);
      backoffs.delete(key);
    } catch (error) {
      if (!stopped) retryLater(key, error);
    } finally {
      running.delete(key);
      if (dirty.delete(key)) add(key);
      pump();
      settle();
    }
  };
  const pump = () => {
    while (!stopped && running.size < options.concurrency && queue.length > 0) {
      const key = queue.shift() as string;
      queued.delete(key);
      void run(key);
    }
  };
  const add = (key: string) => {
    if (stopped || retries.has(key) || queued.has(key)) return;
    if (running.has(key)) return void dirty.add(key);
    queued.add(key);
    queue.push(key);
    pump();
  };

  const idle = () =>
    queue.length === 0 && running.size === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => idleWaiters.push(resolve));

  return {
    add,
    get pending() {
      return queue.length + running.size;
    },
    idle,
    async stop() {
      stopped = true;
      for (const timer of retries.values()) clearTimeout(timer);
      retries.clear();
      queue.length = 0;
      queued.clear();
      await idle();
    },
  };
}
