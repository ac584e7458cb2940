/**
 * Request-body plumbing both POST routes share: Fastify reads a body only
 * when the request declares a content type or a length, and an HTTP/2 request
 * may declare neither (HTTP/2 frames carry the length). Without this hook such
 * a request reached the route with no body at all: /mutate threw a TypeError
 * (500) and /preview answered "body is empty" to a manifest.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** An onRequest hook: a POST with no content type is read as raw bytes, like any other. */
export function readBodyWithoutContentType(
  request: { readonly raw: { readonly headers: IncomingHttpHeaders } },
  _reply: unknown,
  done: () => void,
): void {
  const headers = request.raw.headers;
  if (headers['content-type'] === undefined) headers['content-type'] = 'application/octet-stream';
  done();
}
