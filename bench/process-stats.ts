/**
 * A server's CPU time and memory, read from /proc as `top` would: CPU from
 * utime + stime in /proc/<pid>/stat, memory from VmRSS and VmHWM (peak) in
 * /proc/<pid>/status, and the whole machine's busy time from /proc/stat.
 * Linux only, like the production image.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcessSample {
  /** User plus system CPU time since the process started, in microseconds. */
  readonly cpuMicros: number;
  /** Resident memory now, in KiB. */
  readonly rssKiB: number;
  /** The most resident memory the process ever had, in KiB. */
  readonly peakRssKiB: number;
}

/** Clock ticks per second, the unit of utime and stime (100 on every usual kernel). */
const CLOCK_TICKS = readClockTicks();

function readClockTicks(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

export function sampleProcess(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    cpuMicros: (ticks * 1e6) / CLOCK_TICKS,
    rssKiB: readStatusKiB(status, 'VmRSS'),
    peakRssKiB: readStatusKiB(status, 'VmHWM'),
  };
}

/**
 * CPU time every core of the machine has spent busy since boot, in
 * microseconds (the first line of /proc/stat, less idle and iowait). What
 * the bench and the server did not use of it is other processes' noise.
 */
export function sampleMachineBusyMicros(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = ticks.reduce((sum, value) => sum + value, 0) - (ticks[3] ?? 0) - (ticks[4] ?? 0);
  return (busy * 1e6) / CLOCK_TICKS;
}

function readStatusKiB(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match === null ? 0 : Number(match[1]);
}
