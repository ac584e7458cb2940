/**
 * The registry client against real docker-registry servers (the distribution
 * server Harbor embeds): Basic, token and anonymous auth, a pull-through
 * cache, multi-arch indexes, the cache and single flight counted in the
 * registry's own access log, and every way of being unavailable.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ImageReference } from '../../src/core/reference.ts';
import { lookupKey, type RegistryLookup } from '../../src/core/registry-lookup.ts';
import {
  createRegistryClient,
  type RegistryClient,
  type RegistryClientOptions,
} from '../../src/registry/index.ts';
import type { RegistryUser } from '../helpers/registry/htpasswd.ts';
import {
  createRegistryHarness,
  type RegistryHarness,
  type TokenRegistry,
} from '../helpers/registry/registry-harness.ts';
import type { RegistryServer } from '../helpers/registry/registry-server.ts';
import type { PushedImage } from '../helpers/registry/test-images.ts';

function reference(
  host: string,
  repository: string,
  target: { tag?: string; digest?: string },
): ImageReference {
  return { registry: host, repository, ...target };
}

function parseRef(text: string): ImageReference {
  const at = text.indexOf('@');
  const slash = text.indexOf('/');
  const host = text.slice(0, slash);
  if (at >= 0)
    return { registry: host, repository: text.slice(slash + 1, at), digest: text.slice(at + 1) };
  const colon = text.lastIndexOf(':');
  return { registry: host, repository: text.slice(slash + 1, colon), tag: text.slice(colon + 1) };
}

async function lookUp(
  client: RegistryClient,
  ref: ImageReference,
  budgetMs = 5000,
): Promise<RegistryLookup> {
  const results = await client.lookupAll([ref], budgetMs);
  const lookup = results.get(lookupKey(ref));
  assert.ok(lookup !== undefined, `a result for ${lookupKey(ref)}`);
  return lookup;
}

function secretsOf(user: RegistryUser): string[] {
  return [user.password, Buffer.from(`${user.username}:${user.password}`).toString('base64')];
}

function assertNoSecret(text: string, user: RegistryUser): void {
  for (const secret of secretsOf(user)) assert.ok(!text.includes(secret), `no secret in: ${text}`);
  assert.ok(!/eyJ[\w-]+\.eyJ/.test(text), `no token in: ${text}`);
}

async function manifestHeads(registry: RegistryServer, repository: string): Promise<number> {
  await registry.syncAccessLog();
  return registry
    .accessLog()
    .filter(
      (entry) => entry.method === 'HEAD' && entry.path.startsWith(`/v2/${repository}/manifests/`),
    ).length;
}

describe('registry client against real registries', () => {
  let harness: RegistryHarness;
  let basic: RegistryServer;
  let token: TokenRegistry;
  let anonymous: RegistryServer;
  let app: PushedImage;
  let multi: PushedImage;
  const clients: RegistryClient[] = [];

  const client = (
    registry: RegistryServer,
    options: Partial<RegistryClientOptions> = {},
  ): RegistryClient => {
    const created = createRegistryClient({
      host: registry.host,
      caPem: harness.pki.caPem,
      credentials: harness.puller,
      cacheSeconds: 300,
      ...options,
    });
    clients.push(created);
    return created;
  };

  before(async () => {
    harness = await createRegistryHarness();
    [basic, token, anonymous] = await Promise.all([
      harness.startHtpasswdRegistry('harbor-basic'),
      harness.startTokenRegistry({ name: 'harbor-token' }),
      harness.startAnonymousRegistry('harbor-anonymous'),
    ]);
    app = await harness.pushImage(basic, 'project/app', 'v1');
    multi = await harness.pushImage(basic, 'project/multi', 'v1', { multiArch: true });
  });

  after(async () => {
    for (const created of clients) created.close();
    await harness.close();
  });

  describe('Basic auth (htpasswd, a Harbor robot account)', () => {
    it('finds a tag with the digest skopeo inspect reports', async () => {
      const lookup = await lookUp(client(basic), parseRef(app.reference));
      assert.deepEqual(lookup, { status: 'found', digest: app.digest, cached: false });
      assert.equal(await harness.inspectDigest(basic, app.reference), app.digest);
    });

    it('finds a reference by digest', async () => {
      const lookup = await lookUp(client(basic), parseRef(app.byDigest));
      assert.deepEqual(lookup, { status: 'found', digest: app.digest, cached: false });
    });

    it('reports the index digest of a multi-arch image, as skopeo inspect --raw does', async () => {
      const lookup = await lookUp(client(basic), parseRef(multi.reference));
      assert.equal(lookup.status, 'found');
      assert.equal(lookup.status === 'found' ? lookup.digest : '', multi.digest);
      assert.equal(await harness.inspectDigest(basic, multi.reference), multi.digest);
    });

    it('says missing for an unknown tag and for an unknown repository', async () => {
      const registry = client(basic);
      const results = await registry.lookupAll(
        [
          reference(basic.host, 'project/app', { tag: 'nope' }),
          reference(basic.host, 'project/none', { tag: 'v1' }),
        ],
        5000,
      );
      assert.deepEqual(
        [...results.values()].map((lookup) => lookup.status),
        ['missing', 'missing'],
      );
    });

    it('with a wrong password is unavailable, and neither the reason nor the probe holds a secret', async () => {
      const wrong = { username: harness.puller.username, password: 'wrong-password-0123456789' };
      const registry = client(basic, { credentials: wrong });
      const lookup = await lookUp(registry, parseRef(app.reference));
      assert.deepEqual(lookup, { status: 'unavailable', reason: 'credentials refused (HTTP 401)' });
      const probe = await registry.probe();
      assert.equal(probe.credentials, 'refused');
      assert.match(probe.summary, /reachable, basic auth, credentials refused/);
      assertNoSecret(JSON.stringify([lookup, probe]), wrong);
      // Once the challenge is known, refused credentials cost one request, not two.
      const again = await lookUp(registry, reference(basic.host, 'project/app', { tag: 'again' }));
      assert.equal(again.status, 'unavailable');
      await basic.syncAccessLog();
      const heads = basic
        .accessLog()
        .filter((entry) => entry.path === '/v2/project/app/manifests/again');
      assert.deepEqual(
        heads.map((entry) => entry.status),
        [401],
      );
    });

    it('without credentials is unavailable with a reason saying none are configured', async () => {
      const registry = createRegistryClient({
        host: basic.host,
        caPem: harness.pki.caPem,
        cacheSeconds: 300,
      });
      clients.push(registry);
      const lookup = await lookUp(registry, parseRef(app.reference));
      assert.equal(lookup.status, 'unavailable');
      assert.match(lookup.status === 'unavailable' ? lookup.reason : '', /none are configured/);
    });

    it('probes /v2/: reachable, basic auth, credentials accepted', async () => {
      const probe = await client(basic).probe();
      assert.deepEqual(
        {
          reachable: probe.reachable,
          authentication: probe.authentication,
          credentials: probe.credentials,
        },
        { reachable: true, authentication: 'basic', credentials: 'accepted' },
      );
      assertNoSecret(probe.summary, harness.puller);
    });

    it('serves repeats from the cache: the registry sees the manifest HEAD once', async () => {
      const image = await harness.pushImage(basic, 'project/cached', 'v1');
      const registry = client(basic);
      const first = await lookUp(registry, parseRef(image.reference));
      const headsAfterFirst = await manifestHeads(basic, 'project/cached');
      const repeats = await Promise.all(
        [1, 2, 3].map(() => lookUp(registry, parseRef(image.reference))),
      );
      assert.equal(first.status === 'found' && first.cached, false);
      for (const repeat of repeats)
        assert.deepEqual(repeat, { status: 'found', digest: image.digest, cached: true });
      assert.equal(
        await manifestHeads(basic, 'project/cached'),
        headsAfterFirst,
        'no HEAD after the first lookup',
      );
    });

    it('answers from memory alone with cachedAll once every reference is cached, else not at all', async () => {
      const one = await harness.pushImage(basic, 'project/warm', 'v1');
      const two = await harness.pushImage(basic, 'project/warm', 'v2');
      const observed: string[] = [];
      const registry = client(basic, { onLookup: (result) => observed.push(result) });
      const [first, second] = [parseRef(one.reference), parseRef(two.reference)];
      assert.equal(registry.cachedAll([first]), undefined, 'nothing cached yet');
      await lookUp(registry, first);
      const heads = await manifestHeads(basic, 'project/warm');
      assert.equal(registry.cachedAll([first, second]), undefined, 'one of two is not cached');
      const warm = registry.cachedAll([first, first]);
      assert.deepEqual(
        [...(warm ?? [])],
        [[lookupKey(first), { status: 'found', digest: one.digest, cached: true }]],
      );
      assert.deepEqual(observed, ['found', 'cached'], 'a miss reports nothing; a hit once per key');
      assert.equal(await manifestHeads(basic, 'project/warm'), heads, 'no request');
    });

    it('shares one request among concurrent lookups of the same reference (single flight)', async () => {
      const image = await harness.pushImage(basic, 'project/flight', 'v1');
      const registry = client(basic);
      await registry.probe(); // learn the Basic challenge, so one lookup is one HEAD
      const results = await Promise.all(
        Array.from({ length: 8 }, () => lookUp(registry, parseRef(image.reference))),
      );
      assert.ok(results.every((lookup) => lookup.status === 'found'));
      await basic.syncAccessLog();
      const heads = basic
        .accessLog()
        .filter(
          (entry) => entry.method === 'HEAD' && entry.path === '/v2/project/flight/manifests/v1',
        );
      assert.equal(heads.length, 1, 'one HEAD for eight lookups');
      assert.equal(heads[0]?.status, 200, 'sent with credentials straight away');
    });

    it('serves a found result stale after cacheSeconds and refreshes it in the background', async () => {
      const image = await harness.pushImage(basic, 'project/stale', 'v1');
      let now = 1_000_000;
      const registry = client(basic, { cacheSeconds: 10, now: () => now });
      await lookUp(registry, parseRef(image.reference));
      const heads = await manifestHeads(basic, 'project/stale');
      now += 11_000;
      const stale = await lookUp(registry, parseRef(image.reference));
      assert.deepEqual(stale, { status: 'found', digest: image.digest, cached: true });
      for (
        let attempt = 0;
        attempt < 50 && (await manifestHeads(basic, 'project/stale')) === heads;
        attempt++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(
        await manifestHeads(basic, 'project/stale'),
        heads + 1,
        'one background refresh',
      );
    });
  });

  describe('token auth (the distribution token flow Harbor uses)', () => {
    it('finds an image and fetches one token per scope, then sends it directly', async () => {
      const one = await harness.pushImage(token.registry, 'project/tok', 'v1');
      const two = await harness.pushImage(token.registry, 'project/tok', 'v2');
      const other = await harness.pushImage(token.registry, 'project/other', 'v1');
      const realmRequests = token.issuer.requests().length;
      const registry = client(token.registry, { cacheSeconds: 0 });
      for (const image of [one, two, one, two, other, other]) {
        assert.deepEqual(await lookUp(registry, parseRef(image.reference)), {
          status: 'found',
          digest: image.digest,
          cached: false,
        });
      }
      const requests = token.issuer.requests().slice(realmRequests);
      assert.deepEqual(
        requests.map((request) => [request.scopes, request.username, request.status]),
        [
          [['repository:project/tok:pull'], harness.puller.username, 200],
          [['repository:project/other:pull'], harness.puller.username, 200],
        ],
      );
      await token.registry.syncAccessLog();
      const unauthorized = token.registry
        .accessLog()
        .filter(
          (entry) =>
            entry.method === 'HEAD' &&
            entry.path.startsWith('/v2/project/') &&
            entry.status === 401,
        );
      assert.equal(unauthorized.length, 1, 'only the first HEAD met a challenge');
    });

    it('with a wrong password is unavailable: the token service refused the credentials', async () => {
      const wrong = { username: harness.puller.username, password: 'another-wrong-password' };
      const image = await harness.pushImage(token.registry, 'project/tokwrong', 'v1');
      const registry = client(token.registry, { credentials: wrong });
      const lookup = await lookUp(registry, parseRef(image.reference));
      assert.deepEqual(lookup, {
        status: 'unavailable',
        reason: 'credentials refused by the token service (HTTP 401)',
      });
      const probe = await registry.probe();
      assert.equal(probe.credentials, 'refused');
      assertNoSecret(JSON.stringify([lookup, probe]), wrong);
    });

    it('anonymously gets a token without access, and says the registry wants credentials', async () => {
      const image = await harness.pushImage(token.registry, 'project/tokanon', 'v1');
      const registry = createRegistryClient({
        host: token.registry.host,
        caPem: harness.pki.caPem,
        cacheSeconds: 300,
      });
      clients.push(registry);
      const lookup = await lookUp(registry, parseRef(image.reference));
      assert.deepEqual(lookup, {
        status: 'unavailable',
        reason:
          'no pull access (HTTP 401 insufficient_scope): the project does not exist or the credentials may not pull from it',
      });
    });

    it('probes /v2/: reachable, bearer auth, credentials accepted', async () => {
      const probe = await client(token.registry).probe();
      assert.match(probe.summary, /reachable, bearer auth, credentials accepted$/);
    });
  });

  describe('anonymous registry (a public project)', () => {
    it('finds an image without sending credentials', async () => {
      const image = await harness.pushImage(anonymous, 'library/open', 'v1');
      const registry = createRegistryClient({
        host: anonymous.host,
        caPem: harness.pki.caPem,
        cacheSeconds: 300,
      });
      clients.push(registry);
      assert.deepEqual(await lookUp(registry, parseRef(image.reference)), {
        status: 'found',
        digest: image.digest,
        cached: false,
      });
      const probe = await registry.probe();
      assert.equal(probe.credentials, 'not-needed');
    });
  });

  describe('pull-through cache (a Harbor proxy-cache project)', () => {
    it('finds an image on the first request, fetched from upstream', async () => {
      const image = await harness.pushImage(token.registry, 'library/upstream', 'v1');
      const proxy = await harness.startProxyRegistry(
        token.registry,
        harness.puller,
        'harbor-proxy',
      );
      const lookup = await lookUp(
        client(proxy),
        reference(proxy.host, 'library/upstream', { tag: 'v1' }),
      );
      assert.deepEqual(lookup, { status: 'found', digest: image.digest, cached: false });
    });
  });

  describe('unavailable', () => {
    it('a stopped registry is unavailable within the budget', async () => {
      const registry = await harness.startAnonymousRegistry('harbor-stopped');
      const image = await harness.pushImage(registry, 'library/gone', 'v1');
      const lookups = client(registry);
      await registry.stop();
      const started = performance.now();
      const lookup = await lookUp(lookups, parseRef(image.reference), 500);
      const elapsed = performance.now() - started;
      assert.equal(lookup.status, 'unavailable');
      assert.match(
        lookup.status === 'unavailable' ? lookup.reason : '',
        /connection refused|no answer within 500 ms/,
      );
      assert.ok(elapsed < 500 + 150, `answered in ${Math.round(elapsed)} ms`);
    });

    it('a registry that accepts but never answers is unavailable when the budget runs out; the request goes on until close', async () => {
      const sockets = new Set<Socket>();
      const silent: Server = createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      const host = `127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
      const observed: string[] = [];
      const lookups = createRegistryClient({
        host,
        caPem: harness.pki.caPem,
        cacheSeconds: 300,
        onLookup: (result) => observed.push(result),
      });
      try {
        const started = performance.now();
        const lookup = await lookUp(lookups, reference(host, 'library/slow', { tag: 'v1' }), 300);
        const elapsed = performance.now() - started;
        assert.deepEqual(lookup, { status: 'unavailable', reason: 'no answer within 300 ms' });
        assert.ok(elapsed >= 290 && elapsed < 300 + 150, `answered in ${Math.round(elapsed)} ms`);
        assert.deepEqual(observed, ['unavailable']);
        assert.equal(sockets.size, 1, 'the request is still open');
      } finally {
        lookups.close();
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
      assert.deepEqual(await lookUp(lookups, reference(host, 'library/slow', { tag: 'v2' })), {
        status: 'unavailable',
        reason: 'registry client closed',
      });
    });

    it('a request that outlives the budget still fills the cache for the next admission', async () => {
      const image = await harness.pushImage(basic, 'project/late', 'v1');
      const registry = client(basic);
      const hurried = await lookUp(registry, parseRef(image.reference), 0);
      assert.deepEqual(hurried, { status: 'unavailable', reason: 'no answer within 0 ms' });
      let later: RegistryLookup | undefined;
      for (let attempt = 0; attempt < 100; attempt++) {
        later = await lookUp(registry, parseRef(image.reference), 0);
        if (later.status === 'found') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(later, { status: 'found', digest: image.digest, cached: true });
    });

    it('a registry whose CA is not trusted is unavailable with a TLS reason', async () => {
      const registry = createRegistryClient({
        host: basic.host,
        credentials: harness.puller,
        cacheSeconds: 300,
      });
      clients.push(registry);
      const lookup = await lookUp(registry, parseRef(app.reference));
      assert.equal(lookup.status, 'unavailable');
      assert.match(
        lookup.status === 'unavailable' ? lookup.reason : '',
        /^TLS certificate not trusted \(/,
      );
      const probe = await registry.probe();
      assert.equal(probe.reachable, false);
    });
  });

  it('reports every answer to the observer: found, missing, cached', async () => {
    const observed: string[] = [];
    const registry = client(basic, {
      onLookup: (result, seconds) => {
        assert.ok(seconds >= 0);
        observed.push(result);
      },
    });
    await registry.lookupAll(
      [parseRef(app.reference), reference(basic.host, 'project/app', { tag: 'absent' })],
      5000,
    );
    await registry.lookupAll([parseRef(app.reference)], 5000);
    assert.deepEqual([...observed.slice(0, 2).sort(), observed[2]], ['found', 'missing', 'cached']);
  });

  it('still answers when the observer throws', async () => {
    const registry = client(basic, {
      onLookup: () => {
        throw new Error('metrics broke');
      },
    });
    assert.equal((await lookUp(registry, parseRef(app.reference))).status, 'found');
  });
});
