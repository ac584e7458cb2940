/** The figures a bench run reports, as plain data (what `--json` prints). */
import type { ServerRun } from './measurement.ts';
import { throughput } from './load-result.ts';
import type { Protocol } from './options.ts';

export interface ServerFigures {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly responses: number;
  readonly errors: number;
  readonly non2xx: number;
  /** Server CPU time (user + system) per answered request. */
  readonly serverCpuMicrosPerRequest: number;
  /** The bench's own CPU per request: the load generator shares the cores. */
  readonly clientCpuMicrosPerRequest: number;
  /** Cores other processes kept busy during the run, on average: noise, should be near 0. */
  readonly otherBusyCores: number;
  readonly rssMiB: number;
}

export interface SaturationRow {
  readonly caseName: string;
  readonly bodyBytes: number;
  readonly protocol: Protocol;
  readonly floor: ServerFigures;
  readonly webhook: ServerFigures;
  /** Webhook throughput over floor throughput. */
  readonly ratio: number;
}

export interface FixedRateRow {
  readonly caseName: string;
  readonly driver: string;
  readonly ratePerSecond: number;
  readonly floor: ServerFigures;
  readonly webhook: ServerFigures;
}

export interface StartupFigures {
  readonly server: string;
  /** Spawn to first 200 on /readyz, one per spawn. */
  readonly readyMs: readonly number[];
  /** The webhook's own `startupMs` log field, one per spawn. */
  readonly startupMs: readonly number[];
}

export interface MemoryFigures {
  readonly server: string;
  readonly idleMiB: number;
  /** The largest RSS seen at the end of a measured run. */
  readonly loadedMiB: number;
  /** VmHWM: the most the process ever had resident. */
  readonly peakMiB: number;
}

export interface MachineFigures {
  readonly cpus: number;
  readonly model: string;
  readonly node: string;
  readonly kernel: string;
}

export interface BenchReport {
  readonly machine: MachineFigures;
  readonly settings: {
    seconds: number;
    warmupSeconds: number;
    connections: number;
    rounds: number;
    /** The memory cgroup limit every server ran under, if any (`--memory-limit`). */
    memoryLimitMiB?: number;
  };
  readonly startup: StartupFigures[];
  readonly memory: MemoryFigures[];
  readonly saturation: SaturationRow[];
  readonly fixedRate: FixedRateRow[];
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

export function summariseRun(run: ServerRun): ServerFigures {
  const { load } = run;
  const answered = Math.max(1, load.responses);
  return {
    requestsPerSecond: round(throughput(load), 0),
    p50Ms: round(load.latency.percentile(50), 3),
    p99Ms: round(load.latency.percentile(99), 3),
    p999Ms: round(load.latency.percentile(99.9), 3),
    maxMs: round(load.latency.max, 3),
    responses: load.responses,
    errors: load.errors,
    non2xx: load.non2xx,
    serverCpuMicrosPerRequest: round(run.serverCpuMicros / answered, 0),
    clientCpuMicrosPerRequest: round(run.clientCpuMicros / answered, 0),
    otherBusyCores: round(
      Math.max(0, run.machineBusyMicros - run.serverCpuMicros - run.clientCpuMicros) /
        1e6 /
        Math.max(load.seconds, 1e-3),
      2,
    ),
    rssMiB: round(run.rssKiB / 1024, 1),
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}
