/**
 * One docker-registry process (Debian's build of CNCF distribution, the
 * server Harbor embeds) on 127.0.0.1 with TLS from the harness CA. The port
 * is picked by binding port 0 and closing it (the registry cannot listen on
 * 0 and report the port), retried when another process took it meanwhile.
 * Its access log is parsed as it arrives so tests can count requests; it is
 * stopped by PID and can be started again on the same port and storage.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startProcess, type ManagedProcess } from '../../e2e/support/processes.ts';
import { request } from 'node:https';
import { findFreePort, pollUntil } from '../../e2e/support/wait.ts';
import { lineSplitter, parseAccessLogLine, type AccessLogEntry } from './access-log.ts';
import {
  registryConfigYaml,
  type ProxyConfig,
  type RegistryAuthConfig,
} from './registry-config.ts';
import type { RegistryPki } from './registry-pki.ts';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

const START_TIMEOUT_MS = 20_000;
const PORT_ATTEMPTS = 5;

/** A running (or stopped, restartable) registry. */
export interface RegistryServer {
  readonly name: string;
  /** `127.0.0.1:PORT`: the registry host of image references. */
  readonly host: string;
  readonly port: number;
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  /** Every request served since start (across restarts), oldest first. */
  accessLog(): readonly AccessLogEntry[];
  /**
   * Resolves once every request answered before the call is in
   * {@link accessLog}: the registry writes a line after its answer, so a test
   * counting right after a response could miss it. Sends a marker request
   * and waits (bounded) for its line.
   */
  syncAccessLog(): Promise<void>;
  /** The process's recent output, for failure messages. */
  output(): string;
  isRunning(): boolean;
  /** Stops the process by PID (SIGTERM, then SIGKILL); storage is kept. Idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same port and storage (after {@link stop}). */
  restart(): Promise<void>;
}

/** What {@link startRegistryServer} needs. */
export interface RegistryServerOptions {
  readonly name: string;
  /** A directory of its own (config, storage). */
  readonly dir: string;
  readonly pki: RegistryPki;
  readonly auth: RegistryAuthConfig;
  readonly proxy?: ProxyConfig;
}

const LISTENING = /listening on 127\.0\.0\.1:\d+, tls/;

/** Starts a registry; resolves once it listens. */
export async function startRegistryServer(options: RegistryServerOptions): Promise<RegistryServer> {
  const storageDir = join(options.dir, 'storage');
  await mkdir(storageDir, { recursive: true });
  const configFile = join(options.dir, 'config.yml');
  const httpSecret = randomBytes(16).toString('hex');
  const log: AccessLogEntry[] = [];
  const collect = lineSplitter((line) => {
    const entry = parseAccessLogLine(line);
    if (entry !== undefined) log.push(entry);
  });

  const launch = async (port: number): Promise<ManagedProcess> => {
    await writeFile(
      configFile,
      registryConfigYaml({
        address: `127.0.0.1:${port}`,
        storageDir,
        certFile: options.pki.serving.certFile,
        keyFile: options.pki.serving.keyFile,
        auth: options.auth,
        httpSecret,
        ...(options.proxy === undefined ? {} : { proxy: options.proxy }),
      }),
    );
    const child = startProcess(options.name, REGISTRY_BINARY, ['serve', configFile], {
      // A pull-through cache reaches its upstream with Go's TLS, which reads
      // SSL_CERT_FILE: the harness CA instead of the system's.
      env: { ...process.env, SSL_CERT_FILE: options.pki.caFile },
      onOutput: (text, stream) => {
        if (stream === 'stdout') collect(text);
      },
    });
    try {
      await child.waitForOutput(LISTENING, START_TIMEOUT_MS);
      return child;
    } catch (error) {
      await child.stop();
      throw error;
    }
  };

  let port = 0;
  let child: ManagedProcess | undefined;
  for (let attempt = 1; child === undefined; attempt++) {
    port = await findFreePort();
    try {
      child = await launch(port);
    } catch (error) {
      // Another process may have taken the port between our probe and the registry's bind.
      const inUse = /address already in use/.test(String((error as Error).message));
      if (!inUse || attempt >= PORT_ATTEMPTS) {
        throw new Error(`${options.name}: docker-registry did not start`, { cause: error });
      }
    }
  }
  let current: ManagedProcess = child;
  let marks = 0;
  const syncAccessLog = async (): Promise<void> => {
    const path = `/v2/harness-sync/manifests/mark-${++marks}`;
    await new Promise<void>((resolve, reject) => {
      const sent = request(
        { host: '127.0.0.1', port, path, method: 'HEAD', ca: options.pki.caPem, agent: false },
        (response) => {
          response.resume();
          response.on('end', resolve);
        },
      );
      sent.on('error', reject);
      sent.end();
    });
    await pollUntil(
      `${options.name} logs ${path}`,
      () => Promise.resolve(log.some((entry) => entry.path === path) ? true : undefined),
      { timeoutMs: 5000, intervalMs: 10 },
    );
  };
  return {
    name: options.name,
    host: `127.0.0.1:${port}`,
    port,
    url: `https://127.0.0.1:${port}`,
    accessLog: () => [...log],
    syncAccessLog,
    output: () => current.output(),
    isRunning: () => !current.hasExited(),
    stop: () => current.stop(),
    restart: async () => {
      if (!current.hasExited()) throw new Error(`${options.name} is still running`);
      current = await launch(port);
    },
  };
}
