/** The `verify` and `harbor.caFile/credentialsFile` fields of the policy file. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePolicyText } from '../../src/core/policy-text.ts';
import { examplePolicy, examplePolicyYaml } from '../helpers/fixtures.ts';

function problemsOf(yaml: string): readonly string[] {
  const loaded = parsePolicyText(yaml);
  return loaded.ok ? [] : loaded.problems;
}

describe('the verify policy', () => {
  it('is off by default, with keep, keep, 500 ms and 300 s', () => {
    assert.deepEqual(examplePolicy().verify, {
      mode: 'off',
      onMissing: 'keep',
      onUnavailable: 'keep',
      budgetMs: 500,
      cacheSeconds: 300,
    });
  });

  it('fills the defaults of a partial verify section', () => {
    const policy = examplePolicy({ verify: { mode: 'pin', onMissing: 'deny' } });
    assert.deepEqual(policy.verify, {
      mode: 'pin',
      onMissing: 'deny',
      onUnavailable: 'keep',
      budgetMs: 500,
      cacheSeconds: 300,
    });
  });

  const refused: { name: string; verify: string; problem: RegExp }[] = [
    { name: 'an unknown mode', verify: '{mode: check}', problem: /^verify\.mode: / },
    { name: 'an unknown answer', verify: '{onMissing: drop}', problem: /^verify\.onMissing: / },
    { name: 'a budget under 50 ms', verify: '{budgetMs: 10}', problem: /^verify\.budgetMs: .*50/ },
    {
      name: 'a budget over 10 s',
      verify: '{budgetMs: 60000}',
      problem: /^verify\.budgetMs: .*10000/,
    },
    { name: 'a fractional budget', verify: '{budgetMs: 1.5}', problem: /^verify\.budgetMs: / },
    {
      name: 'a negative cache time',
      verify: '{cacheSeconds: -1}',
      problem: /^verify\.cacheSeconds: /,
    },
    {
      name: 'an unknown field',
      verify: '{mdoe: pin}',
      problem: /^verify\.mdoe: unknown field; did you mean "mode"\?$/,
    },
  ];
  for (const c of refused) {
    it(`refuses ${c.name}, naming the field`, () => {
      const problems = problemsOf(`${examplePolicyYaml}\nverify: ${c.verify}\n`);
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0] ?? '', c.problem);
    });
  }
});

describe('harbor.caFile and harbor.credentialsFile', () => {
  it('are compiled into the policy when given', () => {
    const policy = examplePolicy({
      harbor: {
        host: 'harbor.example.com',
        caFile: '/etc/harbor/ca.crt',
        credentialsFile: '/etc/harbor/config.json',
      },
    });
    assert.equal(policy.harborCaFile, '/etc/harbor/ca.crt');
    assert.equal(policy.harborCredentialsFile, '/etc/harbor/config.json');
  });

  it('are absent by default', () => {
    assert.equal(examplePolicy().harborCaFile, undefined);
    assert.equal(examplePolicy().harborCredentialsFile, undefined);
  });

  it('must be absolute paths', () => {
    const problems = problemsOf(
      'harbor: {host: harbor.example.com, caFile: ca.crt, credentialsFile: ""}\n',
    );
    assert.deepEqual(
      [...problems].sort(),
      [
        'harbor.caFile: must be an absolute path',
        'harbor.credentialsFile: must be an absolute path',
      ].sort(),
    );
  });
});
