/**
 * The optional plain-HTTP listener for Prometheus (`serve --metrics-port`),
 * for scrapers that do not speak TLS to Pods. It answers GET /metrics and
 * GET /healthz and nothing else, so /mutate and /preview are never reachable
 * without TLS. Scrapes here are not counted in http_requests_total: that
 * metric describes the webhook's own HTTPS port.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.ts';

/** A scrape that takes longer than this is cut off; Prometheus' own timeout is 10 s. */
const REQUEST_TIMEOUT_MS = 15_000;

export interface MetricsListener {
  /** The port it listens on (the chosen one when 0 was asked for). */
  readonly port: number;
  /** Stops accepting and closes every connection; a scrape in flight is cut off. */
  close(): Promise<void>;
}

export async function listenForMetrics(options: {
  readonly registry: Registry;
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
}): Promise<MetricsListener> {
  const { registry, logger } = options;
  const server = createServer((request, response) => {
    answer(request, response, registry).catch((error: unknown) => {
      logger.error({ err: error }, 'cannot collect metrics');
      if (!response.headersSent) reply(response, 500, 'cannot collect metrics; see the log\n');
      else response.destroy();
    });
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'metrics listener failed'));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  registry: Registry,
): Promise<void> {
  const path = (request.url ?? '').split('?', 1)[0];
  if (path !== '/metrics' && path !== '/healthz') {
    reply(response, 404, 'only GET /metrics and GET /healthz are served on this port\n');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    reply(response, 405, `${path} answers GET and HEAD only\n`);
    return;
  }
  if (path === '/healthz') {
    reply(response, 200, '{"status":"ok"}\n', 'application/json');
    return;
  }
  reply(response, 200, await registry.metrics(), registry.contentType);
}

function reply(
  response: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
  });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
