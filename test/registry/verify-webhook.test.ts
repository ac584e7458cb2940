/**
 * The webhook with registry verification against a real registry server
 * (Debian's docker-registry, htpasswd auth as a Harbor robot account, TLS
 * from a test CA): what a Pod gets when Harbor has its image, lacks it, or
 * is down, and that `pin` writes the digest skopeo reports.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { postJson } from '../helpers/https-client.ts';
import {
  createRegistryHarness,
  type RegistryHarness,
} from '../helpers/registry/registry-harness.ts';
import type { RegistryServer } from '../helpers/registry/registry-server.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.ts';

type ReviewResponse = {
  response: {
    allowed: boolean;
    patch?: string;
    warnings?: string[];
    status?: { code: number; message: string };
  };
};

/** A Pod CREATE review with one container running `image`. */
function podReview(image: string) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `uid-${Math.random().toString(16).slice(2)}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'shop',
      operation: 'CREATE',
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', namespace: 'shop' },
        spec: { containers: [{ name: 'app', image, imagePullPolicy: 'IfNotPresent' }] },
      },
    },
  };
}

describe('verify against a real registry', () => {
  let harness: RegistryHarness;
  let harbor: RegistryServer;
  let webhook: TestServer;
  let policyFor: (verify: string) => string;
  let pushedDigest = '';

  before(async () => {
    harness = await createRegistryHarness();
    harbor = await harness.startHtpasswdRegistry();
    // What a rule `docker.io/**` → project `proxy` rewrites `nginx:1.25` to.
    pushedDigest = (await harness.pushImage(harbor, 'proxy/library/nginx', '1.25')).digest;
    await harness.pushImage(harbor, 'proxy/library/redis', '7');
    const credentials = join(harness.dir, 'webhook-config.json');
    const { username, password } = harness.puller;
    await writeFile(
      credentials,
      JSON.stringify({
        auths: {
          [harbor.host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') },
        },
      }),
    );
    policyFor = (verify) =>
      JSON.stringify({
        harbor: { host: harbor.host, caFile: harness.pki.caFile, credentialsFile: credentials },
        rules: [{ match: 'docker.io/**', project: 'proxy' }],
        verify: JSON.parse(verify) as unknown,
      });
    webhook = await startTestServer({ policyYaml: policyFor('{"mode": "exists"}') });
  });
  after(async () => {
    await webhook?.close();
    await harness?.close();
  });

  async function admitImage(image: string): Promise<{ image: string; response: ReviewResponse }> {
    const body = podReview(image);
    const answer = await postJson(webhook.port, '/mutate', body, { ca: webhook.ca.certificatePem });
    assert.equal(answer.status, 200, answer.body);
    const response = JSON.parse(answer.body) as ReviewResponse;
    const patch = JSON.parse(
      Buffer.from(response.response.patch ?? 'W10=', 'base64').toString('utf8'),
    ) as Operation[];
    const pod = fastJsonPatch.applyPatch(body.request.object, patch, true, false).newDocument;
    return { image: pod.spec.containers[0]?.image ?? '', response };
  }

  async function usePolicy(verify: string): Promise<void> {
    const text = policyFor(verify);
    await writeFile(webhook.files.policy, text);
    await waitFor(() => webhook.server.state.policyText === text);
  }

  it('logs at start-up that Harbor is reachable and takes the credentials', async () => {
    await waitFor(() => webhook.logs.some((line) => line.includes('Harbor probe')), 10_000);
    const probe = webhook.logs.find((line) => line.includes('Harbor probe'));
    assert.match(probe ?? '', /lookups can be answered/);
    assert.match(probe ?? '', /credentials accepted/);
    assert.doesNotMatch(webhook.logs.join('\n'), new RegExp(harness.puller.password));
  });

  it('found: an image Harbor has is rewritten', async () => {
    const { image, response } = await admitImage('nginx:1.25');
    assert.equal(image, `${harbor.host}/proxy/library/nginx:1.25`);
    assert.equal(response.response.warnings, undefined);
  });

  it('missing with onMissing keep: the original stays, with a warning kubectl prints', async () => {
    const { image, response } = await admitImage('nginx:9.9-missing');
    assert.equal(image, 'nginx:9.9-missing');
    assert.match(
      response.response.warnings?.[0] ?? '',
      /Harbor does not have .*nginx:9\.9-missing/,
    );
  });

  it('missing with onMissing rewrite: rewritten anyway, with a warning', async () => {
    await usePolicy('{"mode": "exists", "onMissing": "rewrite"}');
    const { image, response } = await admitImage('nginx:9.9-missing');
    assert.equal(image, `${harbor.host}/proxy/library/nginx:9.9-missing`);
    assert.match(response.response.warnings?.[0] ?? '', /although Harbor does not have it/);
  });

  it('missing with onMissing deny: the Pod is refused, naming the image', async () => {
    await usePolicy('{"mode": "exists", "onMissing": "deny"}');
    const { response } = await admitImage('nginx:9.9-missing');
    assert.equal(response.response.allowed, false);
    assert.equal(response.response.status?.code, 403);
    assert.match(response.response.status?.message ?? '', /image "nginx:9\.9-missing"/);
  });

  it('pin: the digest written into the Pod is the one skopeo inspect reports', async () => {
    await usePolicy('{"mode": "pin"}');
    const { image } = await admitImage('nginx:1.25');
    const inspected = await harness.inspectDigest(
      harbor,
      `${harbor.host}/proxy/library/nginx:1.25`,
    );
    assert.equal(inspected, pushedDigest);
    assert.equal(image, `${harbor.host}/proxy/library/nginx:1.25@${inspected}`);
  });

  it('registry stopped: onUnavailable answers within the budget and a little slack', async () => {
    await usePolicy('{"mode": "exists", "onUnavailable": "keep", "budgetMs": 300}');
    await harbor.stop();
    try {
      const started = performance.now();
      // Never looked up before, so no cached answer can stand in for Harbor.
      const { image, response } = await admitImage('redis:7');
      const elapsed = performance.now() - started;
      assert.equal(image, 'redis:7');
      assert.match(response.response.warnings?.[0] ?? '', /could not confirm/);
      assert.ok(elapsed < 300 + 400, `answered in ${Math.round(elapsed)} ms`);
    } finally {
      await harbor.restart();
    }
  });
});
