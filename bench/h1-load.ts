/**
 * HTTP/1.1 keep-alive load with autocannon: closed loop (each connection
 * sends its next request when the last one is answered) or capped at a rate.
 * Latencies come from autocannon's per-response timing, recorded here at
 * microsecond resolution.
 */
import autocannon from 'autocannon';
import { emptyLoadResult, recordResponse, type LoadResult } from './load-result.ts';

export interface H1LoadOptions {
  readonly port: number;
  readonly ca: string;
  readonly body: Buffer;
  readonly connections: number;
  readonly seconds: number;
  /**
   * Requests per second from all connections. autocannon lets each
   * connection send its share of a second back to back and then idles it
   * until the next second, so this is bursty load, not evenly spaced.
   */
  readonly overallRate?: number;
}

export async function runH1Load(options: H1LoadOptions): Promise<LoadResult> {
  const result = emptyLoadResult();
  const started = performance.now();
  const instance = autocannon({
    url: `https://127.0.0.1:${options.port}/mutate`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: options.body,
    connections: options.connections,
    duration: options.seconds,
    timeout: 10,
    tlsOptions: { ca: options.ca },
    ...(options.overallRate === undefined ? {} : { overallRate: Math.round(options.overallRate) }),
  });
  instance.on('response', (_client, status, _bytes, milliseconds) => {
    recordResponse(result, status, milliseconds);
  });
  const summary = await instance;
  result.seconds = (performance.now() - started) / 1000;
  result.errors = summary.errors;
  return result;
}
