/**
 * POST /preview: a manifest (JSON or YAML, many documents, Lists) or an image
 * list in, what the webhook would change and why out. Reads only the policy:
 * nothing in the cluster is touched, no credentials are needed.
 *
 * Everything that can be refused is refused before the body is read (the
 * token, a declared length over the limit, a full queue), and the body is
 * parsed on the preview worker thread, never on the event loop (preview-runner.ts).
 */
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

  app.post<{ Body: Buffer | undefined; Querystring: { namespace?: string } }>(
    '/preview',
    {
      bodyLimit: maxBodyBytes,
      // Runs before the body is read: what is refused here costs no upload.
      onRequest: function admitRequest(request, reply, done) {
        if (isAuthorized !== undefined && !isAuthorized(request.headers.authorization)) {
          reply.header('www-authenticate', 'Bearer realm="harbor-image-webhook preview"');
          void reply
            .code(401)
            .send(errorBody(401, 'a valid bearer token is required for /preview'));
          return;
        }
        if (Number(request.headers['content-length']) > maxBodyBytes) {
          void reply.code(413).send(errorBody(413, bodyTooLarge(maxBodyBytes)));
          return;
        }
        if (!runner.reserve()) {
          reply.header('retry-after', '1');
          void reply.code(503).send(errorBody(503, 'too many previews in progress; retry shortly'));
          return;
        }
        reply.raw.once('close', runner.release);
        done();
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
        .send(Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength));
    },
  );
}

/** The 413 message for a body over the limit, wherever it is noticed. */
export function bodyTooLarge(maxBodyBytes: number): string {
  return `body is larger than ${maxBodyBytes} bytes, the most one request may send`;
}
