/**
 * `--soak N`: N requests of the typical Pod over HTTP/2 (the apiserver's
 * protocol), closed loop, printing the webhook's RSS every 100,000 requests.
 * A leak shows as RSS that keeps climbing after the first few chunks.
 */
import { runClosedLoop } from './closed-loop.ts';
import type { CorpusCase } from './corpus.ts';
import { STREAMS_PER_SESSION } from './load-drivers.ts';
import { throughput } from './load-result.ts';
import { sampleProcess } from './process-stats.ts';
import { openH2Client } from './request-client.ts';
import { startServer } from './server-process.ts';
import type { SuiteContext } from './suite.ts';

const CHUNK = 100_000;
/** A bound on one chunk, whatever happens to the server. */
const CHUNK_SECONDS = 600;

export interface SoakLine {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly rssMiB: number;
  readonly peakRssMiB: number;
}

export async function runSoak(
  context: SuiteContext,
  total: number,
  typical: CorpusCase,
): Promise<SoakLine[]> {
  const server = await startServer(context.specs.loadedWebhook, context.directory, context.ca);
  const sessions = Math.max(1, Math.ceil(context.options.connections / STREAMS_PER_SESSION));
  const client = await openH2Client({ port: server.port, ca: context.ca, connections: sessions });
  const lines: SoakLine[] = [];
  const idle = sampleProcess(server.pid);
  context.progress(`idle: RSS ${(idle.rssKiB / 1024).toFixed(1)} MiB`);
  try {
    for (let done = 0; done < total;) {
      const load = await runClosedLoop(client, {
        body: typical.body,
        concurrency: context.options.connections,
        seconds: CHUNK_SECONDS,
        maxRequests: Math.min(CHUNK, total - done),
      });
      server.truncateLog();
      done += load.responses + load.errors;
      const sample = sampleProcess(server.pid);
      const line = {
        requests: done,
        requestsPerSecond: Math.round(throughput(load)),
        p99Ms: Number(load.latency.percentile(99).toFixed(3)),
        errors: load.errors + load.non2xx,
        rssMiB: Number((sample.rssKiB / 1024).toFixed(1)),
        peakRssMiB: Number((sample.peakRssKiB / 1024).toFixed(1)),
      };
      lines.push(line);
      context.progress(
        `${line.requests} requests: ${line.requestsPerSecond}/s, p99 ${line.p99Ms} ms, ` +
          `${line.errors} errors, RSS ${line.rssMiB} MiB (peak ${line.peakRssMiB})`,
      );
      if (load.responses === 0) break;
    }
  } finally {
    client.close();
    await server.stop();
  }
  return lines;
}
