/** What the bench ran on, for the report: numbers mean little without it. */
import { readFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';
import type { MachineFigures } from './report-model.ts';

export function describeMachine(): MachineFigures {
  let model = 'unknown';
  try {
    const line = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    model = line?.[1]?.trim() ?? model;
  } catch {
    // Not Linux: the report says "unknown".
  }
  return { cpus: availableParallelism(), model, node: process.version, kernel: release() };
}
