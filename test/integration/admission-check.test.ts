// scripts/admission-check.ts, the chart's `helm test` program, run as a child process with the
// Node 24 that runs the tests (the image's Node) against the real HTTPS server, as the test Pod
// runs it against the Service.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { issueLocalCertificateAuthority } from '../helpers/local-certificate.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const script = fileURLToPath(new URL('../../scripts/admission-check.ts', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runCheck(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Writes the server's CA where the test Pod finds ca.crt of the TLS Secret. */
async function caFileOf(server: TestServer): Promise<string> {
  const file = join(server.dir, 'ca.crt');
  await writeFile(file, server.ca.certificatePem);
  return file;
}

describe('admission-check (helm test) against the real server', () => {
  let server: TestServer;
  let caFile: string;
  /** The options the chart passes, with `overrides` replacing or adding some. */
  const args = (overrides: Record<string, string>): string[] =>
    Object.entries({
      url: `https://localhost:${server.port}`,
      'ca-file': caFile,
      'harbor-host': 'harbor.example.com',
      namespace: 'harbor-system',
      image: 'nginx:1.25',
      ...overrides,
    }).flatMap(([name, value]) => [`--${name}`, value]);

  before(async () => {
    server = await startTestServer();
    caFile = await caFileOf(server);
  });
  after(() => server.close());

  it('passes when the patch rewrites the image to the Harbor host, and prints the rewrite', async () => {
    const run = await runCheck(args({}));
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /admission-check passed against https:\/\/localhost:\d+: nginx:1\.25 -> harbor\.example\.com\/dockerhub-proxy\/library\/nginx:1\.25/,
    );
  });

  it('connects to the ClusterIP the kubelet puts in <SERVICE>_SERVICE_HOST, still verifying the host name', async () => {
    const viaEnv = await runCheck(args({}), { LOCALHOST_SERVICE_HOST: '127.0.0.1' });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.match(viaEnv.stdout, /\(127\.0\.0\.1 from LOCALHOST_SERVICE_HOST\)/);
    // An address nothing listens on proves the variable, not the name, chose where to connect.
    const elsewhere = await runCheck(args({}), { LOCALHOST_SERVICE_HOST: '127.0.0.2' });
    assert.equal(elsewhere.code, 1);
    assert.match(elsewhere.stderr, /127\.0\.0\.2 from LOCALHOST_SERVICE_HOST.*ECONNREFUSED/);
  });

  it('passes when the rewrite is exactly the expected image', async () => {
    const expected = 'harbor.example.com/ghcr-proxy/org/app:2';
    const run = await runCheck(args({ image: 'ghcr.io/org/app:2', expect: expected }));
    assert.equal(run.code, 0, run.stderr);
  });

  it('fails with exit 1 when the rewrite differs from the expected image', async () => {
    const run = await runCheck(args({ expect: 'harbor.example.com/x/y:1' }));
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /expected harbor\.example\.com\/x\/y:1, the webhook answered harbor\.example\.com\/dockerhub-proxy\/library\/nginx:1\.25/,
    );
  });

  it('fails with exit 1 and names tests.image when no rule rewrites the image', async () => {
    const run = await runCheck(args({ image: 'example.org/team/app:1' }));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /left example\.org\/team\/app:1 unchanged: no rule .*tests\.image/);
  });

  it('fails with exit 1 when the image lands on another host than policy.harbor.host', async () => {
    const run = await runCheck(args({ 'harbor-host': 'harbor.other.example' }));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /not to harbor\.other\.example/);
  });

  it('fails with exit 1 when the serving certificate is not signed by the given CA', async () => {
    const otherCa = join(server.dir, 'other-ca.crt');
    await writeFile(otherCa, issueLocalCertificateAuthority('another CA').certificatePem);
    const run = await runCheck(args({ 'ca-file': otherCa }));
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /admission-check failed against https:\/\/localhost:\d+: .*certificate/i,
    );
  });

  it('fails with exit 1 and one line, no stack, when the CA file is missing', async () => {
    const run = await runCheck(args({ 'ca-file': '/nonexistent/ca.crt' }));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /ENOENT.*\/nonexistent\/ca\.crt/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  it('exits 2 with usage when an option is missing, unknown or the URL is not one', async () => {
    const missing = await runCheck(['--url', `https://localhost:${server.port}`]);
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /--url, --ca-file, --image and --harbor-host are required\nusage:/,
    );
    const badUrl = await runCheck(args({ url: 'not a url' }));
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.stderr, /--url not a url is not a URL/);
    const unknown = await runCheck(args({ imgae: 'nginx' }));
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /imgae.*\nusage:/);
    assert.doesNotMatch(unknown.stderr, /\n\s+at /);
  });
});

describe('admission-check (helm test) against a server requiring client certificates', () => {
  let server: TestServer;
  let caFile: string;

  before(async () => {
    const dir = await startTestServer();
    // A CA for clients that this test never presents a certificate of.
    const clientCaFile = join(dir.dir, 'client-ca.crt');
    await writeFile(clientCaFile, issueLocalCertificateAuthority('client CA').certificatePem);
    server = await startTestServer({ config: { clientCaFile } });
    await dir.close();
    caFile = await caFileOf(server);
  });
  after(() => server.close());

  const args = (...extra: string[]): string[] => [
    ...['--url', `https://localhost:${server.port}`, '--ca-file', caFile],
    ...['--harbor-host', 'harbor.example.com', '--image', 'nginx:1.25'],
    ...extra,
  ];

  it('passes with --client-certificate-required: /readyz answers, /mutate refuses it', async () => {
    const run = await runCheck(args('--client-certificate-required'));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\/mutate refuses a client without a certificate/);
  });

  it('fails without that flag, naming the HTTP 401 of /mutate', async () => {
    const run = await runCheck(args());
    assert.equal(run.code, 1);
    assert.match(run.stderr, /\/mutate answered HTTP 401/);
  });
});
