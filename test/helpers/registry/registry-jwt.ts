/**
 * Registry bearer tokens as the distribution token spec defines them: a JWT
 * signed with ES256 whose header carries the signing certificate in `x5c`.
 * docker-registry 2.8 (registry/auth/token/token.go) finds the signing key
 * from `x5c` first (then `jwk`, then `kid` as a libtrust fingerprint) and
 * verifies that chain against `auth.token.rootcertbundle`; it checks `iss`,
 * `aud` (a single string), `exp`/`nbf` with 60 s leeway and the `access`
 * claim against the requested scope.
 */
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import type { IssuedCertificate } from '../../../src/certificates/issue.ts';

/** One resource a token grants actions on (`repository:NAME:pull,push`). */
export interface ResourceAccess {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

/** Parses a `scope` parameter: `TYPE:NAME:ACTIONS`, where NAME may hold `:` (a host with a port). */
export function parseScope(scope: string): ResourceAccess | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter((action) => action !== ''),
  };
}

function base64Url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** What a token says. */
export interface TokenClaims {
  readonly issuer: string;
  readonly service: string;
  readonly subject: string;
  readonly access: readonly ResourceAccess[];
  readonly lifetimeSeconds: number;
  /** Seconds since the epoch; defaults to now. */
  readonly issuedAt?: number;
}

/** Signs `claims` with `signer`'s key (ECDSA P-256 → ES256), its certificate in `x5c`. */
export function signRegistryToken(signer: IssuedCertificate, claims: TokenClaims): string {
  const certificate = new X509Certificate(signer.certificatePem);
  const header = { typ: 'JWT', alg: 'ES256', x5c: [certificate.raw.toString('base64')] };
  const now = claims.issuedAt ?? Math.floor(Date.now() / 1000);
  const payload = {
    iss: claims.issuer,
    sub: claims.subject,
    aud: claims.service,
    exp: now + claims.lifetimeSeconds,
    nbf: now - 1,
    iat: now,
    jti: randomUUID(),
    access: claims.access,
  };
  const signingInput = `${base64Url(JSON.stringify(header))}.${base64Url(JSON.stringify(payload))}`;
  // JOSE wants the raw r||s signature, not DER (RFC 7518 §3.4).
  const signature = sign('sha256', Buffer.from(signingInput), {
    key: createPrivateKey(signer.privateKeyPem),
    dsaEncoding: 'ieee-p1363',
  });
  return `${signingInput}.${base64Url(signature)}`;
}
