import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { request } from 'node:https';
import { FIXTURE_POLICY_FILE, loadJsonFixture } from '../helpers/fixtures.ts';
import { runCli, spawnServe } from '../helpers/serve-process.ts';

/** A POST that does not verify the certificate: the self-signed one is made at start-up. */
function postInsecure(port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mutate',
        method: 'POST',
        rejectUnauthorized: false,
        headers: { 'content-type': 'application/json' },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `serve` on a free loopback port with the example policy and no certificate files. */
const LOCAL_SELF_SIGNED = ['--config', FIXTURE_POLICY_FILE, '--port', '0', '--host', '127.0.0.1'];

describe('harbor-image-webhook serve', () => {
  it('without certificates serves a self-signed one and says so in the log', async () => {
    const serve = await spawnServe(LOCAL_SELF_SIGNED);
    try {
      assert.match(serve.output(), /self-signed certificate, for local use only/);
      assert.equal(
        await postInsecure(serve.port, JSON.stringify(loadJsonFixture('pod-create-v1.json'))),
        200,
      );
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });

  it('on SIGTERM answers every request in flight, then exits 0 within 10 seconds', async () => {
    const serve = await spawnServe(LOCAL_SELF_SIGNED);
    const body = JSON.stringify(loadJsonFixture('pod-create-v1.json'));
    let firstAnswered: () => void = () => undefined;
    const firstAnswer = new Promise<void>((resolve) => (firstAnswered = resolve));
    const inFlight = Array.from({ length: 50 }, () =>
      postInsecure(serve.port, body).then(
        (status) => {
          firstAnswered();
          return status;
        },
        () => 0,
      ),
    );
    // Signal once the server is demonstrably taking requests, however slow the machine is.
    await firstAnswer;
    const signalledAt = Date.now();
    serve.child.kill('SIGTERM');
    const statuses = await Promise.all(inFlight);
    const code = await serve.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - signalledAt < 10_000);
    const answered = statuses.filter((status) => status === 200).length;
    const refused = statuses.filter((status) => status === 0).length;
    // A request the server took is answered in full (200, never a 503); only new connections are refused.
    assert.equal(answered + refused, statuses.length, JSON.stringify(statuses));
    assert.ok(answered > 0, `expected answered requests, got ${JSON.stringify(statuses)}`);
    assert.match(serve.output(), /"msg":"stopped"/);
  });

  it('refuses to start on a bad policy, naming the file, the field and the reason', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hiw-cli-'));
    try {
      const file = join(dir, 'policy.yaml');
      await writeFile(
        file,
        'harbor: {host: h.io}\nrules:\n- {match: "docker.io/**", project: Hub}\n',
      );
      const result = await runCli(['serve', '--config', file, '--port', '0']);
      assert.equal(result.code, 3);
      assert.match(
        result.stderr,
        new RegExp(
          `^harbor-image-webhook serve: ${file}: line 3, column 27: rules\\[0\\]\\.project: must be a Harbor project name`,
        ),
      );
      assert.match(result.stderr, /\n {2}hint: fix the policy file/);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses unknown flags with usage and exit code 2', async () => {
    const result = await runCli(['serve', '--config', FIXTURE_POLICY_FILE, '--prot', '1']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown flag --prot; did you mean --port\?/);
  });
});
