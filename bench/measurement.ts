/**
 * Measures load runs against the servers: the load result plus the server's
 * CPU time and memory around it, and the bench's own CPU time (the load
 * generator shares the machine's cores with the server). Servers are run in
 * alternation, floor then webhook, round after round, so drift in the
 * machine (thermal, neighbours, page cache) falls on both alike.
 */
import { addLoadResult, emptyLoadResult, type LoadResult } from './load-result.ts';
import { sampleMachineBusyMicros, sampleProcess } from './process-stats.ts';
import type { ServerProcess } from './server-process.ts';

export interface ServerRun {
  readonly load: LoadResult;
  serverCpuMicros: number;
  clientCpuMicros: number;
  /** Busy CPU time of the whole machine: beyond server + client, it is other processes' noise. */
  machineBusyMicros: number;
  /** The largest resident memory seen at the end of a run, in KiB. */
  rssKiB: number;
}

/** Drives load at the server listening on `port`. */
export type LoadDriver = (port: number) => Promise<LoadResult>;

export async function measureRun(server: ServerProcess, drive: LoadDriver): Promise<ServerRun> {
  const before = sampleProcess(server.pid);
  const clientBefore = process.cpuUsage();
  const machineBefore = sampleMachineBusyMicros();
  const load = await drive(server.port);
  const machineBusyMicros = sampleMachineBusyMicros() - machineBefore;
  const client = process.cpuUsage(clientBefore);
  const after = sampleProcess(server.pid);
  server.truncateLog();
  return {
    load,
    serverCpuMicros: after.cpuMicros - before.cpuMicros,
    clientCpuMicros: client.user + client.system,
    machineBusyMicros,
    rssKiB: after.rssKiB,
  };
}

export function emptyServerRun(): ServerRun {
  return {
    load: emptyLoadResult(),
    serverCpuMicros: 0,
    clientCpuMicros: 0,
    machineBusyMicros: 0,
    rssKiB: 0,
  };
}

/** One total of several runs of the same server. */
export function sumRuns(runs: readonly ServerRun[]): ServerRun {
  const total = emptyServerRun();
  for (const run of runs) addServerRun(total, run);
  return total;
}

function addServerRun(total: ServerRun, part: ServerRun): void {
  addLoadResult(total.load, part.load);
  total.serverCpuMicros += part.serverCpuMicros;
  total.clientCpuMicros += part.clientCpuMicros;
  total.machineBusyMicros += part.machineBusyMicros;
  total.rssKiB = Math.max(total.rssKiB, part.rssKiB);
}

export interface AlternationPlan {
  /** Unmeasured load per server first, so both are measured warm (JIT, caches, TLS sessions). */
  readonly warmup: LoadDriver | undefined;
  readonly measured: LoadDriver;
  readonly rounds: number;
}

/** Runs the plan on every server in turn, round after round; one total per server, in order. */
export async function alternate(
  servers: readonly ServerProcess[],
  plan: AlternationPlan,
): Promise<ServerRun[]> {
  const totals = servers.map(() => emptyServerRun());
  if (plan.warmup !== undefined) {
    for (const server of servers) await measureRun(server, plan.warmup);
  }
  for (let round = 0; round < plan.rounds; round++) {
    for (const [index, server] of servers.entries()) {
      addServerRun(totals[index] as ServerRun, await measureRun(server, plan.measured));
    }
  }
  return totals;
}
