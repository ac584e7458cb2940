/**
 * Slowloris and half-open connections against `serve` from dist/: 500
 * connections that never finish a handshake or a request, while a
 * well-behaved client keeps asking. The server must keep answering the good
 * client promptly and cut every slow one off within its configured timeout
 * (CONNECTION_LIMITS in src/server/app.ts).
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { CONNECTION_LIMITS } from '../../src/server/connection-limits.ts';
import { openHttp2 } from '../helpers/https-client.ts';
import { startTestServer, waitFor } from '../helpers/test-server.ts';
import {
  createHttp1Client,
  createHttp2Client,
  percentile,
  type Client,
} from './support/clients.ts';
import { fetchMetrics, type MetricsScrape } from './support/metrics.ts';
import { generatePod, judgeAnswer, POLICY_YAML } from './support/policy-oracle.ts';
import { startServeChild, type ServeChild } from './support/serve-child.ts';
import {
  captureClientHello,
  openIdleHttp2,
  openSilentTcp,
  openSlowHeaders,
  openSlowHttp1Body,
  openSlowHttp2Body,
  openStalledHandshake,
  openTrickledHandshake,
  SlowKind,
  type SlowClient,
} from './support/slow-clients.ts';
import { createWebhookFiles } from './support/webhook-files.ts';

/** Timers fire late on a busy machine; the bound is the configured timeout plus this. */
const SLACK_MS = 3_000;
const LIMITS = CONNECTION_LIMITS;
const BOUND_MS: Readonly<Record<SlowKind, number>> = {
  [SlowKind.silentTcp]: LIMITS.handshakeTimeoutMs,
  [SlowKind.stalledHandshake]: LIMITS.handshakeTimeoutMs,
  [SlowKind.trickledHandshake]: LIMITS.handshakeTimeoutMs,
  [SlowKind.slowHeaders]: LIMITS.headersTimeoutMs + LIMITS.connectionsCheckingIntervalMs,
  [SlowKind.idleHttp2]: LIMITS.idleTimeoutMs,
  [SlowKind.slowHttp2Body]: LIMITS.requestTimeoutMs,
  [SlowKind.slowHttp1Body]: LIMITS.requestTimeoutMs + LIMITS.connectionsCheckingIntervalMs,
};
/** What the server tells each kind as it cuts it off ('' for a TLS-level close). */
const EXPECTED_ANSWER: Readonly<Record<SlowKind, RegExp>> = {
  [SlowKind.silentTcp]: /^$/,
  [SlowKind.stalledHandshake]: /^(|data)$/,
  [SlowKind.trickledHandshake]: /^(|data)$/,
  [SlowKind.slowHeaders]: /^408$/,
  [SlowKind.idleHttp2]: /^GOAWAY$/,
  [SlowKind.slowHttp2Body]: /^RST 8$/,
  [SlowKind.slowHttp1Body]: /^408$/,
};
const COUNTS: Readonly<Record<SlowKind, number>> = {
  [SlowKind.silentTcp]: 100,
  [SlowKind.stalledHandshake]: 75,
  [SlowKind.trickledHandshake]: 25,
  [SlowKind.slowHeaders]: 100,
  [SlowKind.idleHttp2]: 100,
  [SlowKind.slowHttp2Body]: 50,
  [SlowKind.slowHttp1Body]: 50,
};
/** A good answer slower than this would eat into the apiserver's timeoutSeconds (chart default 5). */
const GOOD_P99_LIMIT_MS = 2_000;
const OPEN_BATCH = 50;

const rssMiB = (scrape: MetricsScrape) =>
  Math.round(scrape.value('process_resident_memory_bytes') / 2 ** 20);

async function openAll(port: number, ca: string): Promise<SlowClient[]> {
  const clientHello = await captureClientHello();
  const openers: Record<SlowKind, () => SlowClient> = {
    [SlowKind.silentTcp]: () => openSilentTcp(port),
    [SlowKind.stalledHandshake]: () => openStalledHandshake(port),
    [SlowKind.trickledHandshake]: () => openTrickledHandshake(port, clientHello),
    [SlowKind.slowHeaders]: () => openSlowHeaders(port, ca),
    [SlowKind.idleHttp2]: () => openIdleHttp2(port, ca),
    [SlowKind.slowHttp2Body]: () => openSlowHttp2Body(port, ca),
    [SlowKind.slowHttp1Body]: () => openSlowHttp1Body(port, ca),
  };
  const queue = Object.values(SlowKind).flatMap((kind) =>
    Array.from({ length: COUNTS[kind] }, () => openers[kind]),
  );
  const opened: SlowClient[] = [];
  for (let i = 0; i < queue.length; i += OPEN_BATCH) {
    for (const open of queue.slice(i, i + OPEN_BATCH)) opened.push(open());
    await sleep(100);
  }
  return opened;
}

interface GoodStats {
  requests: number;
  failures: string[];
  latenciesMs: number[];
}

/** A well-behaved client: sequential reviews on `client`, each judged, until `done()`. */
async function behave(
  client: Client,
  done: () => boolean,
  stats: GoodStats,
  tag: string,
): Promise<void> {
  for (let seq = 1; !done() && seq < 100_000; seq++) {
    const generated = generatePod(`${tag}-${seq}`, seq);
    const exchange = await client.send({ path: '/mutate', body: JSON.stringify(generated.review) });
    stats.requests++;
    stats.latenciesMs.push(exchange.finishedAt - exchange.startedAt);
    const verdict = judgeAnswer(generated, exchange.status, exchange.body);
    if (exchange.error !== undefined || !verdict.ok) {
      if (stats.failures.length < 20)
        stats.failures.push(`${tag}: ${exchange.error ?? (verdict.ok ? '' : verdict.problem)}`);
    }
    await sleep(5);
  }
}

function summarize(slow: readonly SlowClient[]) {
  return Object.values(SlowKind).map((kind) => {
    const ofKind = slow.filter((client) => client.kind === kind);
    const holds = ofKind.map((client) => {
      const from = client.heldFrom();
      const to = client.cutOffAt();
      return from === undefined || to === undefined ? Number.POSITIVE_INFINITY : to - from;
    });
    const within = holds.filter((hold) => hold <= BOUND_MS[kind] + SLACK_MS).length;
    const answers = [...new Set(ofKind.map((client) => client.answer()))];
    return {
      kind,
      opened: ofKind.length,
      cutOffWithinBound: within,
      boundS: (BOUND_MS[kind] + SLACK_MS) / 1000,
      slowestS: Number((Math.max(...holds) / 1000).toFixed(1)),
      fastestS: Number((Math.min(...holds) / 1000).toFixed(1)),
      answers,
    };
  });
}

describe('slow and half-open connections', () => {
  it('puts the connection limits on the Node server: TLS handshake, HTTP/1.1 headers, request and keep-alive timeouts, HTTP/2 concurrent streams', async () => {
    const test = await startTestServer();
    const session = await openHttp2(test.port, test.ca.certificatePem);
    try {
      const server = test.server.app.server as unknown as Record<string | symbol, unknown>;
      const handshake = Object.getOwnPropertySymbols(server).find(
        (symbol) => symbol.description === 'handshake-timeout',
      );
      assert.equal(
        handshake === undefined ? undefined : server[handshake],
        LIMITS.handshakeTimeoutMs,
      );
      assert.equal(server['headersTimeout'], LIMITS.headersTimeoutMs);
      assert.equal(server['requestTimeout'], LIMITS.requestTimeoutMs);
      assert.equal(server['keepAliveTimeout'], LIMITS.idleTimeoutMs);
      assert.equal(server['connectionsCheckingInterval'], LIMITS.connectionsCheckingIntervalMs);
      assert.equal(server['timeout'], LIMITS.idleTimeoutMs);
      await waitFor(() => session.remoteSettings.maxConcurrentStreams !== undefined);
      assert.equal(session.remoteSettings.maxConcurrentStreams, LIMITS.maxConcurrentStreams);
    } finally {
      session.close();
      await test.close();
    }
  });

  it('keeps answering a well-behaved client promptly while 500 slowloris and half-open connections are held, and cuts every one of them off within its configured timeout', async (t) => {
    const files = await createWebhookFiles(POLICY_YAML.A);
    let serve: ServeChild | undefined;
    const good: Client[] = [];
    let slow: SlowClient[] = [];
    try {
      serve = await startServeChild(files.serveArgs('--log-level', 'info'));
      const { port } = serve;
      const ca = files.ca.certificatePem;
      const before = await fetchMetrics(port, ca);
      const stats: GoodStats = { requests: 0, failures: [], latenciesMs: [] };
      const h2 = createHttp2Client(port, ca);
      const h1 = createHttp1Client(port, ca, 1);
      good.push(h2, h1);
      // A fresh TLS connection per request, as a restarted apiserver would open.
      const fresh: Client = {
        protocol: 'http/1.1',
        send: (spec) => {
          const once = createHttp1Client(port, ca, 1);
          return once
            .send({ ...spec, headers: { connection: 'close' } })
            .finally(() => once.close());
        },
        close: () => undefined,
      };
      const startedAt = performance.now();
      const deadline = startedAt + Math.max(...Object.values(BOUND_MS)) + SLACK_MS + 10_000;
      let allCutOff = false;
      const done = () => allCutOff || performance.now() > deadline;
      const behaving = Promise.all([
        behave(h2, done, stats, 'good-h2'),
        behave(h1, done, stats, 'good-h1'),
        behave(fresh, done, stats, 'good-fresh'),
      ]);
      slow = await openAll(port, ca);
      const openedS = (performance.now() - startedAt) / 1000;
      while (!done()) {
        allCutOff = slow.every((client) => client.cutOffAt() !== undefined);
        await sleep(250);
      }
      await behaving;
      const heldS = (performance.now() - startedAt) / 1000;
      const perKind = summarize(slow);
      // A session whose slow stream was cancelled stays open, idle, until its own idle timeout:
      // let every client go, then the server must be back to its resting file descriptors.
      for (const client of slow) client.release();
      for (const client of good) client.close();
      await sleep(1_000);
      const after = await fetchMetrics(port, ca);
      const figures = {
        slowConnections: slow.length,
        openedInS: Number(openedS.toFixed(1)),
        allCutOffAfterS: Number(heldS.toFixed(1)),
        perKind,
        goodClient: {
          requests: stats.requests,
          failures: stats.failures.length,
          p50Ms: Number(percentile(stats.latenciesMs, 50).toFixed(1)),
          p99Ms: Number(percentile(stats.latenciesMs, 99).toFixed(1)),
          maxMs: Number(percentile(stats.latenciesMs, 100).toFixed(1)),
        },
        serverLogWarnings: serve.notable.length,
        serverOpenFds: {
          before: before.value('process_open_fds'),
          after: after.value('process_open_fds'),
        },
        serverRssMiB: { before: rssMiB(before), after: rssMiB(after) },
      };
      t.diagnostic(`figures ${JSON.stringify(figures)}`);

      assert.deepEqual(stats.failures, []);
      assert.ok(stats.requests > 0);
      assert.ok(
        figures.goodClient.p99Ms < GOOD_P99_LIMIT_MS,
        `good client p99 ${figures.goodClient.p99Ms} ms`,
      );
      for (const kind of perKind) {
        assert.equal(kind.cutOffWithinBound, kind.opened, `${kind.kind}: ${JSON.stringify(kind)}`);
        for (const answer of kind.answers)
          assert.match(answer, EXPECTED_ANSWER[kind.kind], kind.kind);
      }
      assert.ok(
        figures.serverOpenFds.after <= figures.serverOpenFds.before + 5,
        `server open fds ${figures.serverOpenFds.before} → ${figures.serverOpenFds.after}`,
      );
    } finally {
      for (const client of slow) client.release();
      for (const client of good) client.close();
      await serve?.stop();
      await files.remove();
    }
  });
});
