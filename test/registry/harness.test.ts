/**
 * The harness itself against the real docker-registry: each configuration
 * starts, accepts a skopeo push, answers skopeo with the digest pushed, and
 * logs the requests tests count.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createRegistryHarness,
  type RegistryHarness,
} from '../helpers/registry/registry-harness.ts';
import { inspectRawManifest } from '../helpers/registry/test-images.ts';

describe('registry test harness', () => {
  let harness: RegistryHarness;
  before(async () => {
    harness = await createRegistryHarness();
  });
  after(async () => {
    await harness.close();
  });

  it('an htpasswd registry takes a push and reports the pushed digest; the access log records it', async () => {
    const registry = await harness.startHtpasswdRegistry();
    const image = await harness.pushImage(registry, 'project/app', 'v1');
    assert.match(image.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await harness.inspectDigest(registry, image.reference), image.digest);
    await registry.syncAccessLog();
    assert.ok(
      registry
        .accessLog()
        .some((entry) => entry.method === 'PUT' && entry.path === '/v2/project/app/manifests/v1'),
      'the manifest PUT is in the access log',
    );
  });

  it('a multi-arch image is pushed as an index whose digest skopeo reports', async () => {
    const registry = await harness.startAnonymousRegistry();
    const image = await harness.pushImage(registry, 'library/multi', 'v1', { multiArch: true });
    const raw = JSON.parse(
      await inspectRawManifest(harness.skopeoTarget(registry), image.reference),
    ) as { mediaType?: string; manifests?: unknown[] };
    assert.equal(raw.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.equal(raw.manifests?.length, 2);
    assert.equal(await harness.inspectDigest(registry, image.reference), image.digest);
  });

  it('a token registry accepts tokens from the test issuer, which records each realm request', async () => {
    const { registry, issuer } = await harness.startTokenRegistry();
    const image = await harness.pushImage(registry, 'project/token', 'v1');
    assert.equal(await harness.inspectDigest(registry, image.reference), image.digest);
    const granted = issuer.requests().filter((request) => request.status === 200);
    assert.ok(granted.length > 0, 'skopeo fetched tokens');
    assert.ok(granted.every((request) => request.username === harness.admin.username));
  });

  it('a pull-through cache of a token registry serves an upstream image on its first request', async () => {
    const { registry: upstream } = await harness.startTokenRegistry({ name: 'upstream' });
    const image = await harness.pushImage(upstream, 'library/cached', 'v1');
    const proxy = await harness.startProxyRegistry(upstream, harness.puller);
    assert.equal(
      await harness.inspectDigest(proxy, `${proxy.host}/library/cached:v1`),
      image.digest,
    );
  });

  it('a stopped registry restarts on the same port with its storage', async () => {
    const registry = await harness.startAnonymousRegistry('restartable');
    const image = await harness.pushImage(registry, 'library/kept', 'v1');
    await registry.stop();
    assert.equal(registry.isRunning(), false);
    await registry.restart();
    assert.equal(await harness.inspectDigest(registry, image.reference), image.digest);
  });
});
