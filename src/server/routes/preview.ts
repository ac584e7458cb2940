/**
 * POST /preview: a manifest (JSON or YAML, many documents, Lists) or an image
 * list in, what the webhook would change and why out. Reads only the policy:
 * nothing in the cluster is touched, no credentials are needed.
 */
import type { NamespaceDirectory } from '../../core/namespace-policy.ts';
import { preview } from '../../preview/preview-request.ts';
import { bearerTokenChecker } from '../bearer-token.ts';
import type { LiveState } from '../live-state.ts';
import type { WebhookServer } from '../webhook-server.ts';
import { badRequest, errorBody } from './http-errors.ts';

/** Larger than /mutate's: a bundle from `helm template` can hold hundreds of objects. */
export const PREVIEW_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface PreviewRouteOptions {
  readonly state: LiveState;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  readonly token: string | undefined;
  /** The namespace cache, when the server watches namespaces. */
  readonly directory: NamespaceDirectory | undefined;
}

export async function previewRoute(
  app: WebhookServer,
  options: PreviewRouteOptions,
): Promise<void> {
  const isAuthorized = options.token === undefined ? undefined : bearerTokenChecker(options.token);
  // JSON is YAML: one text parser serves application/json, application/yaml, text/yaml and the rest.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'string', bodyLimit: PREVIEW_BODY_LIMIT_BYTES },
    (_request, body, done) => done(null, body),
  );

  app.post<{ Body: string; Querystring: { namespace?: string } }>(
    '/preview',
    { bodyLimit: PREVIEW_BODY_LIMIT_BYTES },
    async (request, reply) => {
      if (isAuthorized !== undefined && !isAuthorized(request.headers.authorization)) {
        reply.header('www-authenticate', 'Bearer realm="harbor-image-webhook preview"');
        return reply
          .code(401)
          .send(errorBody(401, 'a valid bearer token is required for /preview'));
      }
      const namespace = request.query.namespace;
      if (namespace !== undefined && !NAMESPACE.test(namespace)) {
        return badRequest(reply, 'namespace must be a Kubernetes namespace name');
      }
      if (typeof request.body !== 'string' || request.body.trim() === '')
        return badRequest(reply, 'body is empty');
      const outcome = preview(request.body, options.state.policy, {
        ...(namespace === undefined ? {} : { namespace }),
        ...(options.directory === undefined ? {} : { directory: options.directory }),
      });
      if (!outcome.ok) return badRequest(reply, outcome.problem);
      return outcome.response;
    },
  );
}
