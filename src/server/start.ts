/**
 * Starts the webhook: loads the policy and certificate (refusing to start on
 * either problem), builds the app, listens, and keeps both reloaded from disk.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { loadPolicyFile } from '../config/policy-file.ts';
import type { ServeConfig } from '../config/serve-config.ts';
import { buildApp } from './app.ts';
import { trackConnections } from './connection-tracker.ts';
import type { Logger } from './logger.ts';
import { certificateIsValid, type LiveState } from './live-state.ts';
import { listenForMetrics, type MetricsListener } from './metrics-listener.ts';
import { createMetrics, type WebhookMetrics } from './metrics.ts';
import { watchPolicyFile } from './policy-reloader.ts';
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

export async function startServer(config: ServeConfig, logger: Logger): Promise<RunningServer> {
  const startedAt = performance.now();
  const { policy, content: policyContent } = await loadPolicyFile(config.configFile);
  const tls = await loadTls(config, logger);
  const clientCaPem =
    config.clientCaFile === undefined ? undefined : await readFile(config.clientCaFile);
  const previewToken =
    config.previewTokenFile === undefined
      ? undefined
      : (await readFile(config.previewTokenFile, 'utf8')).trim();
  if (previewToken === '')
    throw new Error(`${config.previewTokenFile}: the preview token file is empty`);
  const state: LiveState = {
    policy,
    policyText: policyContent.toString('utf8'),
    certificateNotAfter: tls.credentials.notAfter,
  };
  const metrics = createMetrics();
  metrics.certificateExpiry.set(tls.credentials.notAfter.getTime() / 1000);
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
    await namespaces?.stop();
    throw error;
  });
  const port = (app.server.address() as AddressInfo).port;
  const metricsListener = await openMetricsPort(config, metrics, logger).catch(
    async (error: unknown) => {
      await app.close();
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
    readFile(config.tlsCertFile),
    readFile(config.tlsKeyFile),
  ]);
  const checked = checkTlsPair(certificatePem, privateKeyPem, new Date());
  if (!checked.ok)
    throw new Error(`${config.tlsCertFile}, ${config.tlsKeyFile}: ${checked.problem}`);
  return { credentials: checked.credentials, selfSignedCaPem: undefined };
}
