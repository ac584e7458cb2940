/**
 * Latency below saturation: each plan sends a case at half the webhook's
 * saturated throughput for that case and protocol, to the floor and the
 * webhook in alternation, at the same rate for both.
 */
import type { CaseName, CorpusCase } from './corpus.ts';
import {
  fixedRateDriver,
  fixedRateProtocol,
  type DriverSettings,
  type FixedRateDriver,
} from './load-drivers.ts';
import { alternate } from './measurement.ts';
import { summariseRun, type FixedRateRow, type SaturationRow } from './report-model.ts';
import type { ServerProcess } from './server-process.ts';

interface FixedRatePlan {
  readonly caseName: CaseName;
  readonly driver: FixedRateDriver;
}

/** The typical Pod both ways (the targets' 50 % load), and the large Pod as the apiserver sends it. */
const PLANS: readonly FixedRatePlan[] = [
  { caseName: 'typical', driver: 'autocannon h1' },
  { caseName: 'typical', driver: 'paced h2' },
  { caseName: 'large', driver: 'paced h2' },
];

export interface FixedRateContext {
  readonly corpus: readonly CorpusCase[];
  readonly saturation: readonly SaturationRow[];
  readonly settings: Omit<DriverSettings, 'body'>;
  readonly rounds: number;
  readonly progress: (message: string) => void;
}

export async function measureFixedRates(
  context: FixedRateContext,
  servers: readonly ServerProcess[],
): Promise<FixedRateRow[]> {
  const rows: FixedRateRow[] = [];
  for (const { caseName, driver } of PLANS) {
    const corpusCase = context.corpus.find((candidate) => candidate.name === caseName);
    const protocol = fixedRateProtocol(driver);
    const saturated = context.saturation.find(
      (row) => row.caseName === caseName && row.protocol === protocol,
    );
    if (corpusCase === undefined || saturated === undefined) continue;
    const ratePerSecond = Math.max(1, Math.round(saturated.webhook.requestsPerSecond / 2));
    const measured = fixedRateDriver(driver, ratePerSecond, {
      ...context.settings,
      body: corpusCase.body,
    });
    const runs = await alternate(servers, { warmup: undefined, measured, rounds: context.rounds });
    const [floor, webhook] = runs.map(summariseRun);
    if (floor === undefined || webhook === undefined) throw new Error('expected floor and webhook');
    rows.push({ caseName, driver, ratePerSecond, floor, webhook });
    context.progress(
      `${caseName} at ${ratePerSecond}/s (${driver}): webhook p99 ${webhook.p99Ms} ms`,
    );
  }
  return rows;
}
