/**
 * No log line carries a key twice (issue 15, item 14): pino writes a key bound
 * by a child logger and given again (by another child or on the line) twice,
 * and log pipelines then keep the first, the last, or drop the line. Every
 * server these suites start checks its lines on close (test-server.ts); this
 * test drives the paths that log the most, namespace-aware serving included.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadJsonFixture } from '../helpers/fixtures.ts';
import { postJson, send } from '../helpers/https-client.ts';
import { linesWithDuplicateKeys } from '../helpers/log-lines.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.ts';

/** A kubeconfig for an apiserver that is not there: every list fails and is logged. */
const UNREACHABLE_CLUSTER = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`;

describe('log lines', () => {
  let test: TestServer;
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hiw-log-keys-'));
    await writeFile(join(dir, 'kubeconfig'), UNREACHABLE_CLUSTER);
    test = await startTestServer({
      config: { namespaceAware: true, kubeconfig: join(dir, 'kubeconfig') },
    });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hold each key once, namespace-aware lines included', async () => {
    const ca = test.ca.certificatePem;
    await postJson(test.port, '/mutate', loadJsonFixture('pod-create-v1.json'), { ca });
    await postJson(test.port, '/mutate', { kind: 'AdmissionReview' }, { ca });
    await send(test.port, '/preview', { ca, method: 'POST', body: 'kind: Pod\nspec: 7' });
    await send(test.port, '/mutate', { ca });
    await waitFor(() => test.logs.some((line) => line.includes('"component"')), 10_000);
    const lines = [...test.logs];
    await test.close();
    assert.ok(lines.length >= 5, lines.join('\n'));
    assert.deepEqual(linesWithDuplicateKeys([...lines, ...test.logs]), []);
  });
});
