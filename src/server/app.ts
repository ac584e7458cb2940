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
import type { NamespaceDirectory } from '../core/namespace-policy.ts';
import type { Logger } from './logger.ts';
import type { LiveState, ReadinessCheck } from './live-state.ts';
import { boundChildren, type WebhookMetrics } from './metrics.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { errorBody } from './routes/http-errors.ts';
import { registerMetricsRoute } from './routes/metrics.ts';
import { mutateRoute } from './routes/mutate.ts';
import { previewRoute } from './routes/preview.ts';
import type { WebhookServer } from './webhook-server.ts';

/** 3 MiB: the apiserver's own request limit is 3 MiB, so no real Pod is larger. */
export const BODY_LIMIT_BYTES = 3 * 1024 * 1024;

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
    if (statusCode >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply
        .code(statusCode)
        .send(errorBody(statusCode, 'internal error; see the webhook log'));
    }
    return reply.code(statusCode).send(errorBody(statusCode, error.message));
  });
  app.setNotFoundHandler(function handleNotFound(request, reply) {
    return reply.code(404).send(errorBody(404, `no route ${request.method} ${request.url}`));
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
        { method: request.method, url: request.url, statusCode: reply.statusCode },
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
    const directory = options.directory;
    await scope.register(mutateRoute, { state, metrics, directory, logger: options.logger });
    await scope.register(previewRoute, { state, token: options.previewToken, directory });
  });
  return app;
}
