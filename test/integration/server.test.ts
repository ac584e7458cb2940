import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import type { ClientHttp2Session } from 'node:http2';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { loadJsonFixture } from '../helpers/fixtures.ts';
import { openHttp2, postJson, send, sendOnSession } from '../helpers/https-client.ts';
import { issueLocalCertificate } from '../helpers/local-certificate.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.ts';

type Review = {
  apiVersion: string;
  kind: string;
  request: { uid: string; object: Record<string, unknown> };
};
type ReviewResponse = {
  apiVersion: string;
  kind: string;
  response: {
    uid: string;
    allowed: boolean;
    patch?: string;
    patchType?: string;
    warnings?: string[];
  };
};

const fixture = () => loadJsonFixture<Review>('pod-create-v1.json');

function decodePatch(response: ReviewResponse): Operation[] {
  return JSON.parse(
    Buffer.from(response.response.patch ?? '', 'base64').toString('utf8'),
  ) as Operation[];
}

describe('the webhook over real HTTPS', () => {
  let test: TestServer;
  before(async () => {
    test = await startTestServer();
  });
  after(async () => {
    await test.close();
  });

  for (const http2 of [false, true]) {
    const protocol = http2 ? 'HTTP/2' : 'HTTP/1.1';
    it(`answers an AdmissionReview over ${protocol} with a patch that applies`, async () => {
      const review = fixture();
      const response = await postJson(test.port, '/mutate', review, {
        ca: test.ca.certificatePem,
        http2,
      });
      assert.equal(response.status, 200);
      assert.equal(response.protocol, http2 ? 'h2' : 'http/1.1');
      const body = JSON.parse(response.body) as ReviewResponse;
      assert.equal(body.apiVersion, 'admission.k8s.io/v1');
      assert.equal(body.response.uid, review.request.uid);
      assert.equal(body.response.patchType, 'JSONPatch');
      const pod = fastJsonPatch.applyPatch(review.request.object, decodePatch(body), true, false)
        .newDocument as {
        spec: { containers: { image: string }[] };
      };
      assert.equal(
        pod.spec.containers[0]?.image,
        'harbor.example.com/dockerhub-proxy/library/nginx:1.25',
      );
    });
  }

  it('answers a v1beta1 review in v1beta1', async () => {
    const review = { ...fixture(), apiVersion: 'admission.k8s.io/v1beta1' };
    const response = await postJson(test.port, '/mutate', review, { ca: test.ca.certificatePem });
    assert.equal(
      (JSON.parse(response.body) as ReviewResponse).apiVersion,
      'admission.k8s.io/v1beta1',
    );
  });

  const malformed: {
    name: string;
    body: string;
    headers?: Record<string, string>;
    message: RegExp;
  }[] = [
    { name: 'a body that is not JSON', body: '{"kind": ', message: /not valid JSON/ },
    { name: 'an empty body', body: '', message: /empty/ },
    {
      name: 'JSON that is not an AdmissionReview',
      body: '{"hello": "world"}',
      message: /kind must be "AdmissionReview"/,
    },
    {
      name: 'a review without request.uid',
      body: JSON.stringify({ ...fixture(), request: { ...fixture().request, uid: undefined } }),
      message: /request.uid/,
    },
    {
      name: 'a prototype-pollution body',
      body: '{"__proto__": {"polluted": true}}',
      message: /forbidden prototype property/,
    },
    {
      name: 'a body sent as text/plain',
      body: 'garbage',
      headers: { 'content-type': 'text/plain' },
      message: /not valid JSON/,
    },
  ];
  for (const c of malformed) {
    it(`answers ${c.name} with a 400 that says what is wrong`, async () => {
      const response = await postJson(test.port, '/mutate', c.body, {
        ca: test.ca.certificatePem,
        ...(c.headers ? { headers: c.headers } : {}),
      });
      assert.equal(response.status, 400);
      const body = JSON.parse(response.body) as { statusCode: number; message: string };
      assert.equal(body.statusCode, 400);
      assert.match(body.message, c.message);
    });
  }

  it('answers a body over 3 MiB with 413', async () => {
    const huge = JSON.stringify({ ...fixture(), padding: 'x'.repeat(3 * 1024 * 1024) });
    const response = await postJson(test.port, '/mutate', huge, { ca: test.ca.certificatePem });
    assert.equal(response.status, 413);
  });

  it('answers an unknown route with 404', async () => {
    const response = await send(test.port, '/nope', { ca: test.ca.certificatePem });
    assert.equal(response.status, 404);
  });

  it('reports liveness, readiness and Prometheus metrics without image names', async () => {
    assert.equal((await send(test.port, '/healthz', { ca: test.ca.certificatePem })).status, 200);
    const ready = await send(test.port, '/readyz', { ca: test.ca.certificatePem });
    assert.equal(ready.status, 200);
    const metrics = await send(test.port, '/metrics', { ca: test.ca.certificatePem });
    assert.match(
      metrics.body,
      /harbor_image_webhook_admission_reviews_total\{operation="CREATE",outcome="mutated"\} \d+/,
    );
    assert.match(
      metrics.body,
      /harbor_image_webhook_image_decisions_total\{outcome="rewritten"\} \d+/,
    );
    assert.match(
      metrics.body,
      /harbor_image_webhook_http_request_duration_seconds_bucket\{le="0\.005",route="\/mutate"\}/,
    );
    assert.doesNotMatch(metrics.body, /nginx|ghcr\.io|shop/);
  });

  it('refuses TLS 1.1 clients', async () => {
    const error = await new Promise<Error | undefined>((resolve) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: test.port,
        ca: test.ca.certificatePem,
        maxVersion: 'TLSv1.1',
        minVersion: 'TLSv1',
      });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('error', resolve);
    });
    assert.ok(error, 'a TLS 1.1 handshake must fail');
  });

  it('logs one line per admission with uid and namespace, and never key material', async () => {
    await postJson(test.port, '/mutate', fixture(), { ca: test.ca.certificatePem });
    const line = test.logs.find((entry) => entry.includes('"admission reviewed"'));
    assert.ok(line);
    const record = JSON.parse(line) as Record<string, unknown>;
    assert.equal(record['uid'], '0df28fbd-5f5f-11e8-bc74-36e6bb280816');
    assert.equal(record['namespace'], 'shop');
    assert.equal(record['operation'], 'CREATE');
    assert.ok(
      !test.logs.some(
        (entry) => entry.includes('PRIVATE KEY') || entry.includes('BEGIN CERTIFICATE'),
      ),
    );
  });
});

/**
 * One /mutate on HTTP/2, retried once on a fresh session when the server
 * refused the stream (REFUSED_STREAM or GOAWAY: not processed, so safe to
 * retry), as Go's HTTP/2 client, the apiserver's, does.
 */
async function sendRetryingRefused(
  liveSession: () => Promise<ClientHttp2Session>,
  onRetry: () => void,
) {
  const request = async () =>
    sendOnSession(await liveSession(), '/mutate', {
      method: 'POST',
      body: JSON.stringify(fixture()),
      headers: { 'content-type': 'application/json' },
    });
  try {
    return await request();
  } catch (error) {
    const code = (error as { code?: string }).code;
    const refused = /REFUSED_STREAM/.test(String(error)) || code === 'ERR_HTTP2_GOAWAY_SESSION';
    if (!refused) throw error;
    onRetry();
    return request();
  }
}

describe('reloading certificate and policy from disk', () => {
  let test: TestServer;
  before(async () => {
    test = await startTestServer();
  });
  after(async () => {
    await test.close();
  });

  it('swaps a rotated certificate without a restart while requests keep flowing over HTTP/2 and HTTP/1.1', async () => {
    const first = new X509Certificate(
      await import('node:fs/promises').then((fs) => fs.readFile(test.files.cert)),
    ).fingerprint256;
    let failures = 0;
    let answered = 0;
    let goaways = 0;
    let retried = 0;
    let running = true;
    // Like the apiserver's Go client: after GOAWAY, the next request opens a new session.
    let session = await openHttp2(test.port, test.ca.certificatePem);
    const sessionsSeen = new Set([session]);
    const liveSession = async () => {
      if (session.closed || session.destroyed || (session.state.remoteWindowSize ?? 1) < 0) {
        session = await openHttp2(test.port, test.ca.certificatePem);
      }
      if (!sessionsSeen.has(session)) sessionsSeen.add(session);
      return session;
    };
    session.on('goaway', () => goaways++);
    const load = (async () => {
      // Bounded: at most 2000 requests or until the rotation is seen.
      for (let i = 0; running && i < 2000; i++) {
        const viaHttp2 = i % 2 === 0;
        const response = viaHttp2
          ? await sendRetryingRefused(liveSession, () => retried++)
          : await postJson(test.port, '/mutate', fixture(), { ca: test.ca.certificatePem });
        if (response.status === 200) answered++;
        else failures++;
      }
    })();
    const rotated = await test.rotateCertificate();
    const expected = new X509Certificate(rotated.certificatePem).fingerprint256;
    await waitFor(
      async () =>
        (await send(test.port, '/healthz', { ca: test.ca.certificatePem }))
          .certificateFingerprint === expected,
    );
    await waitFor(() => goaways > 0);
    running = false;
    await load;
    for (const opened of sessionsSeen) opened.close();
    assert.notEqual(first, expected);
    assert.equal(failures, 0);
    assert.ok(answered > 0);
    assert.equal(goaways, 1, 'the session open during the reload is moved to the new certificate');
    assert.ok(
      retried <= 1,
      `at most the one stream crossing the GOAWAY is refused, got ${retried}`,
    );
    assert.ok(test.logs.some((entry) => entry.includes('serving certificate reloaded')));
  });

  it('keeps the previous certificate when the new files do not match', async () => {
    const current = (await send(test.port, '/healthz', { ca: test.ca.certificatePem }))
      .certificateFingerprint;
    const other = issueLocalCertificate(test.ca);
    await writeFile(test.files.cert, other.certificatePem); // key left as it was: a mismatched pair
    await waitFor(() => test.logs.some((entry) => entry.includes('new TLS files refused')));
    assert.equal(
      (await send(test.port, '/healthz', { ca: test.ca.certificatePem })).certificateFingerprint,
      current,
    );
  });

  it('reloads a changed policy and keeps the previous one when the new one is invalid', async () => {
    await writeFile(
      test.files.policy,
      'harbor: {host: harbor.other.io}\nrules: [{match: "docker.io/**", project: hub}]\n',
    );
    await waitFor(() => test.server.state.policy.harborHost === 'harbor.other.io');
    const response = await postJson(test.port, '/mutate', fixture(), {
      ca: test.ca.certificatePem,
    });
    const patch = decodePatch(JSON.parse(response.body) as ReviewResponse);
    assert.ok(
      patch.some(
        (operation) =>
          'value' in operation && operation.value === 'harbor.other.io/hub/library/nginx:1.25',
      ),
    );
    await writeFile(test.files.policy, 'harbor: {host: "not a host"}\n');
    await waitFor(() => test.logs.some((entry) => entry.includes('new policy refused')));
    assert.equal(test.server.state.policy.harborHost, 'harbor.other.io');
  });
});

describe('bytes that are not UTF-8', () => {
  let test: TestServer;
  before(async () => {
    test = await startTestServer();
  });
  after(async () => {
    await test.close();
  });

  it('answers a /mutate body with invalid UTF-8 inside a string with a 400, not a decoded guess', async () => {
    const valid = Buffer.from(JSON.stringify(fixture()));
    const at = valid.indexOf('nginx:1.25');
    const body = Buffer.concat([
      valid.subarray(0, at),
      Buffer.from([0xff, 0xfe]),
      valid.subarray(at),
    ]);
    const raw = await send(test.port, '/mutate', {
      ca: test.ca.certificatePem,
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(raw.status, 400);
    assert.match(raw.body, /not valid UTF-8/);
  });
});
