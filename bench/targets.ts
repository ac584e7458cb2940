/** The performance targets, checked against a report. */
import { median, type BenchReport } from './report-model.ts';

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** undefined when this run did not measure it (e.g. `--case small`). */
  readonly met: boolean | undefined;
}

const ms = (value: number): string => `${value.toFixed(2)} ms`;

function typicalRatio(report: BenchReport): TargetCheck[] {
  return report.saturation
    .filter((row) => row.caseName === 'typical')
    .map((row) => ({
      target: `typical Pod ${row.protocol}: webhook/floor throughput ≥ 0.9`,
      measured: row.ratio.toFixed(2),
      met: row.ratio >= 0.9,
    }));
}

function unsaturatedP99(report: BenchReport): TargetCheck[] {
  return report.fixedRate
    .filter((row) => row.caseName === 'typical')
    .map((row) => ({
      target: `typical Pod at 50 % load (${row.driver}, ${row.ratePerSecond}/s): p99 ≤ 2 ms`,
      measured: `${ms(row.webhook.p99Ms)} (floor ${ms(row.floor.p99Ms)})`,
      met: row.webhook.p99Ms <= 2,
    }));
}

function largePod(report: BenchReport): TargetCheck[] {
  const saturated = report.saturation.filter((row) => row.caseName === 'large');
  if (saturated.length === 0) return [];
  const paced = report.fixedRate.filter((row) => row.caseName === 'large');
  const failures = [...saturated, ...paced].reduce(
    (sum, row) => sum + row.webhook.errors + row.webhook.non2xx,
    0,
  );
  const p99 = (label: string, p99Ms: number, floorMs: number): TargetCheck => ({
    target: `large Pod ${label}: p99 ≤ 20 ms`,
    measured: `${ms(p99Ms)} (floor ${ms(floorMs)})`,
    met: p99Ms <= 20,
  });
  return [
    {
      target: 'large Pod: no error in any run',
      measured: `${failures} errors`,
      met: failures === 0,
    },
    ...paced.map((row) =>
      p99(
        `at 50 % load (${row.driver}, ${row.ratePerSecond}/s)`,
        row.webhook.p99Ms,
        row.floor.p99Ms,
      ),
    ),
    ...saturated.map((row) =>
      p99(
        `saturated (${row.protocol}, ${report.settings.connections} in flight)`,
        row.webhook.p99Ms,
        row.floor.p99Ms,
      ),
    ),
  ];
}

function memoryAndStartup(report: BenchReport): TargetCheck[] {
  const memory = report.memory.find((figures) => figures.server === 'webhook');
  const startup = report.startup.find((figures) => figures.server === 'webhook');
  const ready = startup === undefined ? undefined : median(startup.readyMs);
  return [
    {
      target: 'webhook RSS ≤ 100 MB (peak, VmHWM)',
      measured: memory === undefined ? 'not measured' : `${memory.peakMiB.toFixed(1)} MiB`,
      met: memory === undefined ? undefined : memory.peakMiB * 1.048576 <= 100,
    },
    {
      target: 'start-up ≤ 500 ms (spawn to first 200 on /readyz, median)',
      measured:
        ready === undefined || startup === undefined
          ? 'not measured'
          : `${ms(ready)} (startupMs ${median(startup.startupMs)})`,
      met: ready === undefined ? undefined : ready <= 500,
    },
  ];
}

export function checkTargets(report: BenchReport): TargetCheck[] {
  return [
    ...typicalRatio(report),
    ...unsaturatedP99(report),
    ...largePod(report),
    ...memoryAndStartup(report),
  ];
}
