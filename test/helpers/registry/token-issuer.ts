/**
 * A small token server for docker-registry's `auth.token` mode, as Harbor's
 * core (or Docker Hub's auth.docker.io) is for its registry: `GET /token?
 * service=…&scope=…` over TLS, Basic credentials checked against its users,
 * an ES256 JWT granting every requested action to a known user. Without
 * credentials it answers like Harbor for a private project: a token with no
 * access (the registry then refuses the pull). Every request is recorded so
 * tests can count how often a client came for a token.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RegistryUser } from './htpasswd.ts';
import type { RegistryPki } from './registry-pki.ts';
import { parseScope, signRegistryToken } from './registry-jwt.ts';

/** One request to the realm. */
export interface TokenRequest {
  readonly service: string | undefined;
  readonly scopes: readonly string[];
  /** The Basic user, when one was sent (valid or not). */
  readonly username: string | undefined;
  readonly status: number;
}

/** A running token issuer. */
export interface TokenIssuer {
  /** `https://127.0.0.1:PORT/token`: the registry's `auth.token.realm`. */
  readonly realm: string;
  readonly issuer: string;
  readonly service: string;
  /** Every request so far, oldest first. */
  requests(): readonly TokenRequest[];
  close(): Promise<void>;
}

/** Options of {@link startTokenIssuer}. */
export interface TokenIssuerOptions {
  readonly pki: RegistryPki;
  readonly users: readonly RegistryUser[];
  readonly service: string;
  readonly issuer?: string;
  /** `expires_in` of the tokens; 300 s by default (distribution's minimum is 60 s). */
  readonly lifetimeSeconds?: number;
}

function basicUser(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Starts the issuer on 127.0.0.1 (ephemeral port), serving with the harness's certificate. */
export async function startTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const issuer = options.issuer ?? 'registry-test-token-issuer';
  const lifetimeSeconds = options.lifetimeSeconds ?? 300;
  const recorded: TokenRequest[] = [];
  const server: Server = createServer(
    {
      cert: options.pki.servingCertificate.certificatePem,
      key: options.pki.servingCertificate.privateKeyPem,
    },
    (request, response) => {
      const url = new URL(request.url ?? '/', 'https://127.0.0.1');
      const service = url.searchParams.get('service') ?? undefined;
      const scopes = url.searchParams.getAll('scope');
      const credentials = basicUser(request.headers.authorization);
      const reply = (status: number, body: object): void => {
        recorded.push({ service, scopes, username: credentials?.username, status });
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.method !== 'GET' || url.pathname !== '/token') {
        reply(404, { errors: [{ code: 'NOT_FOUND' }] });
        return;
      }
      const user =
        credentials === undefined
          ? undefined
          : options.users.find(
              (candidate) =>
                candidate.username === credentials.username &&
                candidate.password === credentials.password,
            );
      if (credentials !== undefined && user === undefined) {
        response.setHeader('www-authenticate', 'Basic realm="registry test token issuer"');
        reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
        return;
      }
      const access =
        user === undefined
          ? []
          : scopes.flatMap((scope) => {
              const parsed = parseScope(scope);
              return parsed === undefined ? [] : [parsed];
            });
      const token = signRegistryToken(options.pki.tokenSigning, {
        issuer,
        service: service ?? options.service,
        subject: user?.username ?? '',
        access,
        lifetimeSeconds,
      });
      reply(200, {
        token,
        access_token: token,
        expires_in: lifetimeSeconds,
        issued_at: new Date().toISOString(),
      });
    },
  );
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    realm: `https://127.0.0.1:${port}/token`,
    issuer,
    service: options.service,
    requests: () => [...recorded],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
