/**
 * Expected failures, as the user meets them: one message saying what failed,
 * where and how to fix it, the documented exit code, and never a stack.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIXTURE_POLICY_FILE } from '../../helpers/fixtures.ts';
import { runCli } from '../../helpers/serve-process.ts';

const BUNDLE = new URL('../../../examples/bundle.yaml', import.meta.url).pathname;
const STACK_LINE = /\n\s+at /;

/** One message, one optional hint line, no stack. */
function assertOneMessage(stderr: string, message: RegExp): void {
  assert.match(stderr, message);
  assert.doesNotMatch(stderr, STACK_LINE);
  assert.ok(stderr.trimEnd().split('\n').length <= 3, stderr);
}

describe('expected failures', { concurrency: true }, () => {
  let directory = '';
  let holder: Server;
  let heldPort = 0;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'hiw-cli-failures-'));
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    heldPort = (holder.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((resolve) => holder.close(resolve));
    await rm(directory, { recursive: true, force: true });
  });

  it('a missing policy file: exit 4, the one form of every missing file', async () => {
    const result = await runCli(['preview', '--config', 'no-such-policy.yaml', '-f', BUNDLE]);
    assert.equal(result.code, 4);
    assertOneMessage(
      result.stderr,
      /^harbor-image-webhook preview: cannot read policy file "no-such-policy\.yaml": no such file or directory\n {2}hint: check the path; relative paths start at \//,
    );
  });

  it('a directory given as a file: exit 4, saying so', async () => {
    const result = await runCli(['preview', '--config', FIXTURE_POLICY_FILE, '-f', directory]);
    assert.equal(result.code, 4);
    assertOneMessage(result.stderr, /cannot read manifest "[^"]+": it is a directory, not a file/);
  });

  it('a bad policy: exit 3, every problem with file, line, column and field', async () => {
    const file = join(directory, 'bad-policy.yaml');
    await writeFile(file, 'harbor:\n  hots: h.io\nrules:\n  - match: "docker.io/**"\n');
    const result = await runCli(['preview', '--config', file, '-f', BUNDLE]);
    assert.equal(result.code, 3);
    assert.match(result.stderr, new RegExp(`${file}: line 1, column 1: harbor\\.host is required`));
    assert.match(
      result.stderr,
      new RegExp(`${file}: line 2, column 3: harbor\\.hots: unknown field; did you mean "host"\\?`),
    );
    assert.match(
      result.stderr,
      new RegExp(`${file}: line 4, column 5: rules\\[0\\]\\.project is required`),
    );
    assert.doesNotMatch(result.stderr, /Invalid input/);
    assert.doesNotMatch(result.stderr, STACK_LINE);
  });

  it('--config and -f swapped: the hint says so', async () => {
    const result = await runCli(['preview', '-f', FIXTURE_POLICY_FILE, '--config', BUNDLE]);
    assert.equal(result.code, 3);
    assert.match(
      result.stderr,
      /\n {2}hint: this is a Kubernetes Deployment manifest, not a policy: --config takes the policy file \(were --config and -f swapped\?\)/,
    );
    assert.doesNotMatch(result.stderr, STACK_LINE);
  });

  it('a port in use: exit 4, the address and what to do', async () => {
    const result = await runCli([
      'serve',
      '--config',
      FIXTURE_POLICY_FILE,
      '--port',
      String(heldPort),
    ]);
    assert.equal(result.code, 4);
    assertOneMessage(
      result.stderr,
      new RegExp(
        `^harbor-image-webhook serve: cannot listen on 127\\.0\\.0\\.1:${heldPort}: the address is already in use\\n  hint: .*--port`,
      ),
    );
  });

  it('a certificate and key that are not PEM: exit 3, naming both flags', async () => {
    const cert = join(directory, 'tls.crt');
    const key = join(directory, 'tls.key');
    await writeFile(cert, 'not a certificate');
    await writeFile(key, 'not a key');
    const result = await runCli([
      'serve',
      '--config',
      FIXTURE_POLICY_FILE,
      '--port',
      '0',
      '--tls-cert',
      cert,
      '--tls-key',
      key,
    ]);
    assert.equal(result.code, 3);
    assertOneMessage(
      result.stderr,
      /^harbor-image-webhook serve: --tls-cert "[^"]+tls\.crt", --tls-key "[^"]+tls\.key": the certificate is not a PEM X\.509 certificate\n {2}hint: /,
    );
  });

  it('a missing certificate file: exit 4, in the same form as every missing file', async () => {
    const result = await runCli([
      'serve',
      '--config',
      FIXTURE_POLICY_FILE,
      '--port',
      '0',
      '--tls-cert',
      '/nonexistent/tls.crt',
      '--tls-key',
      '/nonexistent/tls.key',
    ]);
    assert.equal(result.code, 4);
    assertOneMessage(
      result.stderr,
      /^harbor-image-webhook serve: cannot read --tls-(cert|key) file "\/nonexistent\/tls\.(crt|key)": no such file or directory\n {2}hint: check the path\n$/,
    );
  });

  it('a manifest that does not parse: exit 1, the document and line', async () => {
    const result = await runCli(
      ['preview', '--config', FIXTURE_POLICY_FILE, '-f', '-'],
      'kind: Pod\n---\nkind: [',
    );
    assert.equal(result.code, 1);
    assertOneMessage(result.stderr, /^harbor-image-webhook preview: stdin: document 2, line \d+/);
  });
});
