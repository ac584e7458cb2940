import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundLogString, LOG_STRING_LIMIT } from '../../src/server/log-text.ts';

describe('boundLogString', () => {
  it('returns a short string without control characters as it is', () => {
    const name = 'web-7d9c8b5f4-x2x9k';
    assert.equal(boundLogString(name), name);
  });

  it('escapes newlines, carriage returns, NUL, ESC, DEL and line separators', () => {
    assert.equal(
      boundLogString('a\nb\rc\u0000d\u001be\u007ff\u2028g'),
      'a\\u000ab\\u000dc\\u0000d\\u001be\\u007ff\\u2028g',
    );
  });

  it('cuts a long string to the limit and notes the original length', () => {
    const bounded = boundLogString('x'.repeat(1024 * 1024));
    assert.equal(bounded, `${'x'.repeat(LOG_STRING_LIMIT)}…(1048576 chars)`);
  });

  it('counts escapes against the limit and never ends in half an escape', () => {
    const bounded = boundLogString('\n'.repeat(100));
    assert.ok(bounded.length <= LOG_STRING_LIMIT + '…(100 chars)'.length);
    assert.match(bounded, /^(\\u000a)+…\(100 chars\)$/);
  });

  it('never ends in half a surrogate pair', () => {
    const bounded = boundLogString(`${'x'.repeat(LOG_STRING_LIMIT - 1)}😀tail`);
    assert.equal(bounded, `${'x'.repeat(LOG_STRING_LIMIT - 1)}…(${LOG_STRING_LIMIT + 5} chars)`);
  });
});
