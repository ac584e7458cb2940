/** What one load run measured, whichever driver produced it. */
import { LatencyHistogram } from './latency-histogram.ts';

export interface LoadResult {
  /** Responses received, whatever their status. */
  responses: number;
  /** Responses with a status outside 2xx. */
  non2xx: number;
  /** Requests that got no response: connection errors, resets, timeouts, dropped by a full queue. */
  errors: number;
  /** Wall-clock seconds the run took. */
  seconds: number;
  /** Latency of every response, in milliseconds. */
  readonly latency: LatencyHistogram;
}

export function emptyLoadResult(): LoadResult {
  return { responses: 0, non2xx: 0, errors: 0, seconds: 0, latency: new LatencyHistogram() };
}

/** Adds `part` into `total`: counts and seconds add up, latencies merge. */
export function addLoadResult(total: LoadResult, part: LoadResult): void {
  total.responses += part.responses;
  total.non2xx += part.non2xx;
  total.errors += part.errors;
  total.seconds += part.seconds;
  total.latency.merge(part.latency);
}

/** Records one response's status and latency. */
export function recordResponse(result: LoadResult, status: number, milliseconds: number): void {
  result.responses += 1;
  if (status < 200 || status > 299) result.non2xx += 1;
  result.latency.record(milliseconds);
}

/** Successful (2xx) responses per second: a fast error is not throughput. */
export function throughput(result: LoadResult): number {
  return result.seconds === 0 ? 0 : (result.responses - result.non2xx) / result.seconds;
}
