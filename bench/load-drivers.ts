/**
 * The load shapes the bench drives, each a {@link LoadDriver}: saturation
 * (closed loop) over HTTP/1.1 with autocannon or over HTTP/2 with the
 * node:http2 loop, and fixed-rate load: autocannon's overallRate over
 * HTTP/1.1, or evenly paced over one HTTP/2 session, as the apiserver sends.
 */
import { runClosedLoop } from './closed-loop.ts';
import { runH1Load } from './h1-load.ts';
import type { LoadResult } from './load-result.ts';
import type { LoadDriver } from './measurement.ts';
import { runOpenLoop } from './open-loop.ts';
import type { Protocol } from './options.ts';
import { openH2Client, type RequestClient } from './request-client.ts';

export interface DriverSettings {
  readonly ca: string;
  readonly body: Buffer;
  /** HTTP/1.1 connections, or HTTP/2 streams in flight. */
  readonly connections: number;
  readonly seconds: number;
}

/** Streams per HTTP/2 session: the apiserver multiplexes many admissions on few connections. */
export const STREAMS_PER_SESSION = 8;
/** A bound on any closed-loop run's requests, far above what 2 cores can answer in its time. */
const MAX_REQUESTS_PER_SECOND = 200_000;

async function withClient(
  open: () => Promise<RequestClient> | RequestClient,
  run: (client: RequestClient) => Promise<LoadResult>,
): Promise<LoadResult> {
  const client = await open();
  try {
    return await run(client);
  } finally {
    client.close();
  }
}

/** As many requests as the server answers, `connections` at a time. */
export function saturationDriver(protocol: Protocol, settings: DriverSettings): LoadDriver {
  if (protocol === 'h1') return (port) => runH1Load({ ...settings, port });
  const sessions = Math.max(1, Math.ceil(settings.connections / STREAMS_PER_SESSION));
  return (port) =>
    withClient(
      () => openH2Client({ port, ca: settings.ca, connections: sessions }),
      (client) =>
        runClosedLoop(client, {
          body: settings.body,
          concurrency: settings.connections,
          seconds: settings.seconds,
          maxRequests: Math.ceil(settings.seconds * MAX_REQUESTS_PER_SECOND),
        }),
    );
}

export const FIXED_RATE_DRIVERS = ['autocannon h1', 'paced h2'] as const;
export type FixedRateDriver = (typeof FIXED_RATE_DRIVERS)[number];

/** The protocol whose saturated throughput a fixed-rate driver's rate is half of. */
export const fixedRateProtocol = (driver: FixedRateDriver): Protocol =>
  driver === 'paced h2' ? 'h2' : 'h1';

/** `ratePerSecond` requests a second: autocannon's overallRate (bursty), or evenly paced. */
export function fixedRateDriver(
  driver: FixedRateDriver,
  ratePerSecond: number,
  settings: DriverSettings,
): LoadDriver {
  if (driver === 'autocannon h1') {
    return (port) => runH1Load({ ...settings, port, overallRate: ratePerSecond });
  }
  const paced = (client: RequestClient): Promise<LoadResult> =>
    runOpenLoop(client, {
      body: settings.body,
      ratePerSecond,
      seconds: settings.seconds,
      maxInFlight: settings.connections * 64,
    });
  return (port) => withClient(() => openH2Client({ port, ca: settings.ca, connections: 1 }), paced);
}
