/**
 * /preview's limits against the real HTTPS server: what is refused before the
 * body is read, what each limit answers, and the worker thread's deadline and
 * policy reloads.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { examplePolicyYaml } from '../helpers/fixtures.ts';
import { send } from '../helpers/https-client.ts';
import { tinyDocuments, yamlFlowSequence } from '../helpers/preview-bodies.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.ts';

const MiB = 1024 * 1024;

/** Sends headers declaring `declaredBytes` and no body; resolves with the status, or 0 after 3 s. */
function statusWithoutBody(
  test: TestServer,
  headers: Record<string, string>,
  declaredBytes: number,
): Promise<number> {
  return new Promise((resolve) => {
    const outgoing = request({
      host: '127.0.0.1',
      port: test.port,
      path: '/preview',
      method: 'POST',
      ca: test.ca.certificatePem,
      agent: false,
      headers: {
        'content-type': 'application/yaml',
        'content-length': String(declaredBytes),
        ...headers,
      },
    });
    const timer = setTimeout(() => {
      outgoing.destroy();
      resolve(0);
    }, 3000);
    outgoing.on('response', (response) => {
      clearTimeout(timer);
      response.resume();
      outgoing.destroy();
      resolve(response.statusCode ?? 0);
    });
    outgoing.on('error', () => undefined);
    outgoing.flushHeaders();
  });
}

const preview = (test: TestServer, body: string, http2 = false) =>
  send(test.port, '/preview', {
    ca: test.ca.certificatePem,
    method: 'POST',
    body,
    http2,
    headers: { 'content-type': 'application/yaml', authorization: 'Bearer sesame' },
    timeoutMs: 30_000,
  });

const message = (body: string) => (JSON.parse(body) as { message: string }).message;

describe('/preview refuses before reading the body', () => {
  let test: TestServer;
  let tokenDir = '';
  before(async () => {
    tokenDir = await mkdtemp(join(tmpdir(), 'hiw-token-'));
    await writeFile(join(tokenDir, 'token'), 'sesame\n');
    test = await startTestServer({ config: { previewTokenFile: join(tokenDir, 'token') } });
  });
  after(async () => {
    await test.close();
    await rm(tokenDir, { recursive: true, force: true });
  });

  it('a request without the token gets 401 while its 8 MiB body is still unsent', async () => {
    assert.equal(await statusWithoutBody(test, {}, 8 * MiB - 1), 401);
  });

  it('a request declaring more than the body limit gets 413 before sending it', async () => {
    assert.equal(
      await statusWithoutBody(test, { authorization: 'Bearer sesame' }, 8 * MiB + 1),
      413,
    );
  });
});

describe('/preview limits', () => {
  let test: TestServer;
  before(async () => {
    test = await startTestServer();
  });
  after(() => test.close());

  it('more YAML documents than the limit get 413 naming it, at once', async () => {
    const started = performance.now();
    const response = await preview(test, '---\n'.repeat(2000));
    assert.equal(response.status, 413);
    assert.match(message(response.body), /more than 1000 documents/);
    assert.ok(performance.now() - started < 5000);
  });

  it('more objects than the limit get 413 naming it', async () => {
    const response = await preview(test, 'kind: ConfigMap\n---\n'.repeat(501));
    assert.equal(response.status, 413);
    assert.match(message(response.body), /more than 500 objects/);
  });

  it('YAML larger than its limit gets 413 naming the bytes, and JSON of that size is read', async () => {
    const yaml = await preview(test, tinyDocuments(3 * MiB));
    assert.equal(yaml.status, 413);
    assert.match(message(yaml.body), /more than 2097152 bytes of YAML/);
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [{ kind: 'ConfigMap', data: { big: 'x'.repeat(3 * MiB) } }],
    };
    const json = await preview(test, JSON.stringify(list));
    assert.equal(json.status, 200, json.body);
  });

  it('one YAML document of too many tokens gets 413 before it is built', async () => {
    const response = await preview(test, yamlFlowSequence(MiB));
    assert.equal(response.status, 413);
    assert.match(message(response.body), /more than 200000 YAML tokens/);
  });

  it('a body over the limit sent without a declared length gets 413 naming the limit', async () => {
    const response = await preview(test, tinyDocuments(9 * MiB), true);
    assert.equal(response.status, 413);
    assert.match(message(response.body), /larger than 8388608 bytes/);
  });

  it('duplicate keys in JSON are refused like in YAML', async () => {
    const response = await preview(test, '{"kind": "Pod", "metadata": {"name": "a", "name": "b"}}');
    assert.equal(response.status, 400);
    assert.match(message(response.body), /unique; "name" repeats/);
  });

  it('a reloaded policy is the one the preview worker uses', async () => {
    const image = '{"images": ["nginx"]}';
    const before = JSON.parse((await preview(test, image)).body) as {
      images: { result: string }[];
    };
    assert.match(before.images[0]!.result, /^harbor\.example\.com\//);
    await writeFile(
      test.files.policy,
      examplePolicyYaml.replace('harbor.example.com', 'harbor.other.io'),
    );
    await waitFor(() => test.server.state.policy.harborHost === 'harbor.other.io');
    const after = JSON.parse((await preview(test, image)).body) as { images: { result: string }[] };
    assert.match(after.images[0]!.result, /^harbor\.other\.io\//);
  });
});

describe('/preview deadline', () => {
  let test: TestServer;
  before(async () => {
    test = await startTestServer({
      config: { preview: { timeoutMs: 1000, maxDocuments: 1_000_000, maxObjects: 1_000_000 } },
    });
  });
  after(() => test.close());

  it('a preview past its deadline gets 413, and the next preview is answered by a new worker', async () => {
    const slow = await preview(test, tinyDocuments(2 * MiB - 1024));
    assert.equal(slow.status, 413);
    assert.match(message(slow.body), /longer than 1 s/);
    const next = await preview(test, '{"images": ["nginx"]}');
    assert.equal(next.status, 200, next.body);
  });
});
