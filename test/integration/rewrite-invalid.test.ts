// A rewrite that would not parse, seen from the apiserver: the image is left
// alone, the answer carries a warning, and /metrics counts the outcome.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadJsonFixture } from '../helpers/fixtures.ts';
import { postJson, send } from '../helpers/https-client.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

type Review = { request: { object: { spec: { containers: { name: string; image: string }[] } } } };
type ReviewResponse = { response: { allowed: boolean; patch?: string; warnings?: string[] } };

// library/ + 247 = 255, the longest valid path; "dockerhub-proxy/" pushes it over.
const LONGEST_OFFICIAL_IMAGE = `${'a'.repeat(247)}:1`;

describe('a rewrite that would be an invalid reference, over real HTTPS', () => {
  let test: TestServer;
  before(async () => {
    test = await startTestServer();
  });
  after(async () => {
    await test.close();
  });

  it('leaves the image unchanged, warns, and counts rewrite-invalid in /metrics', async () => {
    const review = loadJsonFixture<Review>('pod-create-v1.json');
    review.request.object.spec.containers = [{ name: 'long', image: LONGEST_OFFICIAL_IMAGE }];
    const response = await postJson(test.port, '/mutate', review, { ca: test.ca.certificatePem });
    assert.equal(response.status, 200);
    const body = JSON.parse(response.body) as ReviewResponse;
    assert.equal(body.response.allowed, true);
    const patch = JSON.parse(
      Buffer.from(body.response.patch ?? 'W10=', 'base64').toString('utf8'),
    ) as { path: string }[];
    assert.ok(!patch.some((operation) => operation.path === '/spec/containers/0/image'));
    assert.equal(body.response.warnings?.length, 1);
    assert.match(body.response.warnings?.[0] ?? '', /would make an invalid reference/);

    const metrics = await send(test.port, '/metrics', { ca: test.ca.certificatePem });
    assert.match(
      metrics.body,
      /harbor_image_webhook_image_decisions_total\{outcome="rewrite-invalid"\} 1\b/,
    );
  });
});
