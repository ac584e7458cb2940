/**
 * A full run of `serve` from dist/ at `--log-level trace`: admissions over
 * HTTP/2 and HTTP/1.1, previews with and without the bearer token, a bad
 * body, certificate rotations (one refused), policy reloads (one refused).
 * Every byte it wrote to stdout and stderr, and its /metrics, are searched for
 * key material, certificates and tokens.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { IssuedCertificate } from '../../src/certificates/issue.ts';
import { spawnServe } from '../helpers/serve-process.ts';
import { createHttp1Client, createHttp2Client, type Client } from './support/clients.ts';
import { fetchMetrics, reloadCounts } from './support/metrics.ts';
import { generatePod, INVALID_POLICY_YAML, POLICY_YAML } from './support/policy-oracle.ts';
import { DIST_CLI } from './support/serve-child.ts';
import { createWebhookFiles, type WebhookFiles } from './support/webhook-files.ts';

/** Every form in which `issued`'s private key could leak: PEM, its base64 body and lines, the raw scalar. */
function keyForms(issued: IssuedCertificate): string[] {
  const body = issued.privateKeyPem
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('-----'));
  const jwk = createPrivateKey(issued.privateKeyPem).export({ format: 'jwk' });
  const scalar = Buffer.from(jwk.d ?? '', 'base64url');
  return [
    issued.privateKeyPem.trim(),
    body.join(''),
    ...body.filter((line) => line.length >= 40),
    jwk.d ?? '',
    scalar.toString('base64'),
    scalar.toString('hex'),
  ].filter((form) => form.length >= 16);
}

async function waitForReload(
  port: number,
  ca: string,
  counter: keyof ReturnType<typeof reloadCounts>,
  before: number,
): Promise<void> {
  const deadline = performance.now() + 8_000;
  while (reloadCounts(await fetchMetrics(port, ca))[counter] <= before) {
    if (performance.now() > deadline) throw new Error(`no ${counter} reload within 8 s`);
    await sleep(100);
  }
}

interface Tokens {
  readonly preview: string;
  readonly wrong: string;
  readonly apiserver: string;
  readonly file: string;
}

/** The full run: returns everything `serve` wrote and its last /metrics. */
async function runScenario(files: WebhookFiles, tokens: Tokens) {
  const serve = await spawnServe(
    files.serveArgs('--log-level', 'trace', '--preview-token-file', tokens.file),
    DIST_CLI,
  );
  const clients: Client[] = [];
  let metricsText = '';
  try {
    const { port } = serve;
    const ca = files.ca.certificatePem;
    const h2 = createHttp2Client(port, ca);
    const h1 = createHttp1Client(port, ca, 2);
    clients.push(h2, h1);
    const statuses: number[] = [];
    const review = (seq: number) => JSON.stringify(generatePod(`secret-${seq}`, seq).review);
    const preview = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      ...generatePod('preview', 1).pod,
    });
    for (const client of [h2, h1]) {
      const send = async (spec: Parameters<Client['send']>[0]) =>
        statuses.push((await client.send(spec)).status);
      await send({ path: '/mutate', body: review(1) });
      // The apiserver can be configured to send a token to webhooks (kubeconfig in AdmissionConfiguration).
      await send({
        path: '/mutate',
        body: review(2),
        headers: { authorization: `Bearer ${tokens.apiserver}` },
      });
      await send({ path: '/mutate', body: '{"kind":"AdmissionReview","request":' });
      await send({
        path: '/preview',
        body: preview,
        headers: { authorization: `Bearer ${tokens.preview}` },
      });
      await send({
        path: '/preview',
        body: preview,
        headers: { authorization: `Bearer ${tokens.wrong}` },
      });
      await send({ path: '/preview', body: preview });
      await send({ path: '/readyz' });
    }
    assert.deepEqual(
      statuses,
      [200, 200, 400, 200, 401, 401, 200, 200, 200, 400, 200, 401, 401, 200],
    );

    let counts = reloadCounts(await fetchMetrics(port, ca));
    await files.rotateCertificate();
    await waitForReload(port, ca, 'tlsSuccess', counts.tlsSuccess);
    await files.writeMismatchedPair();
    await waitForReload(port, ca, 'tlsFailure', counts.tlsFailure);
    counts = reloadCounts(await fetchMetrics(port, ca));
    await files.rotateCertificate();
    await waitForReload(port, ca, 'tlsSuccess', counts.tlsSuccess);
    await files.writePolicy(INVALID_POLICY_YAML);
    await waitForReload(port, ca, 'policyFailure', counts.policyFailure);
    await files.writePolicy(POLICY_YAML.B);
    await waitForReload(port, ca, 'policySuccess', counts.policySuccess);
    assert.equal((await h2.send({ path: '/mutate', body: review(3) })).status, 200);
    metricsText = (await fetchMetrics(port, ca)).text;
  } finally {
    for (const client of clients) client.close();
    serve.child.kill('SIGTERM');
    await serve.exited;
  }
  return { output: serve.output(), metricsText };
}

describe('no secret in logs or metrics', () => {
  it('writes no private key, certificate, bearer token or Authorization header to its trace-level log or its metrics during admissions, previews, certificate rotation and policy reloads', async (t) => {
    const files = await createWebhookFiles(POLICY_YAML.A);
    try {
      const tokens: Tokens = {
        preview: randomBytes(24).toString('base64url'),
        wrong: `wrong-${randomBytes(18).toString('base64url')}`,
        apiserver: `apiserver-${randomBytes(18).toString('base64url')}`,
        file: join(files.dir, 'preview-token'),
      };
      await writeFile(tokens.file, `${tokens.preview}\n`);
      const { output, metricsText } = await runScenario(files, tokens);
      const secrets: [string, string][] = [
        ['PEM private key header', 'PRIVATE KEY'],
        ['PEM certificate header', 'BEGIN CERTIFICATE'],
        ['preview token', tokens.preview],
        ['rejected preview token', tokens.wrong],
        ['token sent by the apiserver', tokens.apiserver],
        ['an Authorization header value', 'Bearer '],
        ...files.issued.flatMap((issued, index) =>
          keyForms(issued).map((form): [string, string] => [`key #${index}`, form]),
        ),
        ...keyForms(files.ca).map((form): [string, string] => ['CA key', form]),
      ];
      const found = secrets
        .filter(([, secret]) => output.includes(secret) || metricsText.includes(secret))
        .map(([what]) => what);
      const lines = output.split('\n').filter(Boolean);
      const levels = new Set(lines.map((line) => /"level":"(\w+)"/.exec(line)?.[1]));
      t.diagnostic(
        `figures ${JSON.stringify({ logLines: lines.length, logBytes: output.length, levels: [...levels], metricsBytes: metricsText.length, secretFormsSearched: secrets.length, found: found.length })}`,
      );
      // The run did what it claims, so the search is not vacuous.
      for (const message of [
        'admission reviewed',
        'serving certificate reloaded',
        'new TLS files refused; still serving the previous certificate',
        'new policy refused; keeping the previous policy',
        'policy reloaded',
        'request answered with an error',
      ]) {
        assert.ok(output.includes(`"msg":"${message}"`), `log has "${message}"`);
      }
      assert.ok(metricsText.includes('harbor_image_webhook_reloads_total'));
      assert.deepEqual(found, [], 'secrets found in the log or /metrics');
    } finally {
      await files.remove();
    }
  });
});
