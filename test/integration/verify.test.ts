/**
 * Registry verification through the real HTTPS server: the route's lookup
 * step, the deny verdict, the budget guard, the log line, the metrics, the
 * preview's `verify` field and the client's life over policy reloads. The
 * client answers from a table (real registries: test/registry).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { examplePolicyYaml, loadJsonFixture } from '../helpers/fixtures.ts';
import { fakeVerifyClients, type FakeVerifyClients } from '../helpers/fake-verify-client.ts';
import { postJson, send } from '../helpers/https-client.ts';
import { DIGEST_A, FOUND_A } from '../helpers/lookup-table.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.ts';

type Review = { request: { uid: string; object: { spec: { containers: { image: string }[] } } } };
type ReviewResponse = {
  response: {
    allowed: boolean;
    patch?: string;
    warnings?: string[];
    status?: { code: number; message: string; reason?: string };
  };
};

const MIGRATIONS = 'harbor.example.com/ghcr-proxy/acme/shop-migrations:v2.3.1';
const NGINX = 'harbor.example.com/dockerhub-proxy/library/nginx:1.25';
const BUSYBOX = 'harbor.example.com/dockerhub-proxy/library/busybox:latest';

const policyWith = (verify: string) => `${examplePolicyYaml}\nverify: ${verify}\n`;

async function review(test: TestServer, body: unknown = loadJsonFixture('pod-create-v1.json')) {
  const answer = await postJson(test.port, '/mutate', body, { ca: test.ca.certificatePem });
  assert.equal(answer.status, 200, answer.body);
  return JSON.parse(answer.body) as ReviewResponse;
}

function patchedImages(response: ReviewResponse): string[] {
  const pod = loadJsonFixture<Review>('pod-create-v1.json').request.object;
  const patch = JSON.parse(
    Buffer.from(response.response.patch ?? '', 'base64').toString('utf8'),
  ) as Operation[];
  const after = fastJsonPatch.applyPatch(pod, patch, true, false).newDocument;
  return after.spec.containers.map((container) => container.image);
}

function lastAdmissionLine(test: TestServer): Record<string, unknown> {
  const line = test.logs.findLast((entry) => entry.includes('"admission reviewed"'));
  assert.ok(line, 'an admission log line');
  return JSON.parse(line) as Record<string, unknown>;
}

describe('verify through the real server', () => {
  let test: TestServer;
  let clients: FakeVerifyClients;
  before(async () => {
    clients = fakeVerifyClients({ [MIGRATIONS]: FOUND_A, [BUSYBOX]: FOUND_A });
    test = await startTestServer({
      policyYaml: policyWith('{mode: pin, onMissing: keep}'),
      parts: { buildRegistryClient: clients.build },
    });
  });
  after(async () => {
    await test.close();
  });

  it('pins what Harbor has, keeps what it lacks, and says so in a warning', async () => {
    const response = await review(test);
    assert.equal(response.response.allowed, true);
    assert.deepEqual(patchedImages(response), [
      'nginx:1.25',
      `${BUSYBOX}@${DIGEST_A}`,
      'registry.k8s.io/pause:3.9',
    ]);
    assert.deepEqual(response.response.warnings, [
      `containers[0] "web": Harbor does not have ${NGINX} (MANIFEST_UNKNOWN); left unchanged (verify.onMissing: keep)`,
    ]);
    assert.equal(clients.built[0]?.table.calls.length, 1, 'one lookupAll per admission');
  });

  it('logs the counts of found, missing and unavailable', () => {
    assert.deepEqual(lastAdmissionLine(test)['verify'], { found: 2, missing: 1, unavailable: 0 });
  });

  it('counts lookups by result in the metrics, without image labels', async () => {
    const metrics = await send(test.port, '/metrics', { ca: test.ca.certificatePem });
    assert.match(metrics.body, /harbor_image_webhook_registry_lookups_total\{result="found"\} 2/);
    assert.match(metrics.body, /harbor_image_webhook_registry_lookups_total\{result="missing"\} 1/);
    assert.match(metrics.body, /harbor_image_webhook_registry_lookup_duration_seconds_count 3/);
    assert.match(
      metrics.body,
      /harbor_image_webhook_image_decisions_total\{outcome="kept-missing"\} 1/,
    );
    assert.doesNotMatch(metrics.body, /registry_lookups_total\{[^}]*image/);
  });

  it('logs the start-up probe of Harbor', () => {
    assert.ok(test.logs.some((line) => line.includes('Harbor probe: lookups can be answered')));
  });

  it('marks each image change of the preview with what Harbor said', async () => {
    const manifest = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1.25' },
          { name: 's', image: 'busybox' },
        ],
      },
    });
    const answer = await send(test.port, '/preview', {
      ca: test.ca.certificatePem,
      method: 'POST',
      body: manifest,
    });
    assert.equal(answer.status, 200, answer.body);
    const [result] = (
      JSON.parse(answer.body) as { results: { changes: Record<string, unknown>[] }[] }
    ).results;
    const images = result?.changes.filter((change) => String(change['path']).endsWith('/image'));
    assert.deepEqual(
      images?.map((change) => [change['to'], change['reason'], change['verify']]),
      [
        ['nginx:1.25', 'kept-missing', 'missing'],
        [`${BUSYBOX}@${DIGEST_A}`, 'rewritten', 'found'],
      ],
    );
  });

  it('refuses the Pod with a 403 naming the image once the policy says deny', async () => {
    await writeFile(test.files.policy, policyWith('{mode: exists, onMissing: deny}'));
    await waitFor(() => test.server.state.policy.verify.onMissing === 'deny');
    const response = await review(test);
    assert.equal(response.response.allowed, false);
    assert.equal(response.response.status?.code, 403);
    assert.match(
      response.response.status?.message ?? '',
      /image "nginx:1\.25": Harbor does not have/,
    );
    assert.equal(lastAdmissionLine(test)['outcome'], 'denied');
  });

  it('keeps the client over a reload that changes no Harbor setting, closes it when verify goes off', async () => {
    assert.equal(clients.built.length, 1, 'onMissing is not a client setting');
    await writeFile(test.files.policy, examplePolicyYaml);
    await waitFor(() => test.server.state.lookups === undefined);
    await waitFor(() => clients.built[0]?.closed === true, 3000);
    const response = await review(test);
    assert.equal(patchedImages(response)[0], NGINX, 'mode off rewrites blind again');
    assert.equal(lastAdmissionLine(test)['verify'], undefined, 'no verify counts with mode off');
  });
});

describe('the lookup budget', () => {
  it('answers by onUnavailable when the client never answers', async () => {
    const clients = fakeVerifyClients({}, { hang: true });
    const test = await startTestServer({
      policyYaml: policyWith('{mode: exists, onUnavailable: keep, budgetMs: 100}'),
      parts: { buildRegistryClient: clients.build },
    });
    try {
      const started = performance.now();
      const response = await review(test);
      const elapsed = performance.now() - started;
      assert.deepEqual(patchedImages(response), [
        'nginx:1.25',
        'busybox',
        'registry.k8s.io/pause:3.9',
      ]);
      assert.equal(response.response.warnings?.length, 3);
      assert.match(response.response.warnings?.[0] ?? '', /no answer within the budget of 100 ms/);
      assert.ok(elapsed < 100 + 250 + 300, `answered in ${Math.round(elapsed)} ms`);
    } finally {
      await test.close();
    }
  });
});

describe('start-up with files the policy names', () => {
  it('refuses to start when the credentials file cannot be read, naming it', async () => {
    await assert.rejects(
      startTestServer({
        policyYaml: `harbor: {host: harbor.example.com, credentialsFile: /nonexistent/config.json}\nverify: {mode: exists}\n`,
      }),
      /verify: harbor\.credentialsFile: \/nonexistent\/config\.json: cannot read \(ENOENT\)/,
    );
  });
});
