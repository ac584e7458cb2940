/** Renders a {@link BenchReport} as the Markdown tables BENCHMARKS.md holds. */
import { median, type BenchReport, type ServerFigures } from './report-model.ts';
import { checkTargets } from './targets.ts';

const table = (header: readonly string[], rows: readonly (readonly string[])[]): string =>
  [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');

const fixed = (value: number, digits = 2): string => value.toFixed(digits);
const latencies = (figures: ServerFigures): string =>
  `${fixed(figures.p50Ms)} / ${fixed(figures.p99Ms)} / ${fixed(figures.p999Ms)}`;
const failures = (figures: ServerFigures): string => `${figures.errors + figures.non2xx}`;

function startupTable(report: BenchReport): string {
  return table(
    ['server', 'spawn → /readyz 200, ms (median, max)', 'logged startupMs (median, max)'],
    report.startup.map((figures) => [
      figures.server,
      `${fixed(median(figures.readyMs), 0)}, ${fixed(Math.max(...figures.readyMs), 0)}`,
      figures.startupMs.length === 0
        ? '-'
        : `${median(figures.startupMs)}, ${Math.max(...figures.startupMs)}`,
    ]),
  );
}

function saturationTable(report: BenchReport): string {
  return table(
    [
      'case',
      'proto',
      'floor req/s',
      'webhook req/s',
      'ratio',
      'webhook p50 / p99 / p99.9 ms',
      'floor p50 / p99 / p99.9 ms',
      'errors (webhook, floor)',
      'server CPU µs/req (webhook, floor)',
      'bench CPU µs/req',
      'other load, cores',
    ],
    report.saturation.map((row) => [
      `${row.caseName} (${fixed(row.bodyBytes / 1024, 1)} KB)`,
      row.protocol,
      `${row.floor.requestsPerSecond}`,
      `${row.webhook.requestsPerSecond}`,
      fixed(row.ratio),
      latencies(row.webhook),
      latencies(row.floor),
      `${failures(row.webhook)}, ${failures(row.floor)}`,
      `${row.webhook.serverCpuMicrosPerRequest}, ${row.floor.serverCpuMicrosPerRequest}`,
      `${row.webhook.clientCpuMicrosPerRequest}`,
      `${row.webhook.otherBusyCores}, ${row.floor.otherBusyCores}`,
    ]),
  );
}

function fixedRateTable(report: BenchReport): string {
  return table(
    [
      'case',
      'driver',
      'rate/s',
      'webhook p50 / p99 / p99.9 ms',
      'webhook max ms',
      'floor p50 / p99 / p99.9 ms',
      'errors (webhook, floor)',
      'server CPU µs/req (webhook, floor)',
      'other load, cores',
    ],
    report.fixedRate.map((row) => [
      row.caseName,
      row.driver,
      `${row.ratePerSecond}`,
      latencies(row.webhook),
      fixed(row.webhook.maxMs),
      latencies(row.floor),
      `${failures(row.webhook)}, ${failures(row.floor)}`,
      `${row.webhook.serverCpuMicrosPerRequest}, ${row.floor.serverCpuMicrosPerRequest}`,
      `${row.webhook.otherBusyCores}, ${row.floor.otherBusyCores}`,
    ]),
  );
}

function memoryTable(report: BenchReport): string {
  return table(
    ['server', 'RSS idle MiB', 'RSS after load MiB (max)', 'peak RSS MiB (VmHWM)'],
    report.memory.map((figures) => [
      figures.server,
      fixed(figures.idleMiB, 1),
      fixed(figures.loadedMiB, 1),
      fixed(figures.peakMiB, 1),
    ]),
  );
}

function targetsTable(report: BenchReport): string {
  const verdict = (met: boolean | undefined): string =>
    met === undefined ? 'not measured' : met ? 'met' : '**not met**';
  return table(
    ['target', 'measured', ''],
    checkTargets(report).map((check) => [check.target, check.measured, verdict(check.met)]),
  );
}

/** How busy other processes kept the machine: figures taken on a busy machine are not comparable. */
function noise(report: BenchReport): string {
  const rows = [...report.saturation, ...report.fixedRate];
  const cores = rows.flatMap((row) => [row.floor.otherBusyCores, row.webhook.otherBusyCores]);
  if (cores.length === 0) return 'Other load: not measured.';
  const mean = cores.reduce((sum, value) => sum + value, 0) / cores.length;
  return (
    `Other processes kept ${fixed(mean)} cores busy on average during measured runs ` +
    `(max ${fixed(Math.max(...cores))}): near 0 on a quiet machine.`
  );
}

export function formatReport(report: BenchReport): string {
  const { machine, settings } = report;
  return [
    `- Machine: ${machine.cpus} × ${machine.model}, Node ${machine.node}, Linux ${machine.kernel}.`,
    `- Load: ${settings.connections} connections (HTTP/1.1) or streams (HTTP/2), ` +
      `${settings.seconds} s measured per server and case in ${settings.rounds} alternating rounds, ` +
      `${settings.warmupSeconds} s warm-up. Load generator and servers share the cores.`,
    `- Memory: ${
      settings.memoryLimitMiB === undefined
        ? 'no limit (V8 sizes its heap from the host’s RAM)'
        : `every server in a ${settings.memoryLimitMiB} MiB memory cgroup`
    }.`,
    `- ${noise(report)}`,
    '',
    '### Saturation (closed loop)',
    '',
    saturationTable(report),
    '',
    '### Fixed rate: 50 % of the webhook’s saturated throughput for that case and protocol',
    '',
    fixedRateTable(report),
    '',
    '### Start-up',
    '',
    startupTable(report),
    '',
    '### Memory',
    '',
    memoryTable(report),
    '',
    '### Targets',
    '',
    targetsTable(report),
    '',
  ].join('\n');
}
