/**
 * The full bench: start-up timing, then saturation per case and protocol
 * (floor and webhook in alternation), then fixed-rate load at half the
 * webhook's saturated throughput, then memory.
 */
import { checkAnswer } from './answer-check.ts';
import type { CorpusCase } from './corpus.ts';
import { measureFixedRates } from './fixed-rate.ts';
import { saturationDriver } from './load-drivers.ts';
import { describeMachine } from './machine.ts';
import { alternate } from './measurement.ts';
import type { BenchOptions, Protocol } from './options.ts';
import { sampleProcess } from './process-stats.ts';
import {
  summariseRun,
  type BenchReport,
  type MemoryFigures,
  type SaturationRow,
  type StartupFigures,
} from './report-model.ts';
import { startServer, type ServerProcess, type ServerSpec } from './server-process.ts';
import type { ServerSpecs } from './server-specs.ts';

/** Each server is measured this many times per case, in alternation with the other. */
const ROUNDS = 2;

export interface SuiteContext {
  readonly options: BenchOptions;
  readonly specs: ServerSpecs;
  readonly corpus: readonly CorpusCase[];
  readonly ca: string;
  readonly directory: string;
  readonly progress: (message: string) => void;
}

async function timeStartup(context: SuiteContext, spec: ServerSpec): Promise<StartupFigures> {
  const readyMs: number[] = [];
  const startupMs: number[] = [];
  for (let sample = 0; sample < context.options.startupSamples; sample++) {
    const server = await startServer(spec, context.directory, context.ca);
    await server.stop();
    readyMs.push(Math.round(server.readyMs));
    if (server.startupMs !== undefined) startupMs.push(server.startupMs);
  }
  context.progress(`start-up ${spec.name}: ${readyMs.join(', ')} ms to ready`);
  return { server: spec.name, readyMs, startupMs };
}

async function measureSaturation(
  context: SuiteContext,
  servers: readonly ServerProcess[],
  corpusCase: CorpusCase,
  protocol: Protocol,
): Promise<SaturationRow> {
  const { options, ca } = context;
  const settings = { ca, body: corpusCase.body, connections: options.connections };
  const runs = await alternate(servers, {
    warmup: saturationDriver(protocol, { ...settings, seconds: options.warmupSeconds }),
    measured: saturationDriver(protocol, { ...settings, seconds: options.seconds / ROUNDS }),
    rounds: ROUNDS,
  });
  const [floor, webhook] = runs.map(summariseRun);
  if (floor === undefined || webhook === undefined) throw new Error('expected floor and webhook');
  context.progress(
    `${corpusCase.name} ${protocol}: floor ${floor.requestsPerSecond}/s, webhook ${webhook.requestsPerSecond}/s`,
  );
  return {
    caseName: corpusCase.name,
    bodyBytes: corpusCase.body.length,
    protocol,
    floor,
    webhook,
    ratio: webhook.requestsPerSecond / Math.max(1, floor.requestsPerSecond),
  };
}

async function measureAllSaturation(
  context: SuiteContext,
  servers: readonly ServerProcess[],
): Promise<SaturationRow[]> {
  const rows: SaturationRow[] = [];
  for (const corpusCase of context.corpus) {
    for (const server of servers) await checkAnswer(server.port, context.ca, corpusCase);
    for (const protocol of context.options.protocols) {
      rows.push(await measureSaturation(context, servers, corpusCase, protocol));
    }
  }
  return rows;
}

function describeMemory(
  servers: readonly ServerProcess[],
  idleKiB: readonly number[],
  saturation: readonly SaturationRow[],
): MemoryFigures[] {
  return servers.map((server, index) => {
    const loaded = saturation.map((row) => (index === 0 ? row.floor : row.webhook).rssMiB);
    return {
      server: server.name,
      idleMiB: (idleKiB[index] ?? 0) / 1024,
      loadedMiB: Math.max(0, ...loaded),
      peakMiB: sampleProcess(server.pid).peakRssKiB / 1024,
    };
  });
}

export async function runSuite(context: SuiteContext): Promise<BenchReport> {
  const { options, specs } = context;
  const startup = [
    await timeStartup(context, specs.floor),
    await timeStartup(context, specs.webhook),
  ];
  const servers: ServerProcess[] = [];
  try {
    servers.push(await startServer(specs.floor, context.directory, context.ca));
    servers.push(await startServer(specs.loadedWebhook, context.directory, context.ca));
    const idleKiB = servers.map((server) => sampleProcess(server.pid).rssKiB);
    const saturation = await measureAllSaturation(context, servers);
    const fixedRate = await measureFixedRates(
      {
        corpus: context.corpus,
        saturation,
        settings: {
          ca: context.ca,
          connections: options.connections,
          seconds: options.seconds / ROUNDS,
        },
        rounds: ROUNDS,
        progress: context.progress,
      },
      servers,
    );
    return {
      machine: describeMachine(),
      settings: {
        seconds: options.seconds,
        warmupSeconds: options.warmupSeconds,
        connections: options.connections,
        rounds: ROUNDS,
        ...(options.memoryLimitMiB === undefined ? {} : { memoryLimitMiB: options.memoryLimitMiB }),
      },
      startup,
      memory: describeMemory(servers, idleKiB, saturation),
      saturation,
      fixedRate,
    };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}
