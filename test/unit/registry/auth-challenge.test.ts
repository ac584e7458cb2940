import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseChallenge, parseAuthChallenges } from '../../../src/registry/auth-challenge.ts';

describe('WWW-Authenticate challenges', () => {
  const cases: {
    name: string;
    header: string;
    expected: ReturnType<typeof parseAuthChallenges>;
  }[] = [
    {
      name: 'a Harbor Bearer challenge with realm, service and scope',
      header:
        'Bearer realm="https://harbor.example.com/service/token",service="harbor-registry",scope="repository:p/app:pull"',
      expected: [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://harbor.example.com/service/token',
            service: 'harbor-registry',
            scope: 'repository:p/app:pull',
          },
        },
      ],
    },
    {
      name: 'a quoted scope holding a comma stays one value',
      header: 'Bearer realm="https://r/t",scope="repository:a/b:pull,push",service="s"',
      expected: [
        {
          scheme: 'bearer',
          params: { realm: 'https://r/t', scope: 'repository:a/b:pull,push', service: 's' },
        },
      ],
    },
    {
      name: 'escaped quotes and backslashes in a quoted value',
      header: 'Basic realm="say \\"hi\\" \\\\ there"',
      expected: [{ scheme: 'basic', params: { realm: 'say "hi" \\ there' } }],
    },
    {
      name: 'case-insensitive scheme and parameter names, spaces around = and commas',
      header: 'BEARER Realm = "https://r/t" ,  Service=registry.docker.io',
      expected: [
        { scheme: 'bearer', params: { realm: 'https://r/t', service: 'registry.docker.io' } },
      ],
    },
    {
      name: 'two challenges in one header',
      header: 'Basic realm="harbor", Bearer realm="https://r/t",service="s"',
      expected: [
        { scheme: 'basic', params: { realm: 'harbor' } },
        { scheme: 'bearer', params: { realm: 'https://r/t', service: 's' } },
      ],
    },
    {
      name: 'an unterminated quote keeps what came before it',
      header: 'Bearer service="s",realm="https://r/t',
      expected: [{ scheme: 'bearer', params: { service: 's' } }],
    },
    { name: 'an empty header has no challenge', header: '', expected: [] },
    {
      name: 'a scheme without parameters',
      header: 'Negotiate',
      expected: [{ scheme: 'negotiate', params: {} }],
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      assert.deepEqual(parseAuthChallenges(testCase.header), testCase.expected);
    });
  }

  it('prefers Bearer to Basic, and Basic to anything else', () => {
    const challenges = parseAuthChallenges(
      'Negotiate, Basic realm="x", Bearer realm="https://r/t"',
    );
    assert.equal(chooseChallenge(challenges)?.scheme, 'bearer');
    assert.equal(
      chooseChallenge(parseAuthChallenges('Negotiate, Basic realm="x"'))?.scheme,
      'basic',
    );
    assert.equal(chooseChallenge(parseAuthChallenges('Negotiate')), undefined);
  });
});
