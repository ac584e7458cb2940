/**
 * `npm run bench:verify`: what registry verification (issue 14) costs an
 * admission. One floor server and one webhook per verify mode (off, exists
 * and pin with a warm cache, exists with no cache) take the typical Pod in
 * alternation, round after round, against a local docker-registry
 * (bench/verify-setup.ts). Each mode's throughput is compared with `off` in
 * the same round, so drift on a shared machine falls on both; the median of
 * the rounds' ratios is the figure to read. Afterwards each webhook's
 * `registry_lookups_total` shows the lookups were really served from the
 * cache (warm) or from the registry (cold).
 *
 *   npm run bench:verify -- [--protocol h1|h2] [--duration S] [--rounds N]
 *                           [--connections N] [--json]
 *
 * Everything listens on 127.0.0.1; every server and the registry stop at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkAnswer } from './answer-check.ts';
import { writeBenchCertificates } from './bench-certificates.ts';
import { buildCorpus } from './corpus.ts';
import { saturationDriver } from './load-drivers.ts';
import { measureRun, sumRuns, type ServerRun } from './measurement.ts';
import { PROTOCOLS, runBenchCommand, UsageError, type Protocol } from './options.ts';
import { median, summariseRun, type ServerFigures } from './report-model.ts';
import { startServer, type ServerProcess, type ServerSpec } from './server-process.ts';
import { serverSpecs } from './server-specs.ts';
import { startVerifyBenchRegistry, VERIFY_POLICIES } from './verify-setup.ts';

const USAGE =
  'usage: npm run bench:verify -- [--protocol h1|h2] [--duration SECONDS] [--rounds N] [--connections N] [--json]';

interface Options {
  readonly protocol: Protocol;
  /** Seconds of each measured run (one server, one round). */
  readonly seconds: number;
  readonly rounds: number;
  readonly connections: number;
  readonly json: boolean;
}

const WARMUP_SECONDS = 2;

function parseOptions(args: readonly string[]): Options {
  let parsed;
  try {
    parsed = parseStrict(args);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`, { cause: error });
  }
  const { values } = parsed;
  const protocol = PROTOCOLS.find((name) => name === values.protocol);
  const seconds = Number(values.duration);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  const valid =
    protocol !== undefined &&
    seconds > 0 &&
    seconds <= 600 &&
    Number.isInteger(rounds) &&
    rounds >= 1 &&
    rounds <= 100 &&
    Number.isInteger(connections) &&
    connections >= 1 &&
    connections <= 1024;
  if (!valid) throw new UsageError(USAGE);
  return { protocol, seconds, rounds, connections, json: values.json };
}

function parseStrict(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    options: {
      protocol: { type: 'string', default: 'h1' },
      duration: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '16' },
      json: { type: 'boolean', default: false },
    },
  });
}

interface ServerResult {
  readonly name: string;
  readonly total: ServerFigures;
  /** Requests per second in each round. */
  readonly roundRequestsPerSecond: readonly number[];
  /** `registry_lookups_total` by result, after the runs (webhooks only). */
  readonly lookups?: Readonly<Record<string, number>>;
}

interface VerifyReport {
  readonly protocol: Protocol;
  readonly seconds: number;
  readonly rounds: number;
  readonly connections: number;
  readonly servers: readonly ServerResult[];
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const progress = (message: string) => console.error(`bench:verify: ${message}`);
  const registry = await startVerifyBenchRegistry();
  const directory = mkdtempSync(join(tmpdir(), 'harbor-image-webhook-bench-verify-'));
  const servers: ServerProcess[] = [];
  try {
    const certificates = writeBenchCertificates(directory);
    const ca = certificates.caPem;
    const specs: ServerSpec[] = [
      serverSpecs(certificates).floor,
      ...VERIFY_POLICIES.map((name) => ({
        ...serverSpecs(certificates, undefined, undefined, registry.policies[name]).webhook,
        name,
      })),
    ];
    const typical = buildCorpus().find((corpusCase) => corpusCase.name === 'typical');
    if (typical === undefined) throw new Error('the corpus has no typical case');
    for (const spec of specs) {
      const server = await startServer(spec, directory, ca);
      servers.push(server);
      await checkAnswer(server.port, ca, typical);
    }
    const settings = { ca, body: typical.body, connections: options.connections };
    const warmup = saturationDriver(options.protocol, { ...settings, seconds: WARMUP_SECONDS });
    const measured = saturationDriver(options.protocol, { ...settings, seconds: options.seconds });
    for (const server of servers) await measureRun(server, warmup);
    const runs: ServerRun[][] = servers.map(() => []);
    for (let round = 0; round < options.rounds; round++) {
      for (const [index, server] of servers.entries()) {
        runs[index]?.push(await measureRun(server, measured));
      }
      progress(
        `round ${round + 1}/${options.rounds}: ` +
          servers
            .map((server, index) => {
              const last = runs[index]?.at(-1);
              return `${server.name} ${last === undefined ? '?' : summariseRun(last).requestsPerSecond}/s`;
            })
            .join(', '),
      );
    }
    const results: ServerResult[] = [];
    for (const [index, server] of servers.entries()) {
      const serverRuns = runs[index] ?? [];
      const lookups = server.name === 'floor' ? undefined : await lookupCounts(server.port, ca);
      results.push({
        name: server.name,
        total: summariseRun(sumRuns(serverRuns)),
        roundRequestsPerSecond: serverRuns.map((run) => summariseRun(run).requestsPerSecond),
        ...(lookups === undefined ? {} : { lookups }),
      });
    }
    const report: VerifyReport = { ...options, servers: results };
    console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await registry.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Each round's ratio of `server` to `baseline`: median and range, as `0.97 (0.93–1.01)`. */
function roundRatios(server: ServerResult, baseline: ServerResult): string {
  const ratios = server.roundRequestsPerSecond.map(
    (value, round) => value / Math.max(1, baseline.roundRequestsPerSecond[round] ?? 0),
  );
  const low = Math.min(...ratios).toFixed(2);
  const high = Math.max(...ratios).toFixed(2);
  return `${median(ratios).toFixed(2)} (${low}–${high})`;
}

function formatReport(report: VerifyReport): string {
  const floor = report.servers.find((server) => server.name === 'floor');
  const off = report.servers.find((server) => server.name === 'off');
  if (floor === undefined || off === undefined) throw new Error('expected floor and off');
  const lines = [
    `typical Pod, ${report.protocol}, ${report.connections} connections, ` +
      `${report.rounds} rounds of ${report.seconds} s per server`,
    '',
    '| server | req/s | p50 ms | p99 ms | CPU µs/req | vs floor, per round | vs off, per round | lookups (registry_lookups_total) |',
    '| ------ | ----: | -----: | -----: | ---------: | ------------------: | ----------------: | -------------------------------- |',
  ];
  for (const server of report.servers) {
    const { total } = server;
    const lookups =
      server.lookups === undefined
        ? ''
        : Object.entries(server.lookups)
            .map(([result, count]) => `${result} ${count}`)
            .join(', ') || 'none';
    lines.push(
      `| ${server.name} | ${total.requestsPerSecond} | ${total.p50Ms} | ${total.p99Ms} | ` +
        `${total.serverCpuMicrosPerRequest} | ${server === floor ? '' : roundRatios(server, floor)} | ` +
        `${server === floor || server === off ? '' : roundRatios(server, off)} | ${lookups} |`,
    );
  }
  return lines.join('\n');
}

/** `harbor_image_webhook_registry_lookups_total` by result, from the webhook's /metrics. */
async function lookupCounts(port: number, ca: string): Promise<Record<string, number>> {
  const text = await getText(port, '/metrics', ca);
  const counts: Record<string, number> = {};
  const pattern = /^harbor_image_webhook_registry_lookups_total\{result="(\w+)"\} (\d+)/gm;
  for (const [, result, count] of text.matchAll(pattern)) {
    if (result !== undefined && Number(count) > 0) counts[result] = Number(count);
  }
  return counts;
}

function getText(port: number, path: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port, path, ca, agent: false, timeout: 5000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`GET ${path}: no answer in 5 s`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

await runBenchCommand(main);
