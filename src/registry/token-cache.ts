/**
 * Bearer tokens by scope, kept until shortly before they expire. A token
 * response says how long it lives (`expires_in`, counted from `issued_at`
 * when given, else from receipt; 60 s when absent, as the distribution token
 * spec defines); the slack keeps a token from expiring between the check
 * here and the registry's check. Bounded: scopes are per repository, and a
 * cluster may run thousands of them.
 */

/** Seconds a token is treated as expired early. */
export const TOKEN_EXPIRY_SLACK_SECONDS = 10;
/** `expires_in` when the token service does not say (distribution token spec). */
export const DEFAULT_TOKEN_SECONDS = 60;
const MAX_TOKENS = 1000;

/** A token service's answer, the fields that matter. */
export interface TokenResponse {
  readonly token: string;
  /** Seconds since epoch when the token starts to live (from `issued_at`), if given. */
  readonly issuedAtMs?: number;
  readonly expiresInSeconds?: number;
}

/**
 * Reads a token service's JSON body: `token`, or `access_token` (OAuth2
 * form), `expires_in` and `issued_at`. Undefined when it holds no token.
 */
export function readTokenResponse(body: unknown): TokenResponse | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const token = nonEmptyString(record['token']) ?? nonEmptyString(record['access_token']);
  if (token === undefined) return undefined;
  const expiresIn = record['expires_in'];
  const issuedAt = typeof record['issued_at'] === 'string' ? Date.parse(record['issued_at']) : NaN;
  return {
    token,
    ...(typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0
      ? { expiresInSeconds: expiresIn }
      : {}),
    ...(Number.isFinite(issuedAt) ? { issuedAtMs: issuedAt } : {}),
  };
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Tokens by scope, each until its expiry minus the slack. */
export class TokenCache {
  readonly #now: () => number;
  readonly #tokens = new Map<string, { readonly token: string; readonly expiresAtMs: number }>();

  constructor(now: () => number) {
    this.#now = now;
  }

  /** The live token for `scope`, if any. */
  get(scope: string): string | undefined {
    const entry = this.#tokens.get(scope);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= this.#now()) {
      this.#tokens.delete(scope);
      return undefined;
    }
    return entry.token;
  }

  /** Keeps `response`'s token for `scope` (unless it is already as good as expired). */
  set(scope: string, response: TokenResponse): void {
    const now = this.#now();
    // An issued_at in the future (clock skew) counts from now: never extend a token's life.
    const start = Math.min(response.issuedAtMs ?? now, now);
    const lifetimeSeconds = response.expiresInSeconds ?? DEFAULT_TOKEN_SECONDS;
    const expiresAtMs = start + (lifetimeSeconds - TOKEN_EXPIRY_SLACK_SECONDS) * 1000;
    this.#tokens.delete(scope);
    if (expiresAtMs <= now) return;
    this.#tokens.set(scope, { token: response.token, expiresAtMs });
    // Map order is insertion order: drop the oldest beyond the bound.
    for (const oldest of this.#tokens.keys()) {
      if (this.#tokens.size <= MAX_TOKENS) break;
      this.#tokens.delete(oldest);
    }
  }

  get size(): number {
    return this.#tokens.size;
  }
}
