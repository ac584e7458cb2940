/**
 * The real-registry test harness: one temp dir, one test CA and two users
 * per test file, and the registries a test asks for, all stopped and removed
 * by `close()` (or, if the process dies first, by the e2e exit safety net).
 * See test/registry/README.md.
 *
 * ```ts
 * const harness = await createRegistryHarness();
 * const harbor = await harness.startHtpasswdRegistry();
 * const image = await harness.pushImage(harbor, 'project/app', 'v1');
 * // … look it up with harness.pki.caPem and harness.puller …
 * await harness.close();
 * ```
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '../../e2e/support/exit-cleanup.ts';
import { newRegistryUser, writeHtpasswd, type RegistryUser } from './htpasswd.ts';
import { createRegistryPki, type RegistryPki } from './registry-pki.ts';
import { startRegistryServer, type RegistryServer } from './registry-server.ts';
import {
  inspectDigest,
  pushTestImage,
  type PushedImage,
  type SkopeoTarget,
  type TestImageSpec,
} from './test-images.ts';
import { startTokenIssuer, type TokenIssuer } from './token-issuer.ts';

/** A registry with token auth and its realm. */
export interface TokenRegistry {
  readonly registry: RegistryServer;
  readonly issuer: TokenIssuer;
}

/** What a test file gets. */
export interface RegistryHarness {
  readonly dir: string;
  readonly pki: RegistryPki;
  /** Pushes (the harness uses it for {@link pushImage}). */
  readonly admin: RegistryUser;
  /** Pulls: what the webhook's credentials would be (a Harbor robot account). */
  readonly puller: RegistryUser;
  /** Basic auth (htpasswd) with {@link admin} and {@link puller}: a Harbor robot account. */
  startHtpasswdRegistry(name?: string): Promise<RegistryServer>;
  /** No authentication at all: a public Harbor project. */
  startAnonymousRegistry(name?: string): Promise<RegistryServer>;
  /** `auth.token` with a realm served by a test token issuer (same users). */
  startTokenRegistry(options?: { name?: string; lifetimeSeconds?: number }): Promise<TokenRegistry>;
  /**
   * A pull-through cache of `upstream` (anonymous to its clients, like a
   * public Harbor proxy-cache project), logging in upstream as `upstreamUser`.
   * docker-registry 2.8 sends proxy credentials only to a token realm (its
   * credential store is keyed by the realm URL, and a Basic challenge's realm
   * is not a URL), so an upstream that needs a login must be a token
   * registry, as Docker Hub is; an htpasswd upstream only works anonymously.
   */
  startProxyRegistry(
    upstream: RegistryServer,
    upstreamUser?: RegistryUser,
    name?: string,
  ): Promise<RegistryServer>;
  /** How skopeo reaches `registry`, as `user` (admin by default; `null`: anonymous). */
  skopeoTarget(registry: RegistryServer, user?: RegistryUser | null): SkopeoTarget;
  /** Builds a fresh test image and pushes it to `registry` as admin (anonymously to an anonymous registry). */
  pushImage(
    registry: RegistryServer,
    repository: string,
    tag: string,
    spec?: TestImageSpec,
  ): Promise<PushedImage>;
  /** The digest skopeo sees for `reference` in `registry` (sha256 of `skopeo inspect --raw`). */
  inspectDigest(registry: RegistryServer, reference: string): Promise<string>;
  /** Stops every registry and issuer started here and removes the temp dir. */
  close(): Promise<void>;
}

/** Creates the harness: temp dir, CA, users. Registries start on demand. */
export async function createRegistryHarness(): Promise<RegistryHarness> {
  const temp: TempDir = await makeTempDir('harbor-registry-');
  const pki = await createRegistryPki(join(temp.path, 'pki'));
  const admin = newRegistryUser('admin');
  const puller = newRegistryUser('robot-pull');
  const users = [admin, puller];
  const htpasswdFile = join(temp.path, 'htpasswd');
  await writeHtpasswd(htpasswdFile, users);
  const registries: RegistryServer[] = [];
  const issuers: TokenIssuer[] = [];
  const anonymous = new Set<RegistryServer>();
  let count = 0;

  const start = async (
    name: string,
    options: Omit<Parameters<typeof startRegistryServer>[0], 'name' | 'dir' | 'pki'>,
  ): Promise<RegistryServer> => {
    const dir = join(temp.path, `registry-${++count}-${name}`);
    await mkdir(dir, { recursive: true });
    const registry = await startRegistryServer({ name, dir, pki, ...options });
    registries.push(registry);
    return registry;
  };

  const skopeoTarget = (registry: RegistryServer, user?: RegistryUser | null): SkopeoTarget => {
    const chosen = user === null || anonymous.has(registry) ? undefined : (user ?? admin);
    return {
      host: registry.host,
      certDir: pki.certDir,
      ...(chosen === undefined ? {} : { user: chosen }),
    };
  };

  return {
    dir: temp.path,
    pki,
    admin,
    puller,
    startHtpasswdRegistry: (name = 'registry-htpasswd') =>
      start(name, { auth: { kind: 'htpasswd', htpasswdFile } }),
    startAnonymousRegistry: async (name = 'registry-anonymous') => {
      const registry = await start(name, { auth: { kind: 'anonymous' } });
      anonymous.add(registry);
      return registry;
    },
    startTokenRegistry: async (options = {}) => {
      const issuer = await startTokenIssuer({
        pki,
        users,
        service: 'harbor-registry',
        ...(options.lifetimeSeconds === undefined
          ? {}
          : { lifetimeSeconds: options.lifetimeSeconds }),
      });
      issuers.push(issuer);
      const registry = await start(options.name ?? 'registry-token', {
        auth: {
          kind: 'token',
          realm: issuer.realm,
          service: issuer.service,
          issuer: issuer.issuer,
          rootCertBundle: pki.caFile,
        },
      });
      return { registry, issuer };
    },
    startProxyRegistry: async (upstream, upstreamUser, name = 'registry-proxy') => {
      const registry = await start(name, {
        auth: { kind: 'anonymous' },
        proxy: {
          remoteUrl: upstream.url,
          ...(upstreamUser === undefined
            ? {}
            : { username: upstreamUser.username, password: upstreamUser.password }),
        },
      });
      anonymous.add(registry);
      return registry;
    },
    skopeoTarget,
    pushImage: (registry, repository, tag, spec = {}) =>
      pushTestImage(join(temp.path, 'images'), skopeoTarget(registry), { repository, tag }, spec),
    inspectDigest: (registry, reference) => inspectDigest(skopeoTarget(registry), reference),
    close: async () => {
      await Promise.all(registries.map((registry) => registry.stop()));
      await Promise.all(issuers.map((issuer) => issuer.close()));
      await temp.remove();
    },
  };
}
