import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIXTURE_POLICY_FILE } from '../helpers/fixtures.ts';
import { send } from '../helpers/https-client.ts';
import { runCli } from '../helpers/serve-process.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const BUNDLE_FILE = new URL('../../examples/bundle.yaml', import.meta.url).pathname;
const bundle = readFileSync(BUNDLE_FILE, 'utf8');

describe('POST /preview over HTTPS', () => {
  let test: TestServer;
  before(async () => {
    test = await startTestServer();
  });
  after(async () => {
    await test.close();
  });

  const post = (
    body: string,
    contentType: string,
    path = '/preview',
    headers: Record<string, string> = {},
  ) =>
    send(test.port, path, {
      ca: test.ca.certificatePem,
      method: 'POST',
      body,
      headers: { 'content-type': contentType, ...headers },
    });

  for (const contentType of ['application/yaml', 'text/yaml', 'application/x-yaml']) {
    it(`accepts a multi-document bundle as ${contentType}`, async () => {
      const response = await post(bundle, contentType);
      assert.equal(response.status, 200);
      const body = JSON.parse(response.body) as { results: { kind: string }[] };
      assert.deepEqual(
        body.results.map((result) => result.kind),
        ['Deployment', 'Service', 'CronJob', 'StatefulSet'],
      );
    });
  }

  it('accepts JSON and sets the namespace from ?namespace= for objects without one', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'a', image: 'nginx' }] },
    };
    const response = await post(
      JSON.stringify(pod),
      'application/json',
      '/preview?namespace=team-a',
    );
    assert.equal(response.status, 200);
    assert.equal(
      (JSON.parse(response.body) as { results: { namespace: string }[] }).results[0]?.namespace,
      'team-a',
    );
  });

  it('answers malformed YAML with a 400 naming the document and line', async () => {
    const response = await post('kind: Pod\n---\nkind: [', 'application/yaml');
    assert.equal(response.status, 400);
    assert.match(
      (JSON.parse(response.body) as { message: string }).message,
      /document 2, line \d+/,
    );
  });

  it('answers an invalid namespace parameter with a 400', async () => {
    const response = await post(bundle, 'application/yaml', '/preview?namespace=Not_Valid');
    assert.equal(response.status, 400);
  });
});

describe('POST /preview with a bearer token', () => {
  let test: TestServer;
  before(async () => {
    const tokenFile = join(process.env['TMPDIR'] ?? '/tmp', `hiw-token-${process.pid}`);
    await writeFile(tokenFile, 's3cr3t-token\n');
    test = await startTestServer({ config: { previewTokenFile: tokenFile } });
  });
  after(async () => {
    await test.close();
  });

  const post = (authorization?: string) =>
    send(test.port, '/preview', {
      ca: test.ca.certificatePem,
      method: 'POST',
      body: bundle,
      headers: {
        'content-type': 'application/yaml',
        ...(authorization === undefined ? {} : { authorization }),
      },
    });

  it('refuses a request without the token with 401', async () => {
    const response = await post();
    assert.equal(response.status, 401);
    assert.match(String(response.headers['www-authenticate']), /Bearer/);
  });

  it('refuses a wrong token with 401', async () => {
    assert.equal((await post('Bearer s3cr3t-tokem')).status, 401);
  });

  it('accepts the right token', async () => {
    assert.equal((await post('Bearer s3cr3t-token')).status, 200);
  });

  it('never logs the token', () => {
    assert.ok(!test.logs.some((line) => line.includes('s3cr3t')));
  });
});

describe('harbor-image-webhook preview (CLI)', () => {
  it('prints the same JSON body as the endpoint', async () => {
    const result = await runCli(['preview', '--config', FIXTURE_POLICY_FILE, '-f', BUNDLE_FILE]);
    assert.equal(result.code, 0);
    const body = JSON.parse(result.stdout) as { results: { kind: string; patch: unknown[] }[] };
    assert.equal(body.results.length, 4);
    assert.ok((body.results[0]?.patch.length ?? 0) > 0);
  });

  it('reads stdin with -f - and prints YAML with -o yaml', async () => {
    const result = await runCli(
      ['preview', '--config', FIXTURE_POLICY_FILE, '-f', '-', '-o', 'yaml'],
      bundle,
    );
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^results:\n/);
  });

  it('prints a unified diff without colour when not on a terminal', async () => {
    const result = await runCli([
      'preview',
      '--config',
      FIXTURE_POLICY_FILE,
      '-f',
      BUNDLE_FILE,
      '-o',
      'diff',
    ]);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^--- a\/Deployment\/shop\/web$/m);
    assert.match(
      result.stdout,
      /^\+ {10}image: harbor\.example\.com\/dockerhub-proxy\/library\/nginx:1\.25$/m,
    );
    assert.match(result.stdout, /# Service\/shop\/web: no changes/);
    assert.ok(!result.stdout.includes('\u001b['), 'no ANSI colour codes when not on a terminal');
  });

  it('exits 1 on bad input with the document and line', async () => {
    const result = await runCli(
      ['preview', '--config', FIXTURE_POLICY_FILE, '-f', '-'],
      'kind: Pod\n---\nkind: [\n',
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /stdin: document 2, line \d+/);
  });

  it('exits 4 when the manifest file does not exist, in the one form of every missing file', async () => {
    const result = await runCli([
      'preview',
      '--config',
      FIXTURE_POLICY_FILE,
      '-f',
      '/nonexistent.yaml',
    ]);
    assert.equal(result.code, 4);
    assert.match(
      result.stderr,
      /^harbor-image-webhook preview: cannot read manifest "\/nonexistent\.yaml": no such file or directory\n {2}hint: check the path\n$/,
    );
  });

  it('exits 3 on a bad policy', async () => {
    const result = await runCli(['preview', '--config', BUNDLE_FILE, '-f', BUNDLE_FILE]);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /bundle\.yaml: /);
  });

  it('exits 2 on a bad output format', async () => {
    const result = await runCli([
      'preview',
      '--config',
      FIXTURE_POLICY_FILE,
      '-f',
      BUNDLE_FILE,
      '-o',
      'table',
    ]);
    assert.equal(result.code, 2);
  });
});
