/**
 * `harbor-image-webhook inventory` run as a child process, as users run it:
 * the failures a user meets before any cluster answers (no kubeconfig, an
 * unreachable or forbidding server, bad arguments) give one line and an exit
 * code, never a stack. The real apiserver's answers are in
 * test/e2e/inventory.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIXTURE_POLICY_FILE } from '../helpers/fixtures.ts';
import { CLI_SOURCE } from '../helpers/serve-process.ts';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runInventory(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_SOURCE, 'inventory', ...args],
      { env, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A kubeconfig for `server`; a plain-HTTP test server needs client-node's skip-verify flag. */
function kubeconfigFor(server: string): string {
  const plain = server.startsWith('http:');
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'c', cluster: { server, ...(plain ? { 'insecure-skip-tls-verify': true } : {}) } },
    ],
    users: [{ name: 'u', user: { token: 'not-a-secret' } }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'shop' } }],
    'current-context': 'x',
  });
}

describe('inventory on the command line, before a cluster answers', () => {
  let dir: string;
  let forbidding: Server;
  let forbiddingUrl: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hiw-inventory-'));
    // HOME without ~/.kube/config, no KUBECONFIG, not in a Pod.
    env = { PATH: process.env['PATH'], HOME: dir };
    forbidding = createServer((_request, response) => {
      response.writeHead(403, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          kind: 'Status',
          code: 403,
          message: 'namespaces "shop" is forbidden: User "u" cannot list resource "namespaces"',
        }),
      );
    });
    await new Promise<void>((resolve) => forbidding.listen(0, '127.0.0.1', resolve));
    const address = forbidding.address();
    assert.ok(address !== null && typeof address === 'object');
    forbiddingUrl = `http://127.0.0.1:${address.port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => forbidding.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('says how to give a kubeconfig when there is none, with exit code 3', async () => {
    const run = await runInventory(['--config', FIXTURE_POLICY_FILE], env);
    assert.equal(run.code, 3);
    assert.equal(
      run.stderr,
      'harbor-image-webhook inventory: no kubeconfig found: set KUBECONFIG, pass --kubeconfig FILE, or create ~/.kube/config\n',
    );
    assert.equal(run.stdout, '');
  });

  it('names the server it cannot reach, with exit code 4 and no stack', async () => {
    const file = join(dir, 'closed.json');
    // Port 9 (discard) on loopback: nothing listens in a test environment.
    await writeFile(file, kubeconfigFor('https://127.0.0.1:9'));
    const run = await runInventory(['--config', FIXTURE_POLICY_FILE], { ...env, KUBECONFIG: file });
    assert.equal(run.code, 4);
    assert.match(
      run.stderr,
      /^harbor-image-webhook inventory: cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\); is the cluster running, and is this the right context\?\n$/,
    );
  });

  it('says which permission is missing when the server forbids the list, with exit code 4', async () => {
    const file = join(dir, 'forbidding.json');
    await writeFile(file, kubeconfigFor(forbiddingUrl));
    const run = await runInventory(['--config', FIXTURE_POLICY_FILE, '--kubeconfig', file], env);
    assert.equal(run.code, 4);
    assert.match(
      run.stderr,
      /^harbor-image-webhook inventory: forbidden to list namespaces on http:\/\/127\.0\.0\.1:\d+ \(HTTP 403: namespaces "shop" is forbidden: User "u" cannot list resource "namespaces"\); inventory needs list on namespaces and pods\n$/,
    );
  });

  it('reports a missing policy file before touching the cluster, with exit code 4 (I/O)', async () => {
    const run = await runInventory(['--config', join(dir, 'missing.yaml')], env);
    assert.equal(run.code, 4);
    assert.match(run.stderr, /missing\.yaml/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  const usage: { args: string[]; message: RegExp }[] = [
    { args: [], message: /--config is required/ },
    { args: ['--config', 'p.yaml', '-n', 'shop', '-A'], message: /-n NAMESPACE and -A go apart/ },
    { args: ['--config', 'p.yaml', '-o', 'yaml'], message: /-o must be one of table, json/ },
    {
      args: ['--config', 'p.yaml', '--opt-in-label', 'team/harbor=audit'],
      message: /reserved for audit mode/,
    },
  ];
  for (const c of usage) {
    it(`refuses ${JSON.stringify(c.args)} with usage and exit code 2`, async () => {
      const run = await runInventory(c.args, env);
      assert.equal(run.code, 2);
      assert.match(run.stderr, c.message);
      assert.match(run.stderr, /usage: harbor-image-webhook inventory/);
    });
  }

  it('prints its help, with an example, and exits 0', async () => {
    const run = await runInventory(['--help'], env);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /usage: harbor-image-webhook inventory --config FILE/);
    assert.match(
      run.stdout,
      /Examples:\n {2}\$ harbor-image-webhook inventory --config policy\.yaml -A/,
    );
  });
});
