/**
 * The acceptance test of issue 15 item 1: /mutate stays fast while /preview is
 * flooded with the worst bodies from 4 clients. The server runs as its own
 * process (as in a cluster) and the flood runs on a worker thread of this one,
 * so /mutate is timed by an event loop that does nothing else. Before the
 * preview worker, one 8 MiB body held the server's event loop for ~20 s.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { FIXTURE_POLICY_FILE, loadJsonFixture } from '../helpers/fixtures.ts';
import type { FloodCounts, FloodSettings } from '../helpers/preview-flooder.ts';
import { spawnServe } from '../helpers/serve-process.ts';

const FLOOD_MS = 8000;

function call(port: number, path: string, agent: Agent, body?: string) {
  const started = performance.now();
  return new Promise<{ status: number; ms: number; text: string }>((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: body === undefined ? 'GET' : 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
        timeout: 10_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            ms: performance.now() - started,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${path} timed out`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

/** The largest event-loop delay since the previous scrape (prom-client resets it on each). */
async function eventLoopDelayMaxMs(port: number, agent: Agent): Promise<number> {
  const metrics = (await call(port, '/metrics', agent)).text;
  const match = /^\w*nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(metrics);
  return Number(match?.[1]) * 1000;
}

describe('/mutate under a /preview flood', () => {
  it('answers every /mutate with p99 under 100 ms while 4 clients flood /preview with worst-case bodies', async (t) => {
    const serve = await spawnServe([
      '--config',
      FIXTURE_POLICY_FILE,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
    ]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    try {
      const body = JSON.stringify(loadJsonFixture('pod-create-v1.json'));
      await call(serve.port, '/mutate', agent, body);
      await eventLoopDelayMaxMs(serve.port, agent);
      const settings: FloodSettings = { port: serve.port, clients: 4, durationMs: FLOOD_MS };
      const flooder = new Worker(new URL('../helpers/preview-flooder.ts', import.meta.url), {
        workerData: settings,
      });
      const counts = new Promise<FloodCounts>((resolve, reject) => {
        flooder.once('message', resolve);
        flooder.once('error', reject);
      });
      const latencies: number[] = [];
      const end = Date.now() + FLOOD_MS;
      while (Date.now() < end) {
        const answer = await call(serve.port, '/mutate', agent, body);
        assert.equal(answer.status, 200, answer.text);
        latencies.push(answer.ms);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const flood = await counts;
      const loopDelayMs = await eventLoopDelayMaxMs(serve.port, agent);
      latencies.sort((a, b) => a - b);
      const [p50, p99] = [percentile(latencies, 0.5), percentile(latencies, 0.99)];
      t.diagnostic(
        `/mutate n=${latencies.length} p50=${p50.toFixed(1)} ms p99=${p99.toFixed(1)} ms max=${latencies.at(-1)?.toFixed(1)} ms; ` +
          `server event-loop delay max ${loopDelayMs.toFixed(0)} ms; /preview answers ${JSON.stringify(flood)}`,
      );
      const previews = Object.values(flood).reduce((sum, count) => sum + count, 0);
      assert.ok(previews >= 8, `the flood sent only ${previews} previews`);
      assert.ok(p99 < 100, `/mutate p99 ${p99.toFixed(1)} ms`);
      // The defect this guards against stalled the loop for ~20 s. On 2 cores shared with the
      // flooder's worker and its four clients, one descheduling or major GC has reached 267 ms
      // (CI, 2026-12-02) without any defect, so the bound sits well above that and far below 20 s.
      assert.ok(loopDelayMs < 1000, `event-loop delay max ${loopDelayMs.toFixed(0)} ms`);
    } finally {
      agent.destroy();
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });
});
