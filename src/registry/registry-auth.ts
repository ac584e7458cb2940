/**
 * Authentication as registries and Harbor ask for it. A registry says what
 * it wants in the `WWW-Authenticate` of a 401: `Basic` (htpasswd, a robot
 * account) or `Bearer realm,service,scope` (the distribution token flow
 * Harbor uses: GET the realm with the credentials as Basic auth, receive a
 * token for that scope). The first challenge is remembered for the host, so
 * later requests send Basic or a token straight away instead of paying a 401
 * each; tokens are cached per scope until shortly before they expire, and
 * concurrent requests for the same scope's token share one token request.
 * Credentials go only to the registry (Basic) or the realm it names over
 * HTTPS; neither they nor tokens ever appear in a reason.
 */
import type { Agent } from 'node:https';
import { chooseChallenge, parseAuthChallenges, type AuthChallenge } from './auth-challenge.ts';
import type { RegistryCredentials } from './docker-config.ts';
import {
  RegistryRequestError,
  sendRegistryRequest,
  type RegistryResponse,
} from './registry-http.ts';
import { readTokenResponse, TokenCache, type TokenResponse } from './token-cache.ts';

/** The `Authorization` value for Basic auth with `credentials`. */
export function basicAuthorization(credentials: RegistryCredentials): string {
  const pair = `${credentials.username}:${credentials.password}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

/** The outcome of answering a challenge: a header to retry with, or why not. */
export type ChallengeAnswer =
  | { readonly ok: true; readonly authorization: string | undefined }
  | { readonly ok: false; readonly reason: string };

/** A failure of authentication itself (token service down, credentials refused by it). */
export class RegistryAuthError extends RegistryRequestError {}

const MAX_TOKEN_BODY_BYTES = 64 * 1024;

/** The `repository:NAME:pull` scope a manifest lookup needs. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export class RegistryAuth {
  readonly #agent: Agent;
  readonly #credentials: RegistryCredentials | undefined;
  readonly #tokens: TokenCache;
  readonly #pendingTokens = new Map<string, Promise<string>>();
  #challenge: AuthChallenge | undefined;

  constructor(options: {
    agent: Agent;
    credentials: RegistryCredentials | undefined;
    now: () => number;
  }) {
    this.#agent = options.agent;
    this.#credentials = options.credentials;
    this.#tokens = new TokenCache(options.now);
  }

  /** Whether credentials are configured (for reasons: "refused" vs "none configured"). */
  get hasCredentials(): boolean {
    return this.#credentials !== undefined;
  }

  /** The scheme learned from the registry: `basic`, `bearer`, or undefined (none asked yet). */
  get scheme(): string | undefined {
    return this.#challenge?.scheme;
  }

  /**
   * The header to send up front for `scope`, from the remembered challenge:
   * Basic, a cached or freshly fetched token, or nothing (no challenge yet:
   * anonymous first, as every registry client does).
   */
  async authorizationFor(scope: string, signal: AbortSignal): Promise<string | undefined> {
    const challenge = this.#challenge;
    if (challenge === undefined) return undefined;
    if (challenge.scheme === 'basic') {
      return this.#credentials === undefined ? undefined : basicAuthorization(this.#credentials);
    }
    return `Bearer ${await this.#token(challenge, scope, signal, false)}`;
  }

  /**
   * Answers a 401's `WWW-Authenticate` for `scope`: remembers the challenge
   * and returns the header to retry with (a new token even if one was cached:
   * the registry just refused it). `sent` is the `Authorization` the refused
   * request carried: Basic credentials that were just refused are not sent again.
   */
  async answerChallenge(
    header: string | undefined,
    scope: string | undefined,
    signal: AbortSignal,
    sent?: string,
  ): Promise<ChallengeAnswer> {
    const challenge = chooseChallenge(parseAuthChallenges(header ?? ''));
    if (challenge === undefined) {
      return { ok: false, reason: 'HTTP 401 without a usable WWW-Authenticate challenge' };
    }
    this.#challenge = challenge;
    if (challenge.scheme === 'basic') {
      if (this.#credentials === undefined) {
        return { ok: false, reason: 'the registry requires credentials and none are configured' };
      }
      const authorization = basicAuthorization(this.#credentials);
      if (sent === authorization) return { ok: false, reason: 'credentials refused (HTTP 401)' };
      return { ok: true, authorization };
    }
    try {
      return {
        ok: true,
        authorization: `Bearer ${await this.#token(challenge, scope, signal, true)}`,
      };
    } catch (error) {
      if (error instanceof RegistryRequestError) return { ok: false, reason: error.message };
      throw error;
    }
  }

  /** A token for `scope` (cached unless `renew`); token requests for one scope are shared. */
  async #token(
    challenge: AuthChallenge,
    scope: string | undefined,
    signal: AbortSignal,
    renew: boolean,
  ): Promise<string> {
    const key = scope ?? '';
    if (!renew) {
      const cached = this.#tokens.get(key);
      if (cached !== undefined) return cached;
    }
    let pending = this.#pendingTokens.get(key);
    if (pending === undefined) {
      pending = this.#fetchToken(challenge, scope, signal).finally(() =>
        this.#pendingTokens.delete(key),
      );
      this.#pendingTokens.set(key, pending);
    }
    return pending;
  }

  async #fetchToken(
    challenge: AuthChallenge,
    scope: string | undefined,
    signal: AbortSignal,
  ): Promise<string> {
    let response;
    try {
      response = await sendRegistryRequest(this.#agent, {
        method: 'GET',
        url: tokenUrl(challenge, scope),
        signal,
        maxBodyBytes: MAX_TOKEN_BODY_BYTES,
        headers: {
          accept: 'application/json',
          ...(this.#credentials === undefined
            ? {}
            : { authorization: basicAuthorization(this.#credentials) }),
        },
      });
    } catch (error) {
      throw new RegistryAuthError(`token service: ${(error as Error).message}`);
    }
    const parsed = readTokenAnswer(response, this.#credentials !== undefined);
    if (scope !== undefined) this.#tokens.set(scope, parsed);
    return parsed.token;
  }
}

/** The realm URL with `service` and `scope`; only an HTTPS realm gets credentials. */
function tokenUrl(challenge: AuthChallenge, scope: string | undefined): URL {
  let url: URL;
  try {
    url = new URL(challenge.params['realm'] ?? '');
  } catch {
    throw new RegistryAuthError('the Bearer challenge has no valid realm URL');
  }
  if (url.protocol !== 'https:') {
    throw new RegistryAuthError('the token realm is not HTTPS; credentials are not sent to it');
  }
  const service = challenge.params['service'];
  if (service !== undefined) url.searchParams.set('service', service);
  if (scope !== undefined) url.searchParams.set('scope', scope);
  return url;
}

/** The token in a token service's answer, or the {@link RegistryAuthError} that says why not. */
function readTokenAnswer(response: RegistryResponse, hasCredentials: boolean): TokenResponse {
  const { status } = response;
  if (status === 401 || status === 403) {
    throw new RegistryAuthError(
      hasCredentials
        ? `credentials refused by the token service (HTTP ${status})`
        : `token service requires credentials and none are configured (HTTP ${status})`,
    );
  }
  if (status !== 200) throw new RegistryAuthError(`token service answered HTTP ${status}`);
  let parsed: TokenResponse | undefined;
  try {
    parsed = readTokenResponse(JSON.parse(response.body.toString('utf8')));
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined) throw new RegistryAuthError('token service sent no token');
  return parsed;
}
