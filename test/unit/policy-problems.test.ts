import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestName, editDistance } from '../../src/core/edit-distance.ts';
import { parsePolicyText } from '../../src/core/policy-text.ts';

/** The located problems of a policy text that must not validate. */
function problemsOf(text: string): readonly string[] {
  const loaded = parsePolicyText(text);
  assert.ok(!loaded.ok, 'expected the policy to be refused');
  return loaded.located;
}

describe('policy problems read like a person wrote them, with line and column', () => {
  const cases: { name: string; text: string; problem: string }[] = [
    {
      name: 'a missing field is "required", at the item that lacks it',
      text: 'harbor: {host: h.io}\nrules:\n  - match: "docker.io/**"\n    project: hub\n  - match: "ghcr.io/**"\n',
      problem: 'line 5, column 5: rules[1].project is required',
    },
    {
      name: 'a misspelt field gets "did you mean", at its key',
      text: 'harbor:\n  hots: h.io\n',
      problem: 'line 2, column 3: harbor.hots: unknown field; did you mean "host"?',
    },
    {
      name: 'a misspelt top-level field gets the field it resembles',
      text: 'harbor: {host: h.io}\nimagePullSecret: [harbor-pull]\n',
      problem: 'line 2, column 1: imagePullSecret: unknown field; did you mean "imagePullSecrets"?',
    },
    {
      name: 'a field far from every known one gets no guess',
      text: 'harbor: {host: h.io}\ncolour: blue\n',
      problem: 'line 2, column 1: colour: unknown field',
    },
    {
      name: 'a value outside an enum lists the allowed ones and the nearest',
      text: 'harbor: {host: h.io}\nimagePullPolicy: enfroce\n',
      problem:
        'line 2, column 1: imagePullPolicy: must be one of "enforce", "ifNotSet", "off", not the string "enfroce"; did you mean "enforce"?',
    },
    {
      name: 'a wrong type says what was expected and what was found',
      text: 'harbor: {host: h.io}\nexclude: nginx\n',
      problem: 'line 2, column 1: exclude: must be a list, not the string "nginx"',
    },
    {
      name: 'JSON gets line and column too',
      text: '{"harbor": {"host": "h.io"},\n "rules": [{"match": "x/**", "projet": "a"}]}',
      problem: 'line 2, column 30: rules[0].projet: unknown field; did you mean "project"?',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const problems = problemsOf(c.text);
      assert.ok(problems.includes(c.problem), JSON.stringify(problems, null, 2));
      assert.ok(
        problems.every((problem) => !/Invalid input|expected \w+, received/.test(problem)),
        JSON.stringify(problems),
      );
    });
  }

  it('the unlocated problems keep the "field: reason" form', () => {
    const loaded = parsePolicyText('harbor: {host: h.io}\nrules: [{match: "docker.io/**"}]');
    assert.ok(!loaded.ok);
    assert.deepEqual(loaded.problems, ['rules[0].project is required']);
  });
});

describe('edit distance for "did you mean"', () => {
  const distances: [string, string, number][] = [
    ['host', 'host', 0],
    ['hots', 'host', 1],
    ['prjoect', 'project', 1],
    ['imagePullSecret', 'imagePullSecrets', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
  ];
  for (const [a, b, expected] of distances) {
    it(`"${a}" → "${b}" takes ${expected}`, () => assert.equal(editDistance(a, b), expected));
  }

  it('suggests only names within a typo of the typed one', () => {
    assert.equal(closestName('--outdir', ['--out-dir', '--dns', '--ip']), '--out-dir');
    assert.equal(closestName('serv', ['serve', 'preview']), 'serve');
    assert.equal(closestName('colour', ['harbor', 'rules', 'exclude']), undefined);
  });
});
