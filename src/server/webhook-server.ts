/** The Fastify instance type of this server: HTTP/2 over TLS with HTTP/1.1 fallback. */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Http2SecureServer, Http2ServerRequest, Http2ServerResponse } from 'node:http2';

export type WebhookServer = FastifyInstance<
  Http2SecureServer,
  Http2ServerRequest,
  Http2ServerResponse,
  FastifyBaseLogger
>;
