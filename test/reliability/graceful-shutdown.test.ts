/**
 * SIGTERM while HTTP/2 sessions and HTTP/1.1 keep-alive connections carry
 * requests: every request the server took is answered in full before it
 * exits, and it exits 0 well within Kubernetes' grace period. The server's
 * own log (one "admission reviewed" line per request, with its uid) says
 * which requests it took, so "refused" is checked, not assumed.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import {
  createHttp1Client,
  createHttp2Client,
  type Client,
  type Exchange,
} from './support/clients.ts';
import { generatePod, judgeAnswer, POLICY_YAML } from './support/policy-oracle.ts';
import { startServeChild, type ServeChild } from './support/serve-child.ts';
import { createWebhookFiles } from './support/webhook-files.ts';

const H2_SESSIONS = 4;
const STREAMS_PER_SESSION = 25;
const H1_CONNECTIONS = 16;
const WARM_UP_ANSWERS = 500;
const WARM_UP_LIMIT_MS = 30_000;
/** serve's own deadline is 10 s; Kubernetes' default grace period is 30 s. */
const EXIT_WITHIN_MS = 10_000;

interface Sent {
  readonly uid: string;
  readonly exchange: Exchange;
  readonly correct: boolean;
}

/** Sends reviews on `client` until the server stops taking new ones or `stopAt` passes. */
async function keepSending(
  client: Client,
  nextUid: () => string,
  deadline: number,
  record: (sent: Sent) => void,
): Promise<void> {
  while (performance.now() < deadline) {
    const uid = nextUid();
    const generated = generatePod(uid, Number(uid.split('-')[1]));
    const exchange = await client.send({ path: '/mutate', body: JSON.stringify(generated.review) });
    const correct = exchange.status === 200 && judgeAnswer(generated, 200, exchange.body).ok;
    record({ uid, exchange, correct });
    // The server stopped taking requests: refused before anything was sent. Stop this loop.
    if (exchange.sentAt === undefined && exchange.error !== undefined) return;
  }
}

function classify(sent: readonly Sent[], processed: ReadonlySet<string>, signalledAt: number) {
  const answered = sent.filter((s) => s.correct);
  const failed = sent.filter((s) => !s.correct);
  const refused = failed.filter(
    (s) => s.exchange.sentAt === undefined || s.exchange.refusedByProtocol === true,
  );
  const cutOff = failed.filter((s) => !refused.includes(s));
  const inFlight = sent.filter(
    (s) =>
      s.exchange.sentAt !== undefined &&
      s.exchange.sentAt <= signalledAt &&
      s.exchange.finishedAt > signalledAt,
  );
  return {
    sent: sent.length,
    answered: answered.length,
    inFlightAtSigterm: inFlight.length,
    inFlightAnswered: inFlight.filter((s) => s.correct).length,
    answeredAfterSigterm: answered.filter((s) => s.exchange.finishedAt > signalledAt).length,
    refused: refused.length,
    refusedKinds: [...new Set(refused.map((s) => `${s.exchange.protocol} ${s.exchange.error}`))],
    // Sent on an open connection, then reset or answered wrongly: lost.
    lost: cutOff.map(
      (s) => `${s.exchange.protocol} ${s.uid}: ${s.exchange.error ?? s.exchange.status}`,
    ),
    // The server handled it (its log says so) but the client got no correct answer.
    processedUnanswered: failed.filter((s) => processed.has(s.uid)).map((s) => s.uid),
    // Refused by the client's account but handled by the server: would be a lie in "refused".
    refusedButProcessed: refused.filter((s) => processed.has(s.uid)).map((s) => s.uid),
  };
}

interface Scenario {
  readonly h2Sessions: number;
  readonly h1Connections: number;
}

/** Runs load of `scenario`'s shape, sends SIGTERM once answers flow, and returns what happened. */
async function shutDownUnderLoad(scenario: Scenario) {
  const files = await createWebhookFiles(POLICY_YAML.A);
  let serve: ServeChild | undefined;
  const clients: Client[] = [];
  try {
    const processed = new Set<string>();
    serve = await startServeChild(files.serveArgs('--log-level', 'info'), {
      onLine: (line) => {
        if (line.msg === 'admission reviewed' && typeof line['uid'] === 'string')
          processed.add(line['uid']);
      },
    });
    const { port } = serve;
    const ca = files.ca.certificatePem;
    for (let i = 0; i < scenario.h2Sessions; i++) clients.push(createHttp2Client(port, ca));
    if (scenario.h1Connections > 0)
      clients.push(createHttp1Client(port, ca, scenario.h1Connections));
    let seq = 0;
    const nextUid = () => `shutdown-${++seq}`;
    const sent: Sent[] = [];
    // Loops end when the server refuses them after SIGTERM; this bounds them if it never does.
    const loopDeadline = performance.now() + WARM_UP_LIMIT_MS + EXIT_WITHIN_MS + 2_000;
    const record = (s: Sent) => {
      if (sent.length < 1_000_000) sent.push(s);
    };
    const loops = clients.flatMap((client) =>
      Array.from(
        { length: client.protocol === 'h2' ? STREAMS_PER_SESSION : scenario.h1Connections },
        () => keepSending(client, nextUid, loopDeadline, record),
      ),
    );
    // Signal once every connection is busy and answers flow, however slow the machine.
    const warmDeadline = performance.now() + WARM_UP_LIMIT_MS;
    while (
      sent.filter((s) => s.correct).length < WARM_UP_ANSWERS &&
      performance.now() < warmDeadline
    ) {
      await sleep(20);
    }
    const signalledAt = performance.now();
    serve.child.kill('SIGTERM');
    const exitCode = await Promise.race([
      serve.exited,
      sleep(EXIT_WITHIN_MS + 5_000).then(() => 'no exit'),
    ]);
    const exitedAfterMs = Math.round(performance.now() - signalledAt);
    await Promise.all(loops);
    const stopped = serve.messages.get('stopped') ?? 0;
    return { ...classify(sent, processed, signalledAt), exitCode, exitedAfterMs, stopped };
  } finally {
    for (const client of clients) client.close();
    await serve?.stop('SIGKILL');
    await files.remove();
  }
}

type Outcome = Awaited<ReturnType<typeof shutDownUnderLoad>>;

function report(t: { diagnostic(message: string): void }, outcome: Outcome): void {
  const { lost, processedUnanswered, refusedButProcessed, ...counts } = outcome;
  t.diagnostic(
    `figures ${JSON.stringify({ ...counts, lost: lost.length, processedUnanswered: processedUnanswered.length, refusedButProcessed: refusedButProcessed.length })}`,
  );
}

function assertNothingLost(outcome: Outcome): void {
  assert.equal(outcome.exitCode, 0);
  assert.ok(outcome.exitedAfterMs < EXIT_WITHIN_MS, `exited after ${outcome.exitedAfterMs} ms`);
  assert.equal(outcome.stopped, 1, 'serve logged "stopped"');
  assert.ok(outcome.inFlightAtSigterm > 0, 'requests were in flight at SIGTERM');
  assert.equal(outcome.inFlightAnswered, outcome.inFlightAtSigterm);
  assert.deepEqual(outcome.processedUnanswered, [], 'handled by the server but not answered');
  assert.deepEqual(outcome.refusedButProcessed, [], 'counted as refused but handled');
  assert.deepEqual(outcome.lost, [], 'sent on an open connection, then reset');
}

describe('graceful shutdown under load', () => {
  it('on SIGTERM answers every request in flight on open HTTP/2 sessions with a complete 200, refuses the rest by GOAWAY, loses none, and exits 0 within 10 seconds', async (t) => {
    const outcome = await shutDownUnderLoad({ h2Sessions: H2_SESSIONS, h1Connections: 0 });
    report(t, outcome);
    assertNothingLost(outcome);
  });

  it('on SIGTERM answers every request in flight on HTTP/1.1 keep-alive connections with a complete 200, loses none, and exits 0 within 10 seconds', async (t) => {
    const outcome = await shutDownUnderLoad({ h2Sessions: 0, h1Connections: H1_CONNECTIONS });
    report(t, outcome);
    assertNothingLost(outcome);
  });
});
