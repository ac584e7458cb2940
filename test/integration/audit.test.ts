import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadJsonFixture } from '../helpers/fixtures.ts';
import { postJson, send } from '../helpers/https-client.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

type Review = { request: { uid: string; namespace: string; object: Record<string, unknown> } };
/** The fields of the answer these tests read. */
type AuditAnswer = { response: Record<string, unknown> & { warnings?: string[] } };

const fixture = () => loadJsonFixture<Review>('pod-create-v1.json');

describe('audit mode over real HTTPS (POST /audit)', () => {
  let test: TestServer;
  before(async () => {
    test = await startTestServer();
  });
  after(async () => {
    await test.close();
  });

  for (const http2 of [false, true]) {
    it(`answers over ${http2 ? 'HTTP/2' : 'HTTP/1.1'} with the Pod allowed, no patch, and what /mutate would change as warnings`, async () => {
      const response = await postJson(test.port, '/audit', fixture(), {
        ca: test.ca.certificatePem,
        http2,
      });

      assert.equal(response.status, 200);
      const body = JSON.parse(response.body) as AuditAnswer;
      assert.equal(body.response.uid, fixture().request.uid);
      assert.equal(body.response.allowed, true);
      assert.equal(body.response.patch, undefined);
      assert.equal(body.response.patchType, undefined);
      assert.deepEqual(body.response.warnings, [
        'harbor-image-webhook audit: initContainers[0] "migrate": would rewrite image ghcr.io/acme/shop-migrations:v2.3.1 to harbor.example.com/ghcr-proxy/acme/shop-migrations:v2.3.1',
        'harbor-image-webhook audit: containers[0] "web": would rewrite image nginx:1.25 to harbor.example.com/dockerhub-proxy/library/nginx:1.25',
        'harbor-image-webhook audit: containers[1] "sidecar": would rewrite image busybox to harbor.example.com/dockerhub-proxy/library/busybox',
        'harbor-image-webhook audit: would set imagePullSecrets to [team-registry, harbor-pull] (now [team-registry])',
      ]);
    });
  }

  it('still patches the same review on /mutate', async () => {
    const response = await postJson(test.port, '/mutate', fixture(), {
      ca: test.ca.certificatePem,
    });
    const body = JSON.parse(response.body) as AuditAnswer;
    assert.equal(body.response.patchType, 'JSONPatch');
    assert.equal(body.response.warnings, undefined);
  });

  it('counts audited reviews as outcome="audit" and each would-be change by kind, not as decisions', async () => {
    const metricsBefore = await scrape(test);
    await postJson(test.port, '/audit', fixture(), { ca: test.ca.certificatePem });
    const metricsAfter = await scrape(test);

    const delta = (name: string) => value(metricsAfter, name) - value(metricsBefore, name);
    assert.equal(
      delta('harbor_image_webhook_admission_reviews_total{operation="CREATE",outcome="audit"}'),
      1,
    );
    assert.equal(delta('harbor_image_webhook_audit_changes_total{change="image"}'), 3);
    assert.equal(delta('harbor_image_webhook_audit_changes_total{change="pull-secrets"}'), 1);
    assert.equal(delta('harbor_image_webhook_image_decisions_total{outcome="rewritten"}'), 0);
    assert.match(
      metricsAfter,
      /harbor_image_webhook_http_requests_total\{route="\/audit",method="POST",code="200"\} \d+/,
    );
  });

  it('logs the audited review with what it would have changed', async () => {
    const review = fixture();
    review.request.uid = 'audit-log-uid';
    await postJson(test.port, '/audit', review, { ca: test.ca.certificatePem });

    const line = test.logs.find((entry) => entry.includes('"audit-log-uid"'));
    assert.ok(line);
    const record = JSON.parse(line) as Record<string, unknown>;
    assert.equal(record['outcome'], 'audit');
    assert.equal(record['wouldBe'], 'mutated');
    assert.equal(record['wouldChangeCount'], 4);
    assert.equal(record['patchOperations'], 0);
    assert.match(String((record['wouldChange'] as string[])[1]), /would rewrite image nginx:1.25/);
  });

  it('refuses a malformed review on /audit as on /mutate', async () => {
    const response = await postJson(test.port, '/audit', '{"kind":', {
      ca: test.ca.certificatePem,
    });
    assert.equal(response.status, 400);
  });
});

async function scrape(test: TestServer): Promise<string> {
  return (await send(test.port, '/metrics', { ca: test.ca.certificatePem })).body;
}

/** The value of the sample `series` (name and labels as printed), 0 when absent. */
function value(metrics: string, series: string): number {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
