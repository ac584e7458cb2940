/**
 * Closed-loop load: `concurrency` workers each send a request as soon as
 * their last one is answered, until the time or the request count runs out.
 * This is the saturation throughput; latency under it is mostly queueing.
 */
import { emptyLoadResult, recordResponse, type LoadResult } from './load-result.ts';
import type { RequestClient } from './request-client.ts';

export interface ClosedLoopOptions {
  readonly body: Buffer;
  readonly concurrency: number;
  readonly seconds: number;
  /** A bound on requests sent, whatever the time. */
  readonly maxRequests: number;
}

export async function runClosedLoop(
  client: RequestClient,
  options: ClosedLoopOptions,
): Promise<LoadResult> {
  const result = emptyLoadResult();
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < options.maxRequests && performance.now() < deadline) {
      sent += 1;
      const begin = process.hrtime.bigint();
      const status = await client.send(options.body);
      const milliseconds = Number(process.hrtime.bigint() - begin) / 1e6;
      if (status === 0) result.errors += 1;
      else recordResponse(result, status, milliseconds);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
