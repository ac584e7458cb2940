/**
 * Summarises V8 .cpuprofile files (from `npm run bench -- --cpu-prof DIR`,
 * or `node --cpu-prof` by hand): the functions with the most self time, and
 * self time by package, so a profile can be read without DevTools.
 *
 *   node bench/profile-summary.ts DIR [TOP]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly hitCount?: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
}

/** `node_modules/<package>`, `src/<dir>` of this repo, `node:` internals or the VM itself. */
function ownerOf(url: string): string {
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules !== null) return modules[1] ?? url;
  const own = /\/dist\/(src\/[^/]+)/.exec(url);
  if (own !== null) return own[1] ?? url;
  if (url.startsWith('node:')) return 'node internals';
  return url === '' ? '(VM: GC, native, idle)' : url;
}

function addTo(totals: Map<string, number>, key: string, value: number): void {
  totals.set(key, (totals.get(key) ?? 0) + value);
}

function rows(totals: Map<string, number>, all: number, top: number): string[] {
  return [...totals]
    .sort((left, right) => right[1] - left[1])
    .slice(0, top)
    .map(([name, hits]) => `${((100 * hits) / all).toFixed(1).padStart(5)} %  ${name}`);
}

function summarise(directory: string, top: number): string {
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  let all = 0;
  let seconds = 0;
  const files = readdirSync(directory).filter((file) => file.endsWith('.cpuprofile'));
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(directory, file), 'utf8')) as CpuProfile;
    seconds += (profile.endTime - profile.startTime) / 1e6;
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      if (hits === 0 || functionName === '(idle)') continue;
      const place =
        url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}`;
      addTo(byFunction, `${functionName || '(anonymous)'}${place}`, hits);
      addTo(byOwner, ownerOf(url), hits);
      all += hits;
    }
  }
  return [
    `${files.length} profile(s), ${seconds.toFixed(1)} s; shares of non-idle samples`,
    '',
    `top ${top} functions by self time:`,
    ...rows(byFunction, all, top),
    '',
    'self time by package:',
    ...rows(byOwner, all, top),
  ].join('\n');
}

const [directory, top] = process.argv.slice(2);
if (directory === undefined) {
  console.error('usage: node bench/profile-summary.ts DIR [TOP]');
  process.exitCode = 2;
} else {
  console.log(summarise(directory, Number(top ?? 25)));
}
