/**
 * Generated hostile bodies against the real HTTPS server: every one gets a
 * 4xx with a message, and the server stays up and keeps answering.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadJsonFixture } from '../helpers/fixtures.ts';
import { openHttp2, send, sendOnSession } from '../helpers/https-client.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const RUNS = 300;

const review = () =>
  loadJsonFixture<Record<string, unknown> & { request: Record<string, unknown> }>(
    'pod-create-v1.json',
  );

/** Bodies that are not a usable AdmissionReview, by category. */
const hostileBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.string({ maxLength: 200 }).map((text) => Buffer.from(text)),
  fc
    .jsonValue()
    .filter((value) => typeof value !== 'object' || value === null || !('request' in value))
    .map((value) => Buffer.from(JSON.stringify(value))),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc
    .integer({ min: 1000, max: 100_000 })
    .map((depth) => Buffer.from('['.repeat(depth) + ']'.repeat(depth))),
  fc
    .integer({ min: 1000, max: 20_000 })
    .map((depth) => Buffer.from('{"a":'.repeat(depth) + '1' + '}'.repeat(depth))),
  fc
    .constantFrom(
      '{"__proto__": {"polluted": 1}}',
      '{"constructor": {"prototype": {"polluted": 1}}}',
      '{"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "request": {"__proto__": {}}}',
    )
    .map((text) => Buffer.from(text)),
  fc.constantFrom(
    Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    Buffer.from('{"kind":"AdmissionReview","x":"\ud800"}'),
  ),
  fc
    .record({
      uid: fc.oneof(fc.constant(undefined), fc.constant(''), fc.integer(), fc.constant(null)),
      operation: fc.oneof(fc.constant('PATCH'), fc.integer(), fc.constant(undefined)),
      resource: fc.oneof(fc.constant('pods'), fc.constant(null), fc.constant(undefined)),
    })
    .map((broken) =>
      Buffer.from(JSON.stringify({ ...review(), request: { ...review().request, ...broken } })),
    ),
  fc
    .oneof(fc.constant('nginx'), fc.constant({}), fc.constant([1]), fc.constant([null]))
    .map((containers) => {
      const body = review();
      (body.request['object'] as { spec: Record<string, unknown> }).spec['containers'] = containers;
      return Buffer.from(JSON.stringify(body));
    }),
  fc
    .integer({ min: 100_000, max: 1_000_000 })
    .map((size) => Buffer.from(JSON.stringify({ ...review(), kind: 'x'.repeat(size) }))),
);

describe('hostile bodies against the real server', () => {
  let test: TestServer;
  before(async () => {
    test = await startTestServer();
  });
  after(async () => {
    await test.close();
  });

  it(`answers ${RUNS} generated malformed /mutate bodies with a 4xx and stays up`, async () => {
    const session = await openHttp2(test.port, test.ca.certificatePem);
    let cases = 0;
    try {
      await fc.assert(
        fc.asyncProperty(hostileBody, async (body) => {
          cases++;
          const response = await sendOnSession(session, '/mutate', {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/json' },
          });
          assert.ok(
            response.status >= 400 && response.status < 500,
            `status ${response.status} for ${body.subarray(0, 80).toString('utf8')}`,
          );
          assert.ok((JSON.parse(response.body) as { message: string }).message.length > 0);
        }),
        { numRuns: RUNS },
      );
    } finally {
      session.close();
    }
    assert.equal(cases, RUNS);
    assert.equal((await send(test.port, '/healthz', { ca: test.ca.certificatePem })).status, 200);
  });

  it(`answers ${RUNS} generated malformed /preview bodies with a 4xx and stays up`, async () => {
    const yamlish = fc.oneof(
      hostileBody,
      fc
        .constantFrom(
          'a: 1\na: 2\nkind: Pod',
          'kind: Pod\nkind: Job',
          '- [',
          '!!binary zzz',
          '%YAML 9.9\n---\nkind: Pod',
          '{"images": "nginx"}',
          'kind: Deployment\nspec: {template: {spec: {containers: 7}}}',
        )
        .map((text) => Buffer.from(text)),
    );
    const session = await openHttp2(test.port, test.ca.certificatePem);
    try {
      await fc.assert(
        fc.asyncProperty(yamlish, async (body) => {
          const response = await sendOnSession(session, '/preview', {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/yaml' },
          });
          assert.ok(
            response.status === 200 || (response.status >= 400 && response.status < 500),
            `status ${response.status}`,
          );
          if (response.status === 200) {
            // Some random text is a valid manifest (a bare mapping with a kind); it must then be a real answer.
            assert.ok(
              'results' in (JSON.parse(response.body) as object) ||
                'images' in (JSON.parse(response.body) as object),
            );
          }
        }),
        { numRuns: RUNS },
      );
    } finally {
      session.close();
    }
    assert.equal((await send(test.port, '/healthz', { ca: test.ca.certificatePem })).status, 200);
  });

  it('refuses duplicate keys in a YAML or JSON preview', async () => {
    const response = await send(test.port, '/preview', {
      ca: test.ca.certificatePem,
      method: 'POST',
      body: '{"kind": "Pod", "kind": "Job"}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.status, 400);
    assert.match(response.body, /unique/i);
  });
});
