/**
 * Sixty seconds of sustained load against `serve` from dist/ while its
 * certificate rotates every 5 s and its policy changes every 7 s, with one
 * mismatched key pair and one invalid policy among them. Every answer is
 * judged against a hand-written oracle of both policies and against when
 * each policy was in force.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import {
  createHttp1Client,
  createHttp2Client,
  percentile,
  servedFingerprint,
  type Client,
  type Exchange,
} from './support/clients.ts';
import { fetchMetrics, reloadCounts } from './support/metrics.ts';
import {
  generatePod,
  INVALID_POLICY_YAML,
  judgeAnswer,
  POLICY_YAML,
  PolicyName,
} from './support/policy-oracle.ts';
import { PolicyTimeline } from './support/policy-timeline.ts';
import { startServeChild, type ServeChild } from './support/serve-child.ts';
import { createWebhookFiles, type WebhookFiles } from './support/webhook-files.ts';

const LOAD_MS = 60_000;
const CERT_EVERY_MS = 5_000;
const POLICY_EVERY_MS = 7_000;
/** The 6th certificate change writes a mismatched pair; the 4th policy change an invalid policy. */
const MISMATCHED_CERT_EVENT = 6;
const INVALID_POLICY_EVENT = 4;
const H2_SESSIONS = 3;
const STREAMS_PER_SESSION = 8;
const H1_CONNECTIONS = 6;
const MAX_REQUESTS = 2_000_000;
/** How long a change may take to show: two reload intervals (1 s) plus a slow machine's margin. */
const CONFIRM_WITHIN_MS = 6_000;

interface LoadStats {
  requests: number;
  byProtocol: Record<string, number>;
  failed: number;
  /** HTTP/2 requests refused by GOAWAY/REFUSED_STREAM (not processed) and sent again. */
  retriedAfterRefusal: number;
  wrong: number;
  answeredBy: Record<PolicyName, number>;
  latenciesMs: number[];
  problems: string[];
}

function newStats(): LoadStats {
  return {
    requests: 0,
    byProtocol: {},
    failed: 0,
    retriedAfterRefusal: 0,
    wrong: 0,
    answeredBy: { A: 0, B: 0 },
    latenciesMs: [],
    problems: [],
  };
}

const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256;

/** Sends one generated review on `client` and books the outcome in `stats`. Returns the policy seen. */
async function sendReview(
  client: Client,
  seq: number,
  timeline: PolicyTimeline,
  stats: LoadStats,
): Promise<PolicyName | undefined> {
  const generated = generatePod(`load-${seq}`, seq);
  const spec = { path: '/mutate', body: JSON.stringify(generated.review) };
  let exchange: Exchange = await client.send(spec);
  if (exchange.refusedByProtocol === true) {
    // GOAWAY or REFUSED_STREAM promise the request was not processed: Go's HTTP/2 client (the
    // apiserver's) retries it on a new connection, and so does this one. The server sends
    // GOAWAY after each certificate reload to move clients to the new certificate.
    stats.retriedAfterRefusal++;
    exchange = await client.send(spec);
  }
  stats.requests++;
  stats.byProtocol[exchange.protocol] = (stats.byProtocol[exchange.protocol] ?? 0) + 1;
  stats.latenciesMs.push(exchange.finishedAt - exchange.startedAt);
  const note = (problem: string) => {
    if (stats.problems.length < 20) stats.problems.push(`${exchange.protocol} #${seq}: ${problem}`);
  };
  if (exchange.error !== undefined || exchange.status !== 200) {
    stats.failed++;
    note(`failed: ${exchange.error ?? exchange.status} ${exchange.body.slice(0, 200)}`);
    return undefined;
  }
  const verdict = judgeAnswer(generated, exchange.status, exchange.body);
  if (!verdict.ok) {
    stats.wrong++;
    note(verdict.problem);
    return undefined;
  }
  const allowed = timeline.allowed(exchange.startedAt, exchange.finishedAt);
  if (!allowed.has(verdict.policy)) {
    stats.wrong++;
    note(`answered by policy ${verdict.policy}, in force: ${[...allowed].join(',')}`);
    return undefined;
  }
  stats.answeredBy[verdict.policy]++;
  return verdict.policy;
}

interface FaultContext {
  readonly files: WebhookFiles;
  readonly port: number;
  readonly timeline: PolicyTimeline;
  readonly probe: Client;
  readonly stats: LoadStats;
  readonly nextSeq: () => number;
  readonly log: FaultLog;
}

interface FaultLog {
  certificatesRotated: number;
  mismatchedPairsRefused: number;
  policiesSwitched: number;
  invalidPoliciesRefused: number;
  slowestConfirmMs: number;
  problems: string[];
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await condition()) return true;
    await sleep(100);
  }
  return false;
}

async function rotateCertificate(context: FaultContext): Promise<void> {
  const { files, port, log } = context;
  const startedAt = performance.now();
  const next = await context.files.rotateCertificate();
  const expected = fingerprintOf(next.certificatePem);
  const ca = files.ca.certificatePem;
  if (
    await waitUntil(async () => (await servedFingerprint(port, ca)) === expected, CONFIRM_WITHIN_MS)
  ) {
    log.certificatesRotated++;
    log.slowestConfirmMs = Math.max(log.slowestConfirmMs, performance.now() - startedAt);
  } else {
    log.problems.push('a rotated certificate was not served in time');
  }
}

async function writeMismatchedPair(context: FaultContext): Promise<void> {
  const { files, port, log } = context;
  const ca = files.ca.certificatePem;
  const before = reloadCounts(await fetchMetrics(port, ca)).tlsFailure;
  await files.writeMismatchedPair();
  const refused = await waitUntil(
    async () => reloadCounts(await fetchMetrics(port, ca)).tlsFailure > before,
    CONFIRM_WITHIN_MS,
  );
  const stillServing =
    (await servedFingerprint(port, ca)) === fingerprintOf(files.serving().certificatePem);
  if (refused && stillServing) log.mismatchedPairsRefused++;
  else
    log.problems.push(`mismatched pair: refused ${refused}, previous still served ${stillServing}`);
}

async function switchPolicy(context: FaultContext): Promise<void> {
  const { timeline, log } = context;
  const next = timeline.latest === PolicyName.a ? PolicyName.b : PolicyName.a;
  const startedAt = performance.now();
  timeline.begin(next, startedAt);
  await context.files.writePolicy(POLICY_YAML[next]);
  const seen = await waitUntil(async () => {
    const policy = await sendReview(context.probe, context.nextSeq(), timeline, context.stats);
    if (policy !== next) return false;
    timeline.confirm(performance.now());
    return true;
  }, CONFIRM_WITHIN_MS);
  if (seen) {
    log.policiesSwitched++;
    log.slowestConfirmMs = Math.max(log.slowestConfirmMs, performance.now() - startedAt);
  } else {
    log.problems.push(`policy ${next} was not in force in time`);
  }
}

async function writeInvalidPolicy(context: FaultContext): Promise<void> {
  const { files, port, log } = context;
  const ca = files.ca.certificatePem;
  const before = reloadCounts(await fetchMetrics(port, ca)).policyFailure;
  await files.writePolicy(INVALID_POLICY_YAML);
  const refused = await waitUntil(
    async () => reloadCounts(await fetchMetrics(port, ca)).policyFailure > before,
    CONFIRM_WITHIN_MS,
  );
  // The timeline is unchanged: every answer from now on must still come from the previous policy.
  const policy = await sendReview(
    context.probe,
    context.nextSeq(),
    context.timeline,
    context.stats,
  );
  if (refused && policy === context.timeline.latest) log.invalidPoliciesRefused++;
  else log.problems.push(`invalid policy: refused ${refused}, answered by ${policy}`);
}

/** The fault schedule: certificate events every 5 s, policy events every 7 s, in time order. */
function schedule(): { at: number; run: (context: FaultContext) => Promise<void> }[] {
  const events: { at: number; run: (context: FaultContext) => Promise<void> }[] = [];
  for (let n = 1; n * CERT_EVERY_MS < LOAD_MS - 2_000; n++) {
    const run = n === MISMATCHED_CERT_EVENT ? writeMismatchedPair : rotateCertificate;
    events.push({ at: n * CERT_EVERY_MS, run });
  }
  for (let n = 1; n * POLICY_EVERY_MS < LOAD_MS - 2_000; n++) {
    events.push({
      at: n * POLICY_EVERY_MS,
      run: n === INVALID_POLICY_EVENT ? writeInvalidPolicy : switchPolicy,
    });
  }
  return events.sort((a, b) => a.at - b.at);
}

async function runFaults(context: FaultContext, startedAt: number): Promise<void> {
  for (const event of schedule()) {
    const wait = startedAt + event.at - performance.now();
    if (wait > 0) await sleep(wait);
    await event.run(context);
  }
}

async function runLoad(
  clients: readonly Client[],
  loopsPerClient: number,
  until: number,
  work: (client: Client) => Promise<unknown>,
): Promise<void> {
  const loops = clients.flatMap((client) =>
    Array.from({ length: loopsPerClient }, async () => {
      while (performance.now() < until) await work(client);
    }),
  );
  await Promise.all(loops);
}

describe('load with certificate and policy faults', () => {
  it('answers every request of 60 s of HTTP/2 and HTTP/1.1 load with 200 and the patch of the policy in force while the certificate rotates every 5 s and the policy changes every 7 s', async (t) => {
    const files = await createWebhookFiles(POLICY_YAML.A);
    let serve: ServeChild | undefined;
    const clients: Client[] = [];
    try {
      serve = await startServeChild(files.serveArgs('--log-level', 'info'));
      const { port } = serve;
      const ca = files.ca.certificatePem;
      const before = await fetchMetrics(port, ca);
      const timeline = new PolicyTimeline(PolicyName.a);
      const stats = newStats();
      let seq = 0;
      const nextSeq = () => ++seq;
      const h2 = Array.from({ length: H2_SESSIONS }, () => createHttp2Client(port, ca));
      const h1 = createHttp1Client(port, ca, H1_CONNECTIONS);
      const probe = createHttp1Client(port, ca, 1);
      clients.push(...h2, h1, probe);
      const log: FaultLog = {
        certificatesRotated: 0,
        mismatchedPairsRefused: 0,
        policiesSwitched: 0,
        invalidPoliciesRefused: 0,
        slowestConfirmMs: 0,
        problems: [],
      };
      const startedAt = performance.now();
      const until = startedAt + LOAD_MS;
      const work = (client: Client) =>
        seq < MAX_REQUESTS ? sendReview(client, nextSeq(), timeline, stats) : sleep(10);
      await Promise.all([
        runLoad(h2, STREAMS_PER_SESSION, until, work),
        runLoad([h1], H1_CONNECTIONS, until, work),
        runFaults({ files, port, timeline, probe, stats, nextSeq, log }, startedAt),
      ]);
      const elapsedS = (performance.now() - startedAt) / 1000;
      for (const client of clients) client.close();
      await sleep(500);
      const after = await fetchMetrics(port, ca);
      const reloads = reloadCounts(after);
      const rssMiB = (scrape: typeof after) =>
        Math.round(scrape.value('process_resident_memory_bytes') / 2 ** 20);
      const figures = {
        seconds: Math.round(elapsedS),
        requests: stats.requests,
        requestsPerSecond: Math.round(stats.requests / elapsedS),
        byProtocol: stats.byProtocol,
        failed: stats.failed,
        retriedAfterRefusal: stats.retriedAfterRefusal,
        wrong: stats.wrong,
        answeredBy: stats.answeredBy,
        latencyMs: {
          p50: Number(percentile(stats.latenciesMs, 50).toFixed(1)),
          p99: Number(percentile(stats.latenciesMs, 99).toFixed(1)),
          max: Number(percentile(stats.latenciesMs, 100).toFixed(1)),
        },
        faults: { ...log, slowestConfirmMs: Math.round(log.slowestConfirmMs) },
        reloads,
        h2Sessions: h2.reduce((sum, client) => sum + client.sessions(), 0),
        serverRssMiB: { before: rssMiB(before), after: rssMiB(after) },
        serverHeapUsedMiB: Math.round(after.value('nodejs_heap_size_used_bytes') / 2 ** 20),
        serverOpenFds: {
          before: before.value('process_open_fds'),
          after: after.value('process_open_fds'),
        },
        serverErrorLines: serve.notable.filter((line) => /"level":"(error|fatal)"/.test(line))
          .length,
      };
      t.diagnostic(`figures ${JSON.stringify(figures)}`);

      assert.deepEqual(stats.problems, [], 'failed or wrong answers');
      assert.equal(stats.failed, 0);
      assert.equal(stats.wrong, 0);
      assert.ok(stats.answeredBy.A > 0 && stats.answeredBy.B > 0, 'both policies answered');
      assert.deepEqual(log.problems, []);
      const certificateEvents = schedule().filter(
        (event) => event.run === rotateCertificate,
      ).length;
      const policyEvents = schedule().filter((event) => event.run === switchPolicy).length;
      assert.equal(log.certificatesRotated, certificateEvents);
      assert.equal(log.mismatchedPairsRefused, 1);
      assert.equal(log.policiesSwitched, policyEvents);
      assert.equal(log.invalidPoliciesRefused, 1);
      // Each valid change is loaded exactly once; the bad ones are refused (the bad pair on every check until replaced).
      assert.equal(reloads.tlsSuccess, certificateEvents);
      assert.ok(reloads.tlsFailure >= 1);
      assert.equal(reloads.policySuccess, policyEvents);
      assert.equal(reloads.policyFailure, 1);
      // The only error-level lines are the refused policy's (the refused pair logs a warning).
      const errors = serve.notable.filter((line) => /"level":"(error|fatal)"/.test(line));
      assert.ok(
        errors.every((line) => line.includes('new policy refused')),
        errors.join('\n'),
      );
      // Bounded resources: memory stays small and connections are released once clients leave.
      // A runaway, not a budget: V8 sizes its heap from the machine's memory (see RELIABILITY.md).
      assert.ok(figures.serverRssMiB.after < 512, `server RSS ${figures.serverRssMiB.after} MiB`);
      assert.ok(
        figures.serverOpenFds.after <= figures.serverOpenFds.before + 5,
        `open fds ${figures.serverOpenFds.before} → ${figures.serverOpenFds.after}`,
      );
    } finally {
      for (const client of clients) client.close();
      await serve?.stop();
      await files.remove();
    }
  });
});
