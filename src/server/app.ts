/**
 * Builds the Fastify application: HTTPS only, HTTP/2 with HTTP/1.1 fallback
 * (the kube-apiserver negotiates h2 by ALPN). Builds, never listens: `serve`
 * listens, tests `inject()` or listen on 127.0.0.1 themselves.
 */
import { LogController, fastify, type FastifyError } from 'fastify';
import type { SecureContextOptions } from 'node:tls';
import {
  CONNECTION_LIMITS,
  HTTP1_FALLBACK,
  closeIdleConnection,
  limitStreamTime,
} from './connection-limits.ts';
import { requireClientCertificate } from './client-certificate.ts';
import { readBodyWithoutContentType } from './request-body.ts';
import type { NamespaceDirectory } from '../core/namespace-policy.ts';
import type { Logger } from './logger.ts';
import { boundLogString } from './log-text.ts';
import type { LiveState, ReadinessCheck } from './live-state.ts';
import { boundChildren, type WebhookMetrics } from './metrics.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { errorBody } from './routes/http-errors.ts';
import { registerMetricsRoute } from './routes/metrics.ts';
import { mutateRoute } from './routes/mutate.ts';
import {
  createPreviewRunner,
  DEFAULT_PREVIEW_SETTINGS,
  type PreviewSettings,
} from './preview-runner.ts';
import { bodyTooLarge, previewRoute } from './routes/preview.ts';
import type { WebhookServer } from './webhook-server.ts';

/** 3 MiB: the apiserver's own request limit is 3 MiB, so no real Pod is larger. */
export const BODY_LIMIT_BYTES = 3 * 1024 * 1024;

/** The methods a route may answer; a request with another one on a known path gets 405 and `Allow`. */
const KNOWN_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export interface AppOptions {
  readonly state: LiveState;
  readonly logger: Logger;
  readonly metrics: WebhookMetrics;
  readonly tls: SecureContextOptions;
  readonly readinessChecks: readonly ReadinessCheck[];
  /** Refuse /mutate and /preview without a client certificate verified against the TLS `ca`. */
  readonly requireClientCertificate?: boolean;
  /** The namespace cache, when the server watches namespaces. */
  readonly directory?: NamespaceDirectory;
  /** Bearer token required on /preview, if any. */
  readonly previewToken?: string;
  /** Limits of /preview; {@link DEFAULT_PREVIEW_SETTINGS} when absent. */
  readonly preview?: PreviewSettings;
}

function noSchemas(): never {
  throw new Error('harbor-image-webhook routes declare no JSON schemas');
}

export async function buildApp(options: AppOptions): Promise<WebhookServer> {
  const { state, metrics } = options;
  const app = fastify({
    http2: true,
    https: {
      ...options.tls,
      allowHTTP1: true,
      handshakeTimeout: CONNECTION_LIMITS.handshakeTimeoutMs,
      settings: { maxConcurrentStreams: CONNECTION_LIMITS.maxConcurrentStreams },
      http1Options: HTTP1_FALLBACK,
    },
    loggerInstance: options.logger,
    // One line per request is written by the routes (or the hook below for errors), not two by Fastify.
    logController: new LogController({ disableRequestLogging: true }),
    // request.log is the logger itself: a pino child per request cost ~3 µs, and the lines
    // that matter carry the AdmissionReview's uid, which says more than a request id.
    childLoggerFactory: (logger) => logger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Socket inactivity (HTTP/1.1) and session idleness (HTTP/2); see closeIdleConnection.
    connectionTimeout: CONNECTION_LIMITS.idleTimeoutMs,
    http2SessionTimeout: CONNECTION_LIMITS.idleTimeoutMs,
    // While closing, requests on open connections are still answered: the apiserver may send a
    // few before it sees the endpoint gone, and a 503 would count as a webhook failure.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // No route declares a JSON schema (bodies are checked by parse-review and the policy by
    // zod), so Fastify's ajv and fast-json-stringify compilers, ~25 ms of start-up, are never loaded.
    schemaController: {
      compilersFactory: { buildValidator: noSchemas, buildSerializer: noSchemas },
    },
  }) as unknown as WebhookServer;
  app.server.on('timeout', closeIdleConnection);
  app.server.on('stream', limitStreamTime);

  app.setErrorHandler(function handleError(error: FastifyError, request, reply) {
    const statusCode =
      error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = request.routeOptions.bodyLimit ?? BODY_LIMIT_BYTES;
      return reply.code(413).send(errorBody(413, bodyTooLarge(limit)));
    }
    if (statusCode >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply
        .code(statusCode)
        .send(errorBody(statusCode, 'internal error; see the webhook log'));
    }
    return reply.code(statusCode).send(errorBody(statusCode, error.message));
  });
  app.setNotFoundHandler(function handleNotFound(request, reply) {
    const path = request.url.split('?', 1)[0] ?? '';
    const allowed = KNOWN_METHODS.filter((method) => app.hasRoute({ method, url: path }));
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return reply
        .code(405)
        .send(
          errorBody(
            405,
            `${boundLogString(request.method)} is not allowed; use ${allowed.join(' or ')}`,
          ),
        );
    }
    return reply
      .code(404)
      .send(errorBody(404, `no route ${boundLogString(request.method)} ${boundLogString(path)}`));
  });
  const requestsCounter = boundChildren((labels: { route: string; method: string; code: number }) =>
    metrics.httpRequests.labels(labels),
  );
  const durationHistogram = boundChildren((labels: { route: string }) =>
    metrics.httpDuration.labels(labels),
  );
  // Synchronous (callback) hook: an async one costs a promise per request.
  app.addHook('onResponse', function recordResponse(request, reply, done) {
    const route = request.routeOptions.url ?? 'unmatched';
    requestsCounter({ route, method: request.method, code: reply.statusCode }).inc();
    durationHistogram({ route }).observe(reply.elapsedTime / 1000);
    if (reply.statusCode >= 400) {
      request.log.info(
        {
          method: boundLogString(request.method),
          url: boundLogString(request.url),
          statusCode: reply.statusCode,
        },
        'request answered with an error',
      );
    }
    done();
  });

  registerHealthRoutes(app, options.readinessChecks);
  registerMetricsRoute(app, metrics);
  await app.register(async function admissionRoutes(scope: WebhookServer) {
    if (options.requireClientCertificate === true)
      scope.addHook('onRequest', requireClientCertificate);
    scope.addHook('onRequest', readBodyWithoutContentType);
    const directory = options.directory;
    await scope.register(mutateRoute, { state, metrics, directory, logger: options.logger });
    const settings = options.preview ?? DEFAULT_PREVIEW_SETTINGS;
    const runner = createPreviewRunner({ state, directory, settings, logger: options.logger });
    app.addHook('onClose', () => runner.close());
    await scope.register(previewRoute, {
      runner,
      token: options.previewToken,
      maxBodyBytes: settings.maxBodyBytes,
    });
  });
  return app;
}
