/** `npm run bench -- [flags]`: the bench's command line, validated once. */
import { parseArgs } from 'node:util';
import { CASE_NAMES, type CaseName } from './corpus.ts';

export const PROTOCOLS = ['h1', 'h2'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface BenchOptions {
  readonly json: boolean;
  /** Measured seconds per server, case and protocol, split over the alternating rounds. */
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly cases: readonly CaseName[];
  readonly protocols: readonly Protocol[];
  /** Start-up is timed over this many spawns of each server. */
  readonly startupSamples: number;
  /** When set, only the soak: this many requests on the typical Pod. */
  readonly soakRequests: number | undefined;
  /** When set, every server runs in a memory cgroup of this many MiB (see memory-cgroup.ts). */
  readonly memoryLimitMiB: number | undefined;
  /** When set, the webhook runs under `node --cpu-prof` writing here. */
  readonly cpuProfileDir: string | undefined;
  /** When set, nothing runs: this saved `--json` report is rendered as Markdown. */
  readonly formatFile: string | undefined;
  /** The webhook's policy file; examples/policy.yaml when not set (bench/verify-registry.ts writes verify ones). */
  readonly policyFile: string | undefined;
}

export const USAGE = `usage: npm run bench -- [--json] [--duration SECONDS] [--connections N]
         [--case ${CASE_NAMES.join('|')}] [--protocol ${PROTOCOLS.join('|')}] [--quick]
         [--soak REQUESTS] [--cpu-prof DIR] [--memory-limit MIB] [--policy FILE]
       node bench/run.ts --format REPORT.json   (renders a saved --json report)`;

/** A bad command line: the message says what, with the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Runs a bench command: a bad command line is its message and exit code 2; anything else throws. */
export async function runBenchCommand(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message);
    process.exitCode = 2;
  }
}

export function parseBenchOptions(args: readonly string[]): BenchOptions {
  const { values } = parseStrict(args);
  const quick = values.quick;
  return {
    json: values.json,
    seconds: positive('--duration', values.duration ?? (quick ? '2' : '10'), 600),
    warmupSeconds: quick ? 0.5 : 2,
    connections: positive('--connections', values.connections, 1024, true),
    cases: oneOrAll('--case', CASE_NAMES, values.case),
    protocols: oneOrAll('--protocol', PROTOCOLS, values.protocol),
    startupSamples: quick ? 1 : 3,
    soakRequests:
      values.soak === undefined ? undefined : positive('--soak', values.soak, 100_000_000, true),
    memoryLimitMiB:
      values['memory-limit'] === undefined
        ? undefined
        : positive('--memory-limit', values['memory-limit'], 65_536, true),
    cpuProfileDir: values['cpu-prof'],
    formatFile: values.format,
    policyFile: values.policy,
  };
}

function parseStrict(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        duration: { type: 'string' },
        connections: { type: 'string', default: '16' },
        case: { type: 'string' },
        protocol: { type: 'string' },
        quick: { type: 'boolean', default: false },
        soak: { type: 'string' },
        'cpu-prof': { type: 'string' },
        'memory-limit': { type: 'string' },
        format: { type: 'string' },
        policy: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`, { cause: error });
  }
}

function positive(flag: string, text: string, max: number, integer = false): number {
  const value = Number(text);
  if (
    !Number.isFinite(value) ||
    value <= 0 ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    const kind = integer ? 'a whole number' : 'a number';
    throw new UsageError(`${flag} must be ${kind} above 0 and at most ${max}\n${USAGE}`);
  }
  return value;
}

function oneOrAll<T extends string>(
  flag: string,
  all: readonly T[],
  value: string | undefined,
): T[] {
  if (value === undefined) return [...all];
  const found = all.find((name) => name === value);
  if (found === undefined)
    throw new UsageError(`${flag} must be one of ${all.join(', ')}\n${USAGE}`);
  return [found];
}
