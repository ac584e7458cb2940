// The metrics a scraper sees: build info, the serving certificate's expiry, Node's
// standard process metrics, and the optional plain-HTTP metrics port.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { parseServeArgs, UsageError } from '../../src/config/serve-config.ts';
import { loadJsonFixture } from '../helpers/fixtures.ts';
import { postJson, send } from '../helpers/https-client.ts';
import { issueLocalCertificate } from '../helpers/local-certificate.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.ts';
import { parseMetrics } from '../reliability/support/metrics.ts';

const packageVersion = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** One plain-HTTP request to 127.0.0.1:`port`. */
async function plainHttp(
  port: number,
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    ...(method === 'POST' ? { body: '{}' } : {}),
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

describe('metrics on the HTTPS port', () => {
  let test: TestServer;
  const scrape = async () =>
    parseMetrics((await send(test.port, '/metrics', { ca: test.ca.certificatePem })).body);
  before(async () => {
    test = await startTestServer();
  });
  after(async () => {
    await test.close();
  });

  it('exports build_info = 1 with the package and Node.js versions', async () => {
    const metrics = await scrape();
    assert.equal(
      metrics.value('harbor_image_webhook_build_info', {
        version: packageVersion,
        node_version: process.version,
      }),
      1,
    );
  });

  it('exports the default process and Node.js metrics under their standard, unprefixed names', async () => {
    const metrics = await scrape();
    for (const name of [
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
      'process_open_fds',
      'process_start_time_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      assert.match(metrics.text, new RegExp(`^${name} \\S+$`, 'm'), name);
    }
    assert.match(metrics.text, /^# TYPE nodejs_gc_duration_seconds histogram$/m);
    assert.doesNotMatch(metrics.text, /harbor_image_webhook_(process|nodejs)_/);
  });

  it('reports the serving certificate expiry, and the new one after a reload', async () => {
    const expiry = async () =>
      (await scrape()).value('harbor_image_webhook_tls_certificate_expiry_timestamp_seconds');
    const notAfterSeconds = (pem: string | Buffer) =>
      new Date(new X509Certificate(pem).validTo).getTime() / 1000;
    assert.equal(await expiry(), notAfterSeconds(readFileSync(test.files.cert)));
    const renewed = issueLocalCertificate(test.ca, 10);
    await writeFile(test.files.key, renewed.privateKeyPem);
    await writeFile(test.files.cert, renewed.certificatePem);
    const expected = notAfterSeconds(renewed.certificatePem);
    await waitFor(async () => (await expiry()) === expected);
    assert.ok(
      expected - Date.now() / 1000 < 11 * 86400,
      'the 10-day certificate is the one reported',
    );
  });
});

describe('the plain-HTTP metrics port (--metrics-port)', () => {
  let test: TestServer;
  before(async () => {
    test = await startTestServer({ config: { metricsPort: 0, metricsHost: '127.0.0.1' } });
    const review = loadJsonFixture('pod-create-v1.json');
    const answered = await postJson(test.port, '/mutate', review, { ca: test.ca.certificatePem });
    assert.equal(answered.status, 200);
  });
  after(async () => {
    await test.close();
  });

  it('serves the same metrics as the HTTPS port, without TLS', async () => {
    const port = test.server.metricsPort;
    assert.ok(port !== undefined && port !== test.port, 'a separate port was opened');
    const response = await plainHttp(port, '/metrics');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const metrics = parseMetrics(response.body);
    assert.ok(
      metrics.value('harbor_image_webhook_admission_reviews_total', {
        operation: 'CREATE',
        outcome: 'mutated',
      }) >= 1,
    );
    assert.match(response.body, /^harbor_image_webhook_build_info\{/m);
    assert.equal((await plainHttp(port, '/healthz')).status, 200);
    assert.equal((await plainHttp(port, '/metrics', 'HEAD')).status, 200);
  });

  it('serves nothing else: not /mutate, /preview or /readyz, and only GET or HEAD', async () => {
    const port = test.server.metricsPort ?? -1;
    for (const path of ['/mutate', '/preview', '/readyz', '/', '/metrics/x']) {
      assert.equal((await plainHttp(port, path, 'POST')).status, 404, path);
      assert.equal((await plainHttp(port, path)).status, 404, path);
    }
    const post = await plainHttp(port, '/metrics', 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });

  it('leaves /metrics on the HTTPS port too', async () => {
    const response = await send(test.port, '/metrics', { ca: test.ca.certificatePem });
    assert.equal(response.status, 200);
    assert.match(response.body, /^harbor_image_webhook_build_info\{/m);
  });

  it('stops with the server', async () => {
    const separate = await startTestServer({ config: { metricsPort: 0 } });
    const port = separate.server.metricsPort ?? -1;
    assert.equal((await plainHttp(port, '/healthz')).status, 200);
    await separate.close();
    await assert.rejects(plainHttp(port, '/healthz'), (error: Error) => {
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
      return true;
    });
  });
});

describe('serve --metrics-port and --metrics-host', () => {
  it('is off unless asked for', () => {
    const config = parseServeArgs(['--config', 'p.yaml']);
    assert.equal(config.metricsPort, undefined);
    assert.equal(config.metricsHost, undefined);
  });

  it('takes a port and an address', () => {
    const config = parseServeArgs([
      '--config',
      'p.yaml',
      '--metrics-port',
      '9090',
      '--metrics-host',
      '10.0.0.1',
    ]);
    assert.equal(config.metricsPort, 9090);
    assert.equal(config.metricsHost, '10.0.0.1');
  });

  it('refuses a bad port, the webhook port itself, and an address without a port', () => {
    for (const [args, message] of [
      [['--metrics-port', 'x'], /--metrics-port must be a whole number from 0 to 65535/],
      [['--metrics-port', '70000'], /--metrics-port must be a whole number/],
      [['--metrics-port', '8443'], /--metrics-port must differ from --port \(both are 8443\)/],
      [['--port', '9000', '--metrics-port', '9000'], /must differ from --port/],
      [['--metrics-host', '0.0.0.0'], /--metrics-host needs --metrics-port/],
    ] as const) {
      assert.throws(
        () => parseServeArgs(['--config', 'p.yaml', ...args]),
        (error: unknown) => {
          assert.ok(error instanceof UsageError);
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });
});
