/**
 * The two servers under test. The webhook runs exactly as the container
 * does (`node dist/src/cli/main.js serve ...`, NODE_ENV=production, info
 * logs to stdout), from the build `npm run bench` has just made.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchCertificates } from './bench-certificates.ts';
import type { MemoryCgroup } from './memory-cgroup.ts';
import type { ServerSpec } from './server-process.ts';

const fromRoot = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));

export const WEBHOOK_ENTRY = fromRoot('dist/src/cli/main.js');
export const POLICY_FILE = fromRoot('examples/policy.yaml');
const FLOOR_ENTRY = fromRoot('bench/floor-server.ts');

export interface ServerSpecs {
  readonly floor: ServerSpec;
  /** The webhook for start-up timing: never profiled. */
  readonly webhook: ServerSpec;
  /** The webhook that takes the load, under `--cpu-prof` when asked. */
  readonly loadedWebhook: ServerSpec;
}

/**
 * `cpuProfileDir` runs the loaded webhook under `node --cpu-prof`, which writes a profile when
 * it exits; `cgroup` runs every server inside that memory cgroup.
 */
export function serverSpecs(
  certificates: BenchCertificates,
  cpuProfileDir?: string,
  cgroup?: MemoryCgroup,
  policyFile: string = POLICY_FILE,
): ServerSpecs {
  if (!existsSync(WEBHOOK_ENTRY)) {
    throw new Error(`${WEBHOOK_ENTRY} is missing: run "npm run build" (npm run bench does)`);
  }
  const tls = ['--tls-cert', certificates.certFile, '--tls-key', certificates.keyFile];
  const serve = (port: number): string[] => [
    WEBHOOK_ENTRY,
    'serve',
    '--config',
    policyFile,
    ...tls,
    '--port',
    `${port}`,
    '--host',
    '127.0.0.1',
    '--log-level',
    'info',
  ];
  const profile =
    cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir];
  const limited = cgroup === undefined ? {} : { cgroup };
  return {
    floor: {
      name: 'floor',
      args: (port) => [FLOOR_ENTRY, ...tls, '--port', `${port}`],
      ...limited,
    },
    webhook: { name: 'webhook', args: serve, ...limited },
    loadedWebhook: { name: 'webhook', args: (port) => [...profile, ...serve(port)], ...limited },
  };
}
