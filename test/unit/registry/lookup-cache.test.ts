import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RegistryLookup } from '../../../src/core/registry-lookup.ts';
import { cacheLifetime, LookupCache } from '../../../src/registry/lookup-cache.ts';
import { readTokenResponse, TokenCache } from '../../../src/registry/token-cache.ts';

const found: RegistryLookup = { status: 'found', digest: 'sha256:abc', cached: false };
const missing: RegistryLookup = { status: 'missing', detail: 'HTTP 404', cached: false };
const unavailable: RegistryLookup = { status: 'unavailable', reason: 'connection refused' };

function cacheAt(cacheSeconds: number): { cache: LookupCache; advance: (seconds: number) => void } {
  let now = 5_000_000;
  const cache = new LookupCache({ cacheSeconds, budgetBytes: 1 << 20, now: () => now });
  return { cache, advance: (seconds) => (now += seconds * 1000) };
}

describe('lookup cache policy', () => {
  it('keeps found fresh for cacheSeconds, then stale for as long again, then forgets it', () => {
    const { cache, advance } = cacheAt(300);
    cache.set('k', found);
    assert.deepEqual(cache.get('k'), {
      lookup: { ...found, cached: true },
      stale: false,
      refresh: false,
    });
    advance(299.9);
    assert.equal(cache.get('k')?.stale, false);
    advance(0.2);
    assert.equal(cache.get('k')?.stale, true);
    advance(299.8);
    assert.equal(cache.get('k')?.stale, true);
    advance(0.2);
    assert.equal(cache.get('k'), undefined);
  });

  it('keeps missing for at most 30 s, and never stale', () => {
    const { cache, advance } = cacheAt(300);
    cache.set('k', missing);
    assert.deepEqual(cache.get('k')?.lookup, { ...missing, cached: true });
    advance(30);
    assert.equal(cache.get('k'), undefined);
    assert.deepEqual(cacheLifetime('missing', 10), { fresh: 10, stale: 0 });
  });

  it('keeps unavailable for 2 s only, saying so in the reason', () => {
    const { cache, advance } = cacheAt(300);
    cache.set('k', unavailable);
    assert.deepEqual(cache.get('k')?.lookup, {
      status: 'unavailable',
      reason: 'connection refused (remembered for 2 s)',
    });
    advance(2);
    assert.equal(cache.get('k'), undefined);
  });

  it('an unavailable refresh keeps a found result servable and holds the next refresh for 2 s', () => {
    const { cache, advance } = cacheAt(60);
    cache.set('k', found);
    advance(61);
    assert.equal(cache.get('k')?.refresh, true);
    cache.set('k', unavailable);
    assert.deepEqual(cache.get('k'), {
      lookup: { ...found, cached: true },
      stale: true,
      refresh: false,
    });
    advance(2);
    assert.equal(cache.get('k')?.refresh, true);
  });

  it('a missing refresh replaces a found result: the image was deleted', () => {
    const { cache, advance } = cacheAt(60);
    cache.set('k', found);
    advance(61);
    cache.set('k', missing);
    assert.equal(cache.get('k')?.lookup.status, 'missing');
  });

  it('cacheSeconds 0 keeps nothing', () => {
    const { cache } = cacheAt(0);
    for (const lookup of [found, missing, unavailable]) cache.set('k', lookup);
    assert.equal(cache.get('k'), undefined);
    assert.equal(cache.size, 0);
  });

  it('stays within its byte budget, dropping the least recently used', () => {
    const cache = new LookupCache({ cacheSeconds: 300, budgetBytes: 4000, now: () => 0 });
    for (let index = 0; index < 100; index++) cache.set(`harbor.example.com/p/app:${index}`, found);
    assert.ok(cache.size < 100 && cache.size > 0);
    assert.notEqual(cache.get('harbor.example.com/p/app:99'), undefined);
    assert.equal(cache.get('harbor.example.com/p/app:0'), undefined);
  });
});

describe('token cache', () => {
  it('keeps a token until expires_in minus 10 s of slack, counted from issued_at', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const tokens = new TokenCache(() => now);
    tokens.set('repository:p/a:pull', {
      token: 't',
      expiresInSeconds: 300,
      issuedAtMs: now - 60_000,
    });
    now += 229_000;
    assert.equal(tokens.get('repository:p/a:pull'), 't');
    now += 1000;
    assert.equal(tokens.get('repository:p/a:pull'), undefined);
  });

  it('uses 60 s without expires_in, and never trusts an issued_at in the future', () => {
    let now = 1_000_000;
    const tokens = new TokenCache(() => now);
    tokens.set('s', { token: 't', issuedAtMs: now + 3_600_000 });
    now += 49_000;
    assert.equal(tokens.get('s'), 't');
    now += 1000;
    assert.equal(tokens.get('s'), undefined);
  });

  it('does not keep a token that is already as good as expired', () => {
    const tokens = new TokenCache(() => 0);
    tokens.set('s', { token: 't', expiresInSeconds: 5 });
    assert.equal(tokens.size, 0);
  });

  it('reads token or access_token, expires_in and issued_at from a token response', () => {
    assert.deepEqual(
      readTokenResponse({ token: 'a', expires_in: 300, issued_at: '2026-01-01T00:00:00Z' }),
      {
        token: 'a',
        expiresInSeconds: 300,
        issuedAtMs: Date.parse('2026-01-01T00:00:00Z'),
      },
    );
    assert.deepEqual(readTokenResponse({ access_token: 'b' }), { token: 'b' });
    assert.deepEqual(
      readTokenResponse({ token: '', access_token: 'c', expires_in: -1, issued_at: 'x' }),
      { token: 'c' },
    );
    assert.equal(readTokenResponse({ expires_in: 300 }), undefined);
    assert.equal(readTokenResponse('token'), undefined);
  });
});
