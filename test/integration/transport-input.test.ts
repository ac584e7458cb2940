/**
 * Malformed or unusual transport input, on HTTP/1.1 and HTTP/2 alike: an empty
 * body, a body without a content type (HTTP/2 clients often send neither a
 * type nor a length), and a wrong method on a known path. Each gets a clear
 * 4xx, never a 500, and a body is never dropped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadJsonFixture } from '../helpers/fixtures.ts';
import { send, type HttpResponse } from '../helpers/https-client.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const message = (response: HttpResponse) =>
  (JSON.parse(response.body) as { message: string }).message;

for (const http2 of [false, true]) {
  describe(`transport input over ${http2 ? 'HTTP/2' : 'HTTP/1.1'}`, () => {
    let test: TestServer;
    before(async () => {
      test = await startTestServer();
    });
    after(() => test.close());

    const post = (path: string, body: string | undefined, headers: Record<string, string>) =>
      send(test.port, path, {
        ca: test.ca.certificatePem,
        method: 'POST',
        headers,
        http2,
        ...(body === undefined ? {} : { body }),
      });

    for (const path of ['/mutate', '/preview']) {
      it(`${path} with content-length 0 and no content type gets 400 "body is empty"`, async () => {
        const response = await post(path, undefined, { 'content-length': '0' });
        assert.equal(response.status, 400, response.body);
        assert.equal(message(response), 'body is empty');
      });

      it(`${path} with an empty JSON body gets 400 "body is empty"`, async () => {
        const response = await post(path, '', { 'content-type': 'application/json' });
        assert.equal(response.status, 400, response.body);
        assert.equal(message(response), 'body is empty');
      });
    }

    it('/mutate reads a body sent without a content type', async () => {
      const response = await post(
        '/mutate',
        JSON.stringify(loadJsonFixture('pod-create-v1.json')),
        {},
      );
      assert.equal(response.status, 200, response.body);
      assert.equal((JSON.parse(response.body) as { kind: string }).kind, 'AdmissionReview');
    });

    it('/preview reads a body sent without a content type, as it does with one', async () => {
      const manifest =
        'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: a, image: nginx}]}\n';
      const bare = await post('/preview', manifest, {});
      const typed = await post('/preview', manifest, { 'content-type': 'application/yaml' });
      assert.equal(bare.status, 200, bare.body);
      assert.deepEqual(JSON.parse(bare.body), JSON.parse(typed.body));
    });

    const wrongMethods = [
      { method: 'GET', path: '/mutate', allow: 'POST' },
      { method: 'PUT', path: '/preview', allow: 'POST' },
      { method: 'POST', path: '/healthz', allow: 'GET, HEAD' },
      { method: 'DELETE', path: '/metrics', allow: 'GET, HEAD' },
    ];
    for (const { method, path, allow } of wrongMethods) {
      it(`${method} ${path} gets 405 with Allow: ${allow}`, async () => {
        const response = await send(test.port, path, { ca: test.ca.certificatePem, method, http2 });
        assert.equal(response.status, 405, response.body);
        assert.equal(response.headers['allow'], allow);
        assert.match(message(response), new RegExp(`${method} is not allowed`));
      });
    }

    it('an unknown path still gets 404', async () => {
      const response = await send(test.port, '/nowhere', { ca: test.ca.certificatePem, http2 });
      assert.equal(response.status, 404);
    });

    it('no request of these got a 500', () => {
      assert.doesNotMatch(test.logs.join('\n'), /"statusCode":5\d\d/);
    });
  });
}
