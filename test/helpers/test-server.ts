/**
 * Starts the real webhook server in-process on 127.0.0.1 with certificate and
 * policy files in a temporary directory, so tests can rotate them on disk.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { IssuedCertificate } from '../../src/certificates/issue.ts';
import type { ServeConfig } from '../../src/config/serve-config.ts';
import { createLogger } from '../../src/server/logger.ts';
import { startServer, type RunningServer, type ServerParts } from '../../src/server/start.ts';
import { examplePolicyYaml } from './fixtures.ts';
import { assertNoDuplicateKeys } from './log-lines.ts';
import { issueLocalCertificate, issueLocalCertificateAuthority } from './local-certificate.ts';

export interface TestServer {
  readonly server: RunningServer;
  readonly port: number;
  readonly ca: IssuedCertificate;
  readonly dir: string;
  readonly files: { readonly cert: string; readonly key: string; readonly policy: string };
  /** Every log line written so far; `close()` fails if any holds a key twice. */
  readonly logs: string[];
  /** Writes a new serving certificate from the same CA; returns it. */
  rotateCertificate(): Promise<IssuedCertificate>;
  close(): Promise<void>;
}

export async function startTestServer(
  options: { policyYaml?: string; config?: Partial<ServeConfig>; parts?: ServerParts } = {},
): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'hiw-test-'));
  const files = {
    cert: join(dir, 'tls.crt'),
    key: join(dir, 'tls.key'),
    policy: join(dir, 'policy.yaml'),
  };
  const ca = issueLocalCertificateAuthority('test CA');
  const writeCertificate = async (issued: IssuedCertificate) => {
    await writeFile(files.key, issued.privateKeyPem);
    await writeFile(files.cert, issued.certificatePem);
  };
  await writeCertificate(issueLocalCertificate(ca));
  await writeFile(files.policy, options.policyYaml ?? examplePolicyYaml);
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const server = await startServer(
    {
      configFile: files.policy,
      tlsCertFile: files.cert,
      tlsKeyFile: files.key,
      host: '127.0.0.1',
      port: 0,
      logLevel: 'info',
      reloadIntervalMs: 100,
      ...options.config,
    },
    createLogger('info', destination),
    options.parts,
  );
  return {
    server,
    port: server.port,
    ca,
    dir,
    files,
    logs,
    rotateCertificate: async () => {
      const issued = issueLocalCertificate(ca);
      await writeCertificate(issued);
      return issued;
    },
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
      assertNoDuplicateKeys(logs);
    },
  };
}

/** Polls `condition` every 20 ms until it holds or `timeoutMs` passes. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
