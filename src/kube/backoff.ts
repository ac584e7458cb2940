/**
 * Waiting between retries: exponential, capped and jittered, so that a failing
 * apiserver sees neither a hot loop from one replica nor a synchronized herd
 * from many.
 */

export interface BackoffOptions {
  /** First delay. */
  readonly initialMs: number;
  /** No delay is longer than this (before jitter). */
  readonly maxMs: number;
  /** Multiplier per consecutive failure. */
  readonly factor: number;
  /** Fraction of the delay added at random: 0.2 spreads delays over [d, 1.2·d]. */
  readonly jitter: number;
  /** [0, 1); injected so tests get exact delays. */
  readonly random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  initialMs: 500,
  maxMs: 60_000,
  factor: 2,
  jitter: 0.2,
});

/** A sequence of delays for consecutive failures; `reset` after a success. */
export interface Backoff {
  /** The delay before the next attempt; each call counts one more failure. */
  next(): number;
  reset(): void;
  /** Consecutive failures counted since the last reset. */
  readonly failures: number;
}

export function createBackoff(options: BackoffOptions = DEFAULT_BACKOFF): Backoff {
  const random = options.random ?? Math.random;
  let failures = 0;
  return {
    next() {
      const base = Math.min(options.maxMs, options.initialMs * options.factor ** failures);
      failures += 1;
      return Math.round(base * (1 + options.jitter * random()));
    },
    reset() {
      failures = 0;
    },
    get failures() {
      return failures;
    },
  };
}

/**
 * Waits `ms`, or less if `signal` aborts (then it resolves, never rejects).
 * The timer does not keep the process alive on its own: a retry loop left
 * running must not stop a process from exiting.
 */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
  });
