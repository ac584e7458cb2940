/**
 * `npm run bench`: measures the webhook against a bare Node floor server.
 * Wiring only; see suite.ts for what is measured and BENCHMARKS.md for how
 * to read it. Everything runs on 127.0.0.1 and stops itself.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBenchCertificates } from './bench-certificates.ts';
import { buildCorpus } from './corpus.ts';
import { createMemoryCgroup } from './memory-cgroup.ts';
import { parseBenchOptions, runBenchCommand } from './options.ts';
import { formatReport } from './report-format.ts';
import type { BenchReport } from './report-model.ts';
import { serverSpecs } from './server-specs.ts';
import { runSoak } from './soak.ts';
import { runSuite, type SuiteContext } from './suite.ts';

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (options.formatFile !== undefined) {
    console.log(formatReport(JSON.parse(readFileSync(options.formatFile, 'utf8')) as BenchReport));
    return;
  }
  const cgroup =
    options.memoryLimitMiB === undefined ? undefined : createMemoryCgroup(options.memoryLimitMiB);
  const directory = mkdtempSync(join(tmpdir(), 'harbor-image-webhook-bench-'));
  try {
    const certificates = writeBenchCertificates(directory);
    const context: SuiteContext = {
      options,
      specs: serverSpecs(certificates, options.cpuProfileDir, cgroup, options.policyFile),
      corpus: buildCorpus(),
      ca: certificates.caPem,
      directory,
      progress: (message) => console.error(`bench: ${message}`),
    };
    if (options.soakRequests !== undefined) {
      const typical = context.corpus.find((corpusCase) => corpusCase.name === 'typical');
      if (typical === undefined) throw new Error('the corpus has no typical case');
      const lines = await runSoak(context, options.soakRequests, typical);
      if (options.json) console.log(JSON.stringify({ soak: lines }, null, 2));
      return;
    }
    const report = await runSuite({
      ...context,
      corpus: context.corpus.filter((corpusCase) =>
        options.cases.some((name) => name === corpusCase.name),
      ),
    });
    console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
  } finally {
    rmSync(directory, { recursive: true, force: true });
    // Every server has been stopped by now, so the cgroup is empty.
    cgroup?.remove();
  }
}

await runBenchCommand(main);
