/**
 * Open-loop load at a fixed rate: request i is due at start + i / rate and
 * is sent then, whether or not earlier ones were answered, the way Pod
 * creations arrive. A slow server therefore cannot slow the sender down
 * (no coordinated omission). Latency counts from the send, not the due
 * time: the pacer wakes every millisecond or so, and that lag is the
 * client's, not the server's.
 */
import { emptyLoadResult, recordResponse, type LoadResult } from './load-result.ts';
import type { RequestClient } from './request-client.ts';

export interface OpenLoopOptions {
  readonly body: Buffer;
  readonly ratePerSecond: number;
  readonly seconds: number;
  /** Requests allowed in flight; beyond that a due request is counted as an error, not queued forever. */
  readonly maxInFlight: number;
}

/** How often the pacer wakes; each wake sends every request that has come due. */
const TICK_MS = 1;

export async function runOpenLoop(
  client: RequestClient,
  options: OpenLoopOptions,
): Promise<LoadResult> {
  const result = emptyLoadResult();
  const total = Math.floor(options.ratePerSecond * options.seconds);
  const intervalMs = 1000 / options.ratePerSecond;
  const started = performance.now();
  const pending = new Set<Promise<void>>();
  let due = 0;
  const sendOne = (): void => {
    if (pending.size >= options.maxInFlight) {
      result.errors += 1;
      return;
    }
    const begin = process.hrtime.bigint();
    const sent = client.send(options.body).then((status) => {
      pending.delete(sent);
      if (status === 0) result.errors += 1;
      else recordResponse(result, status, Number(process.hrtime.bigint() - begin) / 1e6);
    });
    pending.add(sent);
  };
  while (due < total) {
    const now = performance.now();
    while (due < total && started + due * intervalMs <= now) {
      sendOne();
      due += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(pending);
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
