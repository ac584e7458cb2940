/**
 * Our webhook as users run it: `harbor-image-webhook serve` from `dist/`
 * (run `npm run build` first; `npm run test:e2e` does), on a free port of
 * 127.0.0.1, with a policy file and certificate files in a temp dir.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { assertNoDuplicateKeys } from '../../helpers/log-lines.ts';
import { makeTempDir } from './exit-cleanup.ts';
import { httpsGet } from './tls-probes.ts';
import { CLI_ENTRY, requireBuilt } from './paths.ts';
import { startProcess } from './processes.ts';
import { certBootstrapLocal } from './tools.ts';
import { pollUntil } from './wait.ts';

/** Certificate files `serve` reads, and the CA the apiserver must trust. */
export interface ServingFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caPem: string;
}

export interface WebhookProcessOptions {
  /** The policy document (written as YAML). */
  readonly policy: object;
  /** Serve these files; default: what `cert-bootstrap local` makes for 127.0.0.1 and localhost. */
  readonly tls?: ServingFiles;
  /** `--reload-interval` in seconds (default 1). */
  readonly reloadIntervalSeconds?: number;
  /** A name for logs and error messages. */
  readonly name?: string;
  /** More `serve` flags, e.g. for features that watch the cluster. */
  readonly extraArgs?: readonly string[];
  /** The process environment (default: this process's), e.g. with `KUBECONFIG`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A running `serve`. */
export interface WebhookProcess {
  readonly port: number;
  /** `https://127.0.0.1:PORT/mutate`, for `clientConfig.url`. */
  readonly url: string;
  /** The CA that signed the certificate it serves (PEM). */
  readonly caPem: string;
  /** `caPem` base64-encoded, for `clientConfig.caBundle`. */
  readonly caBundle: string;
  readonly policyFile: string;
  /** Its log so far (JSON lines). */
  output(): string;
  /**
   * SIGTERM, SIGKILL after 10 s; removes its temp dir. Idempotent. Fails if a
   * log line held a key twice (issue 15, item 14): every e2e run checks them all.
   */
  stop(): Promise<void>;
}

/** Starts `serve` and waits until `GET /readyz` answers 200 over HTTPS, verified with the CA. */
export async function startWebhookProcess(options: WebhookProcessOptions): Promise<WebhookProcess> {
  const name = options.name ?? 'webhook';
  const dir = await makeTempDir('harbor-e2e-webhook-');
  const policyFile = join(dir.path, 'policy.yaml');
  await writeFile(policyFile, stringify(options.policy));
  const tls = options.tls ?? (await bootstrapCertificates(join(dir.path, 'tls')));
  const child = startProcess(
    name,
    process.execPath,
    [
      requireBuilt(CLI_ENTRY),
      'serve',
      ...['--config', policyFile, '--tls-cert', tls.certFile, '--tls-key', tls.keyFile],
      ...['--port', '0', '--host', '127.0.0.1'],
      ...['--reload-interval', String(options.reloadIntervalSeconds ?? 1)],
      ...(options.extraArgs ?? []),
    ],
    options.env === undefined ? {} : { env: options.env },
  );
  const stop = async (): Promise<void> => {
    await child.stop();
    await dir.remove();
    assertNoDuplicateKeys(
      child
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{')),
    );
  };
  try {
    const listening = await child.waitForOutput(
      /^.*"msg":"harbor-image-webhook listening".*$/m,
      30_000,
    );
    const port = Number(/"port":(\d+)/.exec(listening[0])?.[1]);
    await pollUntil(
      `${name} answers GET /readyz with 200`,
      async () => {
        const { status } = await httpsGet(`https://127.0.0.1:${port}/readyz`, { caPem: tls.caPem });
        return status === 200 ? true : undefined;
      },
      {
        timeoutMs: 15_000,
        intervalMs: 200,
        giveUpIf: () => (child.hasExited() ? `${name} exited` : undefined),
      },
    );
    return {
      port,
      url: `https://127.0.0.1:${port}/mutate`,
      caPem: tls.caPem,
      caBundle: Buffer.from(tls.caPem).toString('base64'),
      policyFile,
      output: () => child.output(),
      stop,
    };
  } catch (error) {
    const log = child.output().slice(-4000);
    await stop();
    throw new Error(`${name} did not start; its log:\n${log}`, { cause: error });
  }
}

/** The cert bootstrap's files for a local server, as `serve` and the registration need them. */
async function bootstrapCertificates(outDir: string): Promise<ServingFiles> {
  await certBootstrapLocal(outDir);
  return {
    certFile: join(outDir, 'tls.crt'),
    keyFile: join(outDir, 'tls.key'),
    caPem: await readFile(join(outDir, 'ca.crt'), 'utf8'),
  };
}
