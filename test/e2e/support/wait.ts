/** Bounded waiting: every loop of the e2e suite ends, by count and by time. */
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** How long to poll and how often. */
export interface PollOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** Checked before each attempt: a reason ends the wait at once (e.g. the server process exited). */
  readonly giveUpIf?: () => string | undefined;
}

/**
 * Calls `probe` until it returns something other than `undefined`, at most
 * `timeoutMs / intervalMs + 1` times and never past `timeoutMs`. A thrown
 * error counts as `undefined`; the last one is the failure's cause.
 */
export async function pollUntil<T>(
  description: string,
  probe: () => Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const maxAttempts = Math.ceil(options.timeoutMs / options.intervalMs) + 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const reason = options.giveUpIf?.();
    if (reason !== undefined) throw new Error(`gave up waiting until ${description}: ${reason}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() + options.intervalMs > deadline) break;
    await sleep(options.intervalMs);
  }
  throw new Error(`timed out after ${options.timeoutMs} ms waiting until ${description}`, {
    cause: lastError,
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago (callers retry on a clash). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
