/**
 * Request-derived strings in log lines are bounded and escaped: a review with
 * a 1 MiB name, a uid full of newlines or a 10 KiB URL writes short lines
 * with no control character in any field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LOG_STRING_LIMIT } from '../../src/server/log-text.ts';
import { loadJsonFixture } from '../helpers/fixtures.ts';
import { postJson, send } from '../helpers/https-client.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const MiB = 1024 * 1024;
/** The bound plus `…(N chars)`. */
const FIELD_BOUND = LOG_STRING_LIMIT + 32;

type Review = {
  request: Record<string, unknown> & {
    object: { metadata: Record<string, unknown>; spec: unknown };
  };
};

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(strings);
}

describe('log lines of hostile requests', () => {
  let test: TestServer;
  before(async () => {
    test = await startTestServer();
  });
  after(() => test.close());

  it('bounds and escapes every request-derived field', async () => {
    const ca = test.ca.certificatePem;
    const huge = loadJsonFixture<Review>('pod-create-v1.json');
    huge.request['name'] = 'x'.repeat(MiB);
    huge.request.object.metadata['name'] = 'x'.repeat(MiB);
    assert.equal((await postJson(test.port, '/mutate', huge, { ca })).status, 200);

    const forged = loadJsonFixture<Review>('pod-create-v1.json');
    forged.request['uid'] = `a\n{"level":"info","msg":"forged"}\r\u0000\u001b[31m`;
    forged.request['namespace'] = 'shop\nkube-system';
    assert.equal((await postJson(test.port, '/mutate', forged, { ca })).status, 200);

    const malformed = loadJsonFixture<Review>('pod-create-v1.json');
    malformed.request['name'] = `y\n`.repeat(MiB / 2);
    malformed.request.object.spec = { containers: 'z\n'.repeat(1000) };
    assert.equal((await postJson(test.port, '/mutate', malformed, { ca })).status, 400);

    assert.equal((await send(test.port, `/${'u%01%0A'.repeat(2000)}`, { ca })).status, 404);

    const lines = test.logs.filter((line) => /admission|request answered/.test(line));
    assert.ok(lines.length >= 4, lines.join('\n'));
    for (const line of lines) {
      assert.ok(line.length < 4096, `a line of ${line.length} characters: ${line.slice(0, 200)}`);
      for (const text of strings(JSON.parse(line))) {
        assert.ok(
          text.length <= FIELD_BOUND,
          `a field of ${text.length} characters: ${text.slice(0, 300)}`,
        );
        // eslint-disable-next-line no-control-regex -- control characters are what must not be there
        assert.doesNotMatch(text, /[\u0000-\u001f\u007f]/, `a control character in ${text}`);
      }
    }
    assert.ok(
      lines.some((line) => line.includes(`…(${MiB} chars)`)),
      'the original length is noted',
    );
  });
});
