/**
 * Starts the webhook: loads the policy and certificate (refusing to start on
 * either problem), builds the app, listens, and keeps both reloaded from disk.
 */
import type { AddressInfo } from 'node:net';
import { readFileAs } from '../config/file-access-error.ts';
import { loadPolicyFile } from '../config/policy-file.ts';
import type { ServeConfig } from '../config/serve-config.ts';
import { ExitCode, UserError } from '../config/user-error.ts';
import { buildApp } from './app.ts';
import { trackConnections } from './connection-tracker.ts';
import type { Logger } from './logger.ts';
import { certificateIsValid, type LiveState } from './live-state.ts';
import { listenForMetrics, type MetricsListener } from './metrics-listener.ts';
import { createMetrics, type WebhookMetrics } from './metrics.ts';
import { watchPolicyFile } from './policy-reloader.ts';
import { startRegistryWiring, type BuildClient, type RegistryWiring } from './registry-wiring.ts';
import { DEFAULT_PREVIEW_SETTINGS } from './preview-runner.ts';
import { checkTlsPair, secureContextOptions, type TlsCredentials } from './tls-credentials.ts';
import { watchTlsFiles } from './tls-reloader.ts';
import type { WebhookServer } from './webhook-server.ts';

export interface RunningServer {
  readonly app: WebhookServer;
  readonly port: number;
  /** The plain-HTTP metrics port, when `--metrics-port` asked for one. */
  readonly metricsPort: number | undefined;
  readonly state: LiveState;
  readonly metrics: WebhookMetrics;
  /** The CA of a generated self-signed certificate, for clients; undefined with certificate files. */
  readonly selfSignedCaPem: string | undefined;
  /** Stops accepting, finishes in-flight requests, stops the reloaders. */
  close(): Promise<void>;
}

/** Parts a test may replace. */
export interface ServerParts {
  /** Builds the Harbor client for verify; by default src/registry's, from the policy's files. */
  readonly buildRegistryClient?: BuildClient;
}

/** Loaded only when a policy verifies: mode off never loads the registry client. */
const buildRegistryClient: BuildClient = async (policy, onLookup) =>
  (await import('./registry-client-factory.ts')).buildRegistryClient(policy, onLookup);

export async function startServer(
  config: ServeConfig,
  logger: Logger,
  parts: ServerParts = {},
): Promise<RunningServer> {
  const startedAt = performance.now();
  const { policy, content: policyContent } = await loadPolicyFile(config.configFile);
  const tls = await loadTls(config, logger);
  const { clientCaPem, previewToken } = await readAccessFiles(config);
  const state: LiveState = {
    policy,
    policyText: policyContent.toString('utf8'),
    certificateNotAfter: tls.credentials.notAfter,
  };
  const metrics = createMetrics();
  metrics.certificateExpiry.set(tls.credentials.notAfter.getTime() / 1000);
  const registry = await startRegistry(config, { state, metrics, logger }, parts);
  // Listening starts at once; /readyz says "not ready" until the namespace cache has synced.
  // Imported only when used: @kubernetes/client-node alone doubles start-up time and idle RSS.
  const namespaces =
    config.namespaceAware === true
      ? (await import('./namespace-wiring.ts')).startNamespaceWiring(config, state, logger, metrics)
      : undefined;
  const app = await buildApp({
    state,
    logger,
    metrics,
    tls: secureContextOptions(tls.credentials, clientCaPem),
    readinessChecks: [
      certificateIsValid(state, () => new Date()),
      ...(namespaces === undefined ? [] : [namespaces.readiness]),
    ],
    ...(namespaces === undefined ? {} : { directory: namespaces.directory }),
    ...(previewToken === undefined ? {} : { previewToken }),
    requireClientCertificate: clientCaPem !== undefined,
    preview: { ...DEFAULT_PREVIEW_SETTINGS, ...config.preview },
  });
  const connections = trackConnections(app);
  await app.listen({ host: config.host, port: config.port }).catch(async (error: unknown) => {
    registry.close();
    await namespaces?.stop();
    throw describeListenError(error, config);
  });
  const port = (app.server.address() as AddressInfo).port;
  const metricsListener = await openMetricsPort(config, metrics, logger).catch(
    async (error: unknown) => {
      await app.close();
      registry.close();
      await namespaces?.stop();
      throw error;
    },
  );
  const stopWatches = [
    watchPolicyFile({
      file: config.configFile,
      initial: policyContent,
      intervalMs: config.reloadIntervalMs,
      state,
      metrics,
      logger,
      onReload: (reloaded) => void registry.apply(reloaded),
    }),
    ...(config.tlsCertFile === undefined || config.tlsKeyFile === undefined
      ? []
      : [
          watchTlsFiles({
            certFile: config.tlsCertFile,
            keyFile: config.tlsKeyFile,
            initial: tls.credentials,
            intervalMs: config.reloadIntervalMs,
            apply: (credentials) => {
              app.server.setSecureContext(secureContextOptions(credentials, clientCaPem));
              // New connections get the new certificate; move the old ones over to it.
              connections.moveClientsOff();
            },
            state,
            metrics,
            logger,
          }),
        ]),
  ];
  logger.info(
    {
      host: config.host,
      port,
      ...(metricsListener === undefined ? {} : { metricsPort: metricsListener.port }),
      harborHost: policy.harborHost,
      rules: policy.rules.length,
      verify: policy.verify.mode,
      certificateNotAfter: tls.credentials.notAfter.toISOString(),
      startupMs: Math.round(performance.now() - startedAt),
    },
    'harbor-image-webhook listening',
  );
  return {
    app,
    port,
    metricsPort: metricsListener?.port,
    state,
    metrics,
    selfSignedCaPem: tls.selfSignedCaPem,
    close: async () => {
      for (const stop of stopWatches) stop();
      await Promise.all([connections.drainAndClose(), metricsListener?.close()]);
      registry.close();
      await namespaces?.stop();
    },
  };
}

/** The plain-HTTP metrics listener when `--metrics-port` asks for one. */
async function openMetricsPort(
  config: ServeConfig,
  metrics: WebhookMetrics,
  logger: Logger,
): Promise<MetricsListener | undefined> {
  if (config.metricsPort === undefined) return undefined;
  return listenForMetrics({
    registry: metrics.registry,
    host: config.metricsHost ?? config.host,
    port: config.metricsPort,
    logger,
  });
}

/**
 * The Harbor client wiring, with the client built when the policy verifies.
 * The files the policy names must be usable, like the policy itself (the
 * server never starts half-configured); Harbor itself need not answer.
 */
async function startRegistry(
  config: ServeConfig,
  server: { state: LiveState; metrics: WebhookMetrics; logger: Logger },
  parts: ServerParts,
): Promise<RegistryWiring> {
  const registry = startRegistryWiring({
    ...server,
    intervalMs: config.reloadIntervalMs,
    build: parts.buildRegistryClient ?? buildRegistryClient,
  });
  const problems = await registry.apply(server.state.policy);
  if (problems.length > 0) {
    registry.close();
    throw new UserError(
      ExitCode.configuration,
      `${config.configFile}: verify: ${problems.join('; ')}`,
    );
  }
  return registry;
}

/** The client CA and the preview token, when the flags name them. */
async function readAccessFiles(
  config: ServeConfig,
): Promise<{ clientCaPem: Buffer | undefined; previewToken: string | undefined }> {
  const clientCaPem =
    config.clientCaFile === undefined
      ? undefined
      : await readFileAs('--client-ca-file', config.clientCaFile);
  const previewToken =
    config.previewTokenFile === undefined
      ? undefined
      : (await readFileAs('--preview-token-file', config.previewTokenFile)).toString('utf8').trim();
  if (previewToken === '')
    throw new UserError(
      ExitCode.configuration,
      `--preview-token-file ${JSON.stringify(config.previewTokenFile)}: the file is empty`,
      { hint: 'write the token into it, or leave the flag out to serve /preview without one' },
    );
  return { clientCaPem, previewToken };
}

async function loadTls(
  config: ServeConfig,
  logger: Logger,
): Promise<{ credentials: TlsCredentials; selfSignedCaPem: string | undefined }> {
  if (config.tlsCertFile === undefined || config.tlsKeyFile === undefined) {
    // Imported only for this local mode: node-forge costs ~45 ms of start-up.
    const { issueSelfSignedServingCertificate } = await import('../certificates/issue.ts');
    const issued = issueSelfSignedServingCertificate({
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1', '::1'],
    });
    const checked = checkTlsPair(
      Buffer.from(issued.certificatePem),
      Buffer.from(issued.privateKeyPem),
      new Date(),
    );
    if (!checked.ok) throw new Error(`generated certificate is unusable: ${checked.problem}`);
    logger.warn(
      {
        notAfter: issued.notAfter.toISOString(),
        dnsNames: ['localhost'],
        ipAddresses: ['127.0.0.1', '::1'],
      },
      'no --tls-cert/--tls-key given: serving an in-memory self-signed certificate, for local use only',
    );
    return { credentials: checked.credentials, selfSignedCaPem: issued.caPem };
  }
  const [certificatePem, privateKeyPem] = await Promise.all([
    readFileAs('--tls-cert file', config.tlsCertFile),
    readFileAs('--tls-key file', config.tlsKeyFile),
  ]);
  const checked = checkTlsPair(certificatePem, privateKeyPem, new Date());
  if (!checked.ok)
    throw new UserError(
      ExitCode.configuration,
      `--tls-cert ${JSON.stringify(config.tlsCertFile)}, --tls-key ${JSON.stringify(config.tlsKeyFile)}: ${checked.problem}`,
      {
        hint: 'give a PEM certificate and its own PEM private key (`node scripts/cert-bootstrap.ts local --out-dir DIR` makes a pair), or neither for a self-signed one',
      },
    );
  return { credentials: checked.credentials, selfSignedCaPem: undefined };
}

/** A port in use, a privileged port or a foreign address: the operator's to fix, said in their terms. */
function describeListenError(error: unknown, config: ServeConfig): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${config.host}:${config.port}`;
  const known: Readonly<Record<string, [string, string]>> = {
    EADDRINUSE: [
      `cannot listen on ${where}: the address is already in use`,
      'stop the process that holds it (`ss -ltnp`) or choose another --port',
    ],
    EACCES: [
      `cannot listen on ${where}: permission denied`,
      'ports below 1024 need privileges; choose --port 8443',
    ],
    EADDRNOTAVAIL: [
      `cannot listen on ${where}: no interface of this machine has that address`,
      "choose --host 127.0.0.1, 0.0.0.0 or one of this machine's addresses",
    ],
  };
  const entry = code === undefined ? undefined : known[code];
  if (entry === undefined) return error;
  return new UserError(ExitCode.io, entry[0], { hint: entry[1], cause: error });
}
