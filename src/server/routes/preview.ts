/**
 * POST /preview: a manifest (JSON or YAML, many documents, Lists) or an image
 * list in, what the webhook would change and why out. Reads only the policy:
 * nothing in the cluster is touched, no credentials are needed.
 *
 * Everything that can be refused is refused before the body is read (the
 * token, a declared length over the limit, a full queue), and the body is
 * parsed on the preview worker thread, never on the event loop (preview-runner.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { bearerTokenChecker } from '../bearer-token.ts';
import type { PreviewRunner } from '../preview-runner.ts';
import type { WebhookServer } from '../webhook-server.ts';
import { badRequest, errorBody } from './http-errors.ts';

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface PreviewRouteOptions {
  readonly runner: PreviewRunner;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  readonly token: string | undefined;
  readonly maxBodyBytes: number;
}

export async function previewRoute(
  app: WebhookServer,
  options: PreviewRouteOptions,
): Promise<void> {
  const { runner, maxBodyBytes } = options;
  const isAuthorized = options.token === undefined ? undefined : bearerTokenChecker(options.token);
  // JSON is YAML: one parser, on the worker, serves application/json, application/yaml and the rest.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: maxBodyBytes },
    (_request, body, done) => done(null, body),
  );

  /** Why a request is refused before its body is read, or undefined (a place is then reserved). */
  function refuseEarly(headers: IncomingHttpHeaders) {
    if (isAuthorized !== undefined && !isAuthorized(headers.authorization)) {
      return {
        status: 401,
        message: 'a valid bearer token is required for /preview',
        headers: { 'www-authenticate': 'Bearer realm="harbor-image-webhook preview"' },
      };
    }
    if (Number(headers['content-length']) > maxBodyBytes)
      return { status: 413, message: bodyTooLarge(maxBodyBytes), headers: {} };
    if (!runner.reserve()) {
      return {
        status: 503,
        message: 'too many previews in progress; retry shortly',
        headers: { 'retry-after': '1' },
      };
    }
    return undefined;
  }

  app.post<{ Body: Buffer | undefined; Querystring: { namespace?: string } }>(
    '/preview',
    {
      bodyLimit: maxBodyBytes,
      // Runs before the body is read: what is refused here costs no upload.
      onRequest: function admitRequest(request, reply, done) {
        const refusal = refuseEarly(request.headers);
        if (refusal === undefined) {
          reply.raw.once('close', runner.release);
          done();
          return;
        }
        // HTTP/1.1 would read the unsent body to reuse the connection; closing it costs less.
        if (request.raw.httpVersionMajor === 1) reply.header('connection', 'close');
        for (const [name, value] of Object.entries(refusal.headers)) reply.header(name, value);
        void reply.code(refusal.status).send(errorBody(refusal.status, refusal.message));
      },
    },
    async (request, reply) => {
      const namespace = request.query.namespace;
      if (
        namespace !== undefined &&
        (typeof namespace !== 'string' || !NAMESPACE.test(namespace))
      ) {
        return badRequest(reply, 'namespace must be a Kubernetes namespace name');
      }
      if (request.body === undefined || request.body.length === 0)
        return badRequest(reply, 'body is empty');
      const answer = await runner.run(request.body, namespace);
      if (answer.status !== 200)
        return reply.code(answer.status).send(errorBody(answer.status, answer.message));
      return reply
        .type('application/json; charset=utf-8')
        .header('content-length', answer.body.byteLength)
        .send(inSlices(answer.body));
    },
  );
}

/**
 * A response body as a stream of 256 KiB slices. Written whole, a 12 MiB
 * preview held the event loop ~40 ms while TLS encrypted it in one go; slice
 * by slice, with backpressure, /mutate requests are answered in between.
 */
function inSlices(body: Uint8Array): Readable {
  return Readable.from(
    (function* slices() {
      for (let start = 0; start < body.byteLength; start += RESPONSE_SLICE_BYTES)
        yield Buffer.from(
          body.buffer,
          body.byteOffset + start,
          Math.min(RESPONSE_SLICE_BYTES, body.byteLength - start),
        );
    })(),
    { objectMode: false },
  );
}

const RESPONSE_SLICE_BYTES = 256 * 1024;

/** The 413 message for a body over the limit, wherever it is noticed. */
export function bodyTooLarge(maxBodyBytes: number): string {
  return `body is larger than ${maxBodyBytes} bytes, the most one request may send`;
}
