/**
 * Counts the calls made through API clients. The namespace-aware entry point
 * wraps every client it builds, so a test can prove that `lookup` (run on
 * every admission) starts no request: the count is read synchronously around
 * the lookups, when nothing else can run.
 */

export interface CallCounter {
  /** Calls made so far through every wrapped client. */
  readonly count: number;
  /** `client`, with each method call counted before it runs. */
  wrap<T extends object>(client: T): T;
}

export function createCallCounter(): CallCounter {
  let count = 0;
  return {
    get count() {
      return count;
    },
    wrap(client) {
      return new Proxy(client, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            count += 1;
            return (value as (...args: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    },
  };
}
