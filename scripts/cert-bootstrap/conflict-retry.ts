/**
 * Optimistic concurrency for read-modify-write: the write carries the
 * resourceVersion that was read, the apiserver answers 409 Conflict when
 * someone else wrote in between, and the whole read-decide-write runs again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpStatus, hasHttpStatus } from './api-status.ts';

/** How often and how patiently to retry. */
export interface RetryPolicy {
  attempts: number;
  /** Delay before the second attempt; doubles after each further conflict. */
  initialDelayMs: number;
}

/** Five attempts over about 1.5 s: enough for two Jobs racing, short for a hook. */
export const defaultRetryPolicy: RetryPolicy = { attempts: 5, initialDelayMs: 100 };

/** Runs `attempt` until it does not fail with 409 Conflict, at most `policy.attempts` times. */
export async function retryOnConflict<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy = defaultRetryPolicy,
): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (!hasHttpStatus(error, HttpStatus.conflict)) throw error;
      if (tried >= policy.attempts) {
        throw new Error(`still conflicting after ${tried} attempts`, { cause: error });
      }
      await sleep(policy.initialDelayMs * 2 ** (tried - 1));
    }
  }
}
