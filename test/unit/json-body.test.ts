import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonBody } from '../../src/server/json-body.ts';

const parse = (text: string) => parseJsonBody(Buffer.from(text));

describe('parseJsonBody', () => {
  it('parses a plain JSON body', () => {
    assert.deepEqual(parse('{"kind":"AdmissionReview","n":[1,2]}'), {
      ok: true,
      value: { kind: 'AdmissionReview', n: [1, 2] },
    });
  });

  it('refuses poisoned keys however they are spelled', () => {
    for (const text of [
      '{"__proto__": {"polluted": 1}}',
      '{"a": {"\\u005f_proto__": {"polluted": 1}}}',
      '{"\\u005F\\u005Fproto\\u005F\\u005F": {}}',
      '{"constructor": {"prototype": {"polluted": 1}}}',
      '{"\\u0063onstructor": {"prototype": {}}}',
    ]) {
      const result = parse(text);
      assert.equal(result.ok, false, text);
      assert.match(result.ok ? '' : result.problem, /not valid JSON/, text);
    }
  });

  it('keeps the words and escapes where they are harmless', () => {
    const text = '{"image":"constructor:1","note":"__proto__ \\u0041","constructor":"x"}';
    assert.deepEqual(parse(text), {
      ok: true,
      value: { image: 'constructor:1', note: '__proto__ A', constructor: 'x' },
    });
  });

  it('refuses bytes that are not UTF-8, an empty body and broken JSON', () => {
    assert.deepEqual(parseJsonBody(Buffer.from([0x7b, 0xff, 0x7d])), {
      ok: false,
      problem: 'body is not valid UTF-8',
    });
    assert.deepEqual(parse('  \n'), { ok: false, problem: 'body is empty' });
    assert.equal(parse('{"a":').ok, false);
  });
});
