/**
 * One manifest lookup, as a container runtime resolves an image: `HEAD
 * /v2/<name>/manifests/<tag|digest>` with the Accept headers of every
 * manifest kind a node can pull (OCI index and manifest, Docker manifest
 * list and v2 manifest), so the registry answers with the digest of what a
 * node would get: for a multi-arch image, the index. An unauthenticated 401
 * is answered once (see registry-auth.ts); the answer is classified into the
 * core's {@link RegistryLookup}.
 */
import type { Agent } from 'node:https';
import { LookupStatus, type RegistryLookup } from '../core/registry-lookup.ts';
import type { ImageReference } from '../core/reference.ts';
import { parseAuthChallenges } from './auth-challenge.ts';
import { pullScope, RegistryAuthError, type RegistryAuth } from './registry-auth.ts';
import {
  RegistryRequestError,
  sendRegistryRequest,
  type RegistryResponse,
} from './registry-http.ts';

/** The manifest media types a node pulls, most specific first. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

// distribution/reference's digest grammar.
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** The lookup of one HTTP answer to a manifest HEAD (after authentication). */
export function classifyManifestResponse(
  response: RegistryResponse,
  reference: ImageReference,
  hasCredentials: boolean,
): RegistryLookup {
  const { status } = response;
  if (status === 200) {
    const header = response.headers['docker-content-digest'];
    const digest = typeof header === 'string' ? header.trim() : reference.digest;
    if (digest === undefined || !DIGEST.test(digest)) {
      return {
        status: LookupStatus.unavailable,
        reason: 'HTTP 200 without a valid Docker-Content-Digest',
      };
    }
    return { status: LookupStatus.found, digest, cached: false };
  }
  // A HEAD has no body, so MANIFEST_UNKNOWN and NAME_UNKNOWN look alike here.
  if (status === 404) {
    return {
      status: LookupStatus.missing,
      cached: false,
      detail: 'HTTP 404: no such repository or manifest',
    };
  }
  return { status: LookupStatus.unavailable, reason: describeRefusal(response, hasCredentials) };
}

function describeRefusal(response: RegistryResponse, hasCredentials: boolean): string {
  const { status } = response;
  if (status === 401 && insufficientScope(response)) {
    // Harbor answers so both when the robot lacks pull permission and when the
    // project does not exist: a token service grants nothing on an unknown project.
    return 'no pull access (HTTP 401 insufficient_scope): the project does not exist or the credentials may not pull from it';
  }
  if (status === 401) {
    return hasCredentials
      ? 'credentials refused (HTTP 401)'
      : 'the registry requires credentials and none are configured (HTTP 401)';
  }
  if (status === 403) return 'access denied (HTTP 403)';
  if (status === 429) return 'rate limited (HTTP 429)';
  if (status >= 500) return `registry error (HTTP ${status})`;
  return `unexpected answer (HTTP ${status})`;
}

/** Whether a 401 says the token lacked the scope (RFC 6750 `error="insufficient_scope"`). */
function insufficientScope(response: RegistryResponse): boolean {
  return parseAuthChallenges(joinedHeader(response.headers['www-authenticate']) ?? '').some(
    (challenge) => challenge.params['error'] === 'insufficient_scope',
  );
}

/** The URL of `reference`'s manifest on `host`. */
export function manifestUrl(host: string, reference: ImageReference): URL {
  const target = reference.digest ?? reference.tag ?? 'latest';
  return new URL(`https://${host}/v2/${reference.repository}/manifests/${target}`);
}

/** Looks `reference` up on `host`; never rejects (failures are `unavailable`). */
export async function lookUpManifest(
  context: { readonly agent: Agent; readonly auth: RegistryAuth; readonly host: string },
  reference: ImageReference,
  signal: AbortSignal,
): Promise<RegistryLookup> {
  const { agent, auth } = context;
  const scope = pullScope(reference.repository);
  const url = manifestUrl(context.host, reference);
  const head = (authorization: string | undefined): Promise<RegistryResponse> =>
    sendRegistryRequest(agent, {
      method: 'HEAD',
      url,
      signal,
      headers: {
        accept: MANIFEST_ACCEPT,
        ...(authorization === undefined ? {} : { authorization }),
      },
    });
  try {
    const sent = await auth.authorizationFor(scope, signal);
    let response = await head(sent);
    if (response.status === 401) {
      const answer = await auth.answerChallenge(
        joinedHeader(response.headers['www-authenticate']),
        scope,
        signal,
        sent,
      );
      if (!answer.ok) return { status: LookupStatus.unavailable, reason: answer.reason };
      response = await head(answer.authorization);
    }
    return classifyManifestResponse(response, reference, auth.hasCredentials);
  } catch (error) {
    if (error instanceof RegistryRequestError || error instanceof RegistryAuthError) {
      return { status: LookupStatus.unavailable, reason: error.message };
    }
    return { status: LookupStatus.unavailable, reason: 'internal error' };
  }
}

/** Node joins repeated headers except `www-authenticate`, which may come as an array. */
export function joinedHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
