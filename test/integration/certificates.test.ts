import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  decideRenewal,
  issueCertificateAuthority,
  issueServingCertificate,
  KeyAlgorithm,
  renewCertificates,
  type RenewalRequest,
  type TlsSecretData,
} from '../../src/certificates/index.ts';

const script = fileURLToPath(new URL('../../scripts/cert-bootstrap.ts', import.meta.url));

type Handshake = { verified: true; body: string } | { verified: false; code: string };

/** Serves `credentials` on 127.0.0.1 for the duration of `use`, then closes every connection. */
async function withHttpsServer<T>(
  credentials: { cert: string; key: string },
  use: (port: number) => Promise<T>,
): Promise<T> {
  const server = createServer(credentials, (_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await use((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** A GET that verifies the server against `ca`, as `servername` or, without one, as the IP 127.0.0.1. */
function get(port: number, ca: string, servername?: string): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const options = {
      host: '127.0.0.1',
      port,
      ca,
      agent: false,
      ...(servername === undefined ? {} : { servername }),
    };
    const outgoing = request(options, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ verified: true, body }));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === undefined) reject(error);
      else resolve({ verified: false, code: error.code });
    });
    outgoing.setTimeout(5000, () => outgoing.destroy(new Error('handshake timed out')));
    outgoing.end();
  });
}

const names = {
  commonName: 'svc.ns.svc',
  dnsNames: ['svc', 'svc.ns', 'svc.ns.svc', 'svc.ns.svc.cluster.local'],
  ipAddresses: ['127.0.0.1'],
};

for (const keyAlgorithm of Object.values(KeyAlgorithm)) {
  describe(`a real TLS handshake with a ${keyAlgorithm} serving certificate`, () => {
    const ca = issueCertificateAuthority({
      commonName: 'handshake-ca',
      validityDays: 30,
      keyAlgorithm,
    });
    const serving = issueServingCertificate(ca, { ...names, validityDays: 10, keyAlgorithm });
    const otherCa = issueCertificateAuthority({
      commonName: 'handshake-ca',
      validityDays: 30,
      keyAlgorithm,
    });
    const credentials = { cert: serving.certificatePem, key: serving.privateKeyPem };

    it('a client trusting the CA verifies the server as svc.ns.svc', async () => {
      const result = await withHttpsServer(credentials, (port) =>
        get(port, ca.certificatePem, 'svc.ns.svc'),
      );
      assert.deepEqual(result, { verified: true, body: 'ok' });
    });

    it('a client trusting the CA verifies the server by its IP address 127.0.0.1', async () => {
      const result = await withHttpsServer(credentials, (port) => get(port, ca.certificatePem));
      assert.deepEqual(result, { verified: true, body: 'ok' });
    });

    it('a name the certificate does not carry is refused', async () => {
      const result = await withHttpsServer(credentials, (port) =>
        get(port, ca.certificatePem, 'other.ns.svc'),
      );
      assert.deepEqual(result, { verified: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    });

    it('a client trusting another CA with the same name refuses the server', async () => {
      const result = await withHttpsServer(credentials, (port) =>
        get(port, otherCa.certificatePem, 'svc.ns.svc'),
      );
      assert.deepEqual(result, { verified: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    });
  });
}

describe('a real TLS handshake across a CA rotation', () => {
  // Real time, because the handshake checks validity against the real clock:
  // a 40-day CA is outside a 30-day window and inside a 45-day one.
  const wanted = (renewBeforeDays: number): RenewalRequest => ({
    ...names,
    keyAlgorithm: KeyAlgorithm.ecdsaP256,
    validityDays: 365,
    caValidityDays: 40,
    renewBeforeDays,
    now: new Date(),
  });
  const written = (stored: Partial<TlsSecretData>, request: RenewalRequest): TlsSecretData => {
    const plan = renewCertificates(stored, request);
    assert.notEqual(plan.action, 'keep');
    return (plan as { data: TlsSecretData }).data;
  };
  const old = written({}, wanted(30));
  const rotated = written(old, wanted(45));
  const serve = (data: TlsSecretData) => ({ cert: data['tls.crt'], key: data['tls.key'] });

  it('the rotation really made a new CA and kept the old one in the bundle', () => {
    assert.equal(decideRenewal(old, wanted(45)).action, 'rotate-ca');
    assert.ok(rotated['ca.crt'].endsWith(old['ca.crt']));
  });

  it('the new bundle verifies the server while it still presents the old certificate', async () => {
    const result = await withHttpsServer(serve(old), (port) =>
      get(port, rotated['ca.crt'], 'svc.ns.svc'),
    );
    assert.equal(result.verified, true);
  });

  it('the new bundle verifies the server once it presents the new certificate', async () => {
    const result = await withHttpsServer(serve(rotated), (port) =>
      get(port, rotated['ca.crt'], 'svc.ns.svc'),
    );
    assert.equal(result.verified, true);
  });

  it('the old CA alone does not verify the new certificate, which is why both stay in the bundle', async () => {
    const result = await withHttpsServer(serve(rotated), (port) =>
      get(port, old['ca.crt'], 'svc.ns.svc'),
    );
    assert.deepEqual(result, { verified: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('a serving certificate from a CA outside the bundle fails verification', async () => {
    const stranger = written({}, wanted(30));
    const result = await withHttpsServer(serve(stranger), (port) =>
      get(port, rotated['ca.crt'], 'svc.ns.svc'),
    );
    assert.deepEqual(result, { verified: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });
});

/**
 * Runs the bootstrap script with the Node running the tests (Node 24, TypeScript type stripping).
 * A run still going after 20 s is killed (code null): no command may hang.
 */
function runBootstrap(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('cert-bootstrap local, end to end', () => {
  let directory = '';
  let outDir = '';
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'cert-bootstrap-'));
    outDir = join(directory, 'certs');
  });
  after(() => rm(directory, { recursive: true, force: true }));

  const files = ['ca.crt', 'ca.key', 'tls.crt', 'tls.key'];
  const snapshot = () =>
    Promise.all(
      files.map(async (file) => ({
        file,
        content: await readFile(join(outDir, file), 'utf8'),
        mtimeMs: (await stat(join(outDir, file))).mtimeMs,
      })),
    );

  it('the first run writes ca.crt, ca.key, tls.crt and tls.key, keys readable by the owner only', async () => {
    const run = await runBootstrap(['local', '--out-dir', outDir]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { action: string; written: boolean; reason: string };
    assert.deepEqual([summary.action, summary.written], ['rotate-ca', true]);
    // A first run says so; it does not list the missing files as if something were broken.
    assert.equal(summary.reason, 'nothing stored yet: a first CA and serving certificate');
    assert.doesNotMatch(run.stdout, /PRIVATE KEY/);
    for (const file of files) {
      const mode = (await stat(join(outDir, file))).mode & 0o777;
      assert.equal(mode, file.endsWith('.key') ? 0o600 : 0o644, `${file} mode ${mode.toString(8)}`);
    }
  });

  it('the second run keeps every file exactly as it was', async () => {
    const first = await snapshot();
    const run = await runBootstrap(['local', '--out-dir', outDir]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { action: string }).action, 'keep');
    assert.deepEqual(await snapshot(), first);
  });

  it('the written files serve TLS that verifies as localhost and as 127.0.0.1 against ca.crt', async () => {
    const [cert, key, ca] = await Promise.all(
      ['tls.crt', 'tls.key', 'ca.crt'].map((file) => readFile(join(outDir, file), 'utf8')),
    );
    const results = await withHttpsServer({ cert: cert!, key: key! }, async (port) => [
      await get(port, ca!, 'localhost'),
      await get(port, ca!),
    ]);
    assert.deepEqual(results, [
      { verified: true, body: 'ok' },
      { verified: true, body: 'ok' },
    ]);
  });

  it('asking for other names reissues the serving certificate from the same CA', async () => {
    const caBefore = await readFile(join(outDir, 'ca.crt'), 'utf8');
    const run = await runBootstrap([
      'local',
      '--out-dir',
      outDir,
      '--dns',
      'webhook.test',
      '--ip',
      '127.0.0.1',
      '--ip',
      '::1',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { action: string }).action, 'reissue-serving');
    assert.equal(await readFile(join(outDir, 'ca.crt'), 'utf8'), caBefore);
  });
});

describe('cert-bootstrap exit codes', { concurrency: true }, () => {
  it('a usage error exits 2 and prints the usage on stderr', async () => {
    const run = await runBootstrap(['create', '--namespace', 'ns']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^cert-bootstrap: --secret-name is required\n/);
    // The usage of the command the user ran, not of all of them.
    assert.match(run.stderr, /Usage: cert-bootstrap create --namespace NS/);
    assert.equal(run.stdout, '');
  });

  it('--help exits 0 and prints the usage on stdout', async () => {
    const run = await runBootstrap(['--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Usage: cert-bootstrap <command>/);
  });

  it('an --out-dir that cannot be created exits 4 at once naming the path, instead of spinning', async () => {
    // Node's recursive mkdir loops forever at full CPU on a missing path under /proc.
    for (const outDir of ['/proc/harbor-image-webhook-test', '/proc/no/such/dir']) {
      const started = performance.now();
      const run = await runBootstrap(['local', '--out-dir', outDir]);
      assert.equal(run.code, 4, `${outDir}: ${run.stderr}`);
      assert.ok(performance.now() - started < 10_000, `${outDir} took too long`);
      assert.match(
        run.stderr,
        /^cert-bootstrap local: cannot create output directory "\/proc\/\S+": no such file or directory\n/,
      );
      assert.equal(run.stdout, '');
    }
  });

  it('an --out-dir below a file exits 4 naming the path', async () => {
    const run = await runBootstrap(['local', '--out-dir', `${script}/certs`]);
    assert.equal(run.code, 4, run.stderr);
    assert.match(
      run.stderr,
      /^cert-bootstrap local: cannot (read|create) (output directory|certificate file) "\S+cert-bootstrap\.ts/,
    );
  });

  it('a failure exits 1 with one message on stderr', async () => {
    const run = await runBootstrap([
      'create',
      '--namespace',
      'ns',
      '--secret-name',
      's',
      '--service',
      'svc',
      '--kubeconfig',
      '/nonexistent/kubeconfig',
    ]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^cert-bootstrap create: cannot load Kubernetes client configuration from \/nonexistent\/kubeconfig: ENOENT/,
    );
  });

  it('an unreachable apiserver is a failure, not a crash', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'cert-bootstrap-kubeconfig-'));
    try {
      const kubeconfig = join(directory, 'kubeconfig');
      // Port 1 on loopback refuses connections at once.
      await writeFile(
        kubeconfig,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
          users: [{ name: 'u', user: { token: 't' } }],
          contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
          'current-context': 'x',
        }),
      );
      const run = await runBootstrap([
        'patch',
        '--namespace',
        'ns',
        '--secret-name',
        's',
        '--webhook-name',
        'w',
        '--kubeconfig',
        kubeconfig,
      ]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^cert-bootstrap patch: cannot read Secret ns\/s: .*ECONNREFUSED/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
