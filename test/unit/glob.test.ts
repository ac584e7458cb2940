// The glob matcher: the same answers as the regular expressions it replaced,
// in time linear in the name whatever the pattern (policy file or namespace annotation).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileGlob, describeBadGlob, MAX_GLOB_LENGTH } from '../../src/core/glob.ts';
import { decideImage } from '../../src/core/image-decision.ts';
import { namespacePolicy, NamespaceAnnotation } from '../../src/core/namespace-policy.ts';
import { parsePolicyText } from '../../src/core/policy-text.ts';
import { examplePolicy, policyFrom } from '../helpers/fixtures.ts';

/**
 * The matcher of commit 8500eb9, kept as the reference semantics: a glob
 * compiled to an anchored, case-insensitive regular expression. It
 * backtracks, so it only ever sees short inputs here.
 */
function referenceMatches(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern.toLowerCase() === name.toLowerCase();
  const source = pattern
    .split(/(\*\*\/|\*\*|\*)/)
    .map((part) => {
      if (part === '**/') return '(?:.*/)?';
      if (part === '**') return '.*';
      if (part === '*') return '[^/]*';
      return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`, 'i').test(name);
}

describe('compileGlob matches like the regular expressions it replaced', () => {
  const cases: ReadonlyArray<readonly [pattern: string, name: string, matches: boolean]> = [
    ['docker.io/**', 'docker.io/library/nginx', true],
    ['docker.io/**', 'docker.io/', true],
    ['docker.io/**', 'docker.io', false],
    ['DOCKER.IO/**', 'docker.io/library/nginx', true],
    ['docker.io/library/*', 'docker.io/library/nginx', true],
    ['docker.io/*', 'docker.io/library/nginx', false],
    ['docker.io/*/nginx', 'docker.io/library/nginx', true],
    ['docker.io/*/nginx', 'docker.io/a/b/nginx', false],
    ['docker.io/**/nginx', 'docker.io/a/b/nginx', true],
    ['ghcr.io/**/app', 'ghcr.io/app', true],
    ['ghcr.io/**/app', 'ghcr.io/xapp', false],
    ['ghcr.io/**/app', 'ghcr.io//app', true],
    ['ghcr.io/**/', 'ghcr.io/', true],
    ['ghcr.io/**/', 'ghcr.io/a/b/', true],
    ['ghcr.io/**/', 'ghcr.io/a/b', false],
    ['**/nginx', 'nginx', true],
    ['**/nginx', 'docker.io/library/nginx', true],
    ['**nginx', 'docker.io/library/nginx', true],
    ['*nginx', 'docker.io/library/nginx', false],
    ['quay.io/org/app-*', 'quay.io/org/app-api', true],
    ['quay.io/org/*-api', 'quay.io/org/app-api', true],
    ['quay.io/org/a*b*c', 'quay.io/org/aXbYc', true],
    ['quay.io/org/a*b*c', 'quay.io/org/aXbY/c', false],
    ['quay.io/**/a*b**c', 'quay.io/x/aXb/Y/c', true],
    ['registry.k8s.io/pause', 'registry.k8s.io/pause', true],
    ['registry.k8s.io/pause', 'REGISTRY.K8S.IO/PAUSE', true],
    ['registry.k8s.io/pause', 'registry.k8s.io/pause-amd64', false],
    ['docker.io/**', 'dockerxio/library/nginx', false],
    ['[::1]:5000/**', '[::1]:5000/app', true],
    ['a+b?(c)/**', 'a+b?(c)/x', true],
    ['*', '', true],
    ['**', '', true],
    ['**/', '', true],
    ['', '', true],
  ];
  for (const [pattern, name, matches] of cases) {
    it(`"${pattern}" ${matches ? 'matches' : 'does not match'} "${name}"`, () => {
      assert.equal(compileGlob(pattern).matches(name), matches);
      assert.equal(referenceMatches(pattern, name), matches, 'the reference agrees');
    });
  }

  it('answers the same again and again with one compiled glob (no state leaks between calls)', () => {
    const glob = compileGlob('ghcr.io/**/a*b');
    for (let round = 0; round < 3; round++) {
      assert.equal(glob.matches('ghcr.io/x/y/aZZb'), true);
      assert.equal(glob.matches('ghcr.io/x/y/aZZc'), false);
      assert.equal(glob.matches(''), false);
    }
  });

  it('agrees with the reference on random patterns and names over a small alphabet', () => {
    const patternPart = fc.constantFrom('a', 'b', 'A', '.', '/', '*', '**', '**/', ':');
    const namePart = fc.constantFrom('a', 'b', 'B', '.', '/', ':', 'ab', 'a/');
    fc.assert(
      fc.property(
        fc.array(patternPart, { maxLength: 8 }),
        fc.array(namePart, { maxLength: 10 }),
        (patternParts, nameParts) => {
          const pattern = patternParts.join('');
          const name = nameParts.join('');
          assert.equal(
            compileGlob(pattern).matches(name),
            referenceMatches(pattern, name),
            `pattern ${JSON.stringify(pattern)}, name ${JSON.stringify(name)}`,
          );
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('agrees with the reference on names built from the pattern itself', () => {
    // Random names rarely match; filling each wildcard with a random fragment makes most of them match.
    const wildcard = fc.constantFrom('*', '**', '**/');
    const literal = fc.constantFrom('a', 'b', '/', '.', 'x/y');
    const fill = fc.constantFrom('', 'a', 'b/', '/', 'a/b', 'ab');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(wildcard, literal), fill), { maxLength: 6 }),
        (pieces) => {
          const pattern = pieces.map(([part]) => part).join('');
          const name = pieces
            .map(([part, filler]) => (part.includes('*') ? filler : part))
            .join('');
          assert.equal(compileGlob(pattern).matches(name), referenceMatches(pattern, name));
        },
      ),
      { numRuns: 10_000 },
    );
  });
});

describe('glob matching time is linear in the name for every pattern', () => {
  const BUDGET_MS = 50;
  // "docker.io/library/" is 18 characters: an official image of 237 characters has a 255-character name.
  const longImage = 'a'.repeat(237);
  const pathological = [
    `docker.io/${'**a'.repeat(3)}**b`,
    `docker.io/${'**a'.repeat(30)}**b`,
    `docker.io/${'*a'.repeat(30)}*b`,
    `docker.io/${'**/a'.repeat(30)}**/b`,
  ];

  /** Runs `decide` once to warm up, then times it; the answer must be a miss. */
  function assertFast(decide: () => string): void {
    decide();
    const started = performance.now();
    const outcome = decide();
    const elapsed = performance.now() - started;
    assert.equal(outcome, 'no-rule');
    assert.ok(elapsed < BUDGET_MS, `took ${elapsed.toFixed(1)} ms, budget ${BUDGET_MS} ms`);
  }

  for (const pattern of pathological) {
    const shown = pattern.length > 40 ? `${pattern.slice(0, 40)}… (${pattern.length})` : pattern;

    it(`a policy rule "${shown}" decides a 255-character name within ${BUDGET_MS} ms`, () => {
      const policy = policyFrom(
        JSON.stringify({ harbor: { host: 'h.io' }, rules: [{ match: pattern, project: 'p' }] }),
      );
      assertFast(() => decideImage(longImage, policy).outcome);
    });

    it(`a namespace annotation rule "${shown}" decides a 255-character name within ${BUDGET_MS} ms`, () => {
      const effective = namespacePolicy(examplePolicy({ rules: [] }), {
        [NamespaceAnnotation.rules]: JSON.stringify([{ match: pattern, project: 'p' }]),
      });
      assert.deepEqual(effective.problems, []);
      assertFast(() => decideImage(longImage, effective.policy).outcome);
    });
  }

  it(`a pattern of ${MAX_GLOB_LENGTH} stars and letters matches a 255-character name within ${BUDGET_MS} ms`, () => {
    const glob = compileGlob(`${'*a'.repeat(MAX_GLOB_LENGTH / 2 - 1)}*b`);
    const name = `docker.io/library/${'a'.repeat(237)}`;
    glob.matches(name);
    const started = performance.now();
    assert.equal(glob.matches(name), false);
    assert.ok(performance.now() - started < BUDGET_MS);
  });
});

describe('glob patterns are bounded in length when they are loaded', () => {
  const tooLong = `docker.io/${'a'.repeat(MAX_GLOB_LENGTH)}`;

  it(`accepts a pattern of ${MAX_GLOB_LENGTH} characters`, () => {
    assert.equal(describeBadGlob('d'.repeat(MAX_GLOB_LENGTH)), undefined);
  });

  it('refuses a longer pattern in the policy file, naming the field and the limit', () => {
    const loaded = parsePolicyText(
      JSON.stringify({ harbor: { host: 'h.io' }, rules: [{ match: tooLong, project: 'p' }] }),
    );
    assert.equal(loaded.ok, false);
    assert.ok(!loaded.ok);
    assert.deepEqual(loaded.problems, [
      `rules[0].match: must be at most ${MAX_GLOB_LENGTH} characters (has ${tooLong.length})`,
    ]);
  });

  it('refuses a longer pattern in exclude', () => {
    const loaded = parsePolicyText(
      JSON.stringify({ harbor: { host: 'h.io' }, exclude: [tooLong] }),
    );
    assert.ok(!loaded.ok);
    assert.match(loaded.problems.join('\n'), /^exclude\[0\]: must be at most 512 characters/);
  });

  it('ignores a namespace annotation with a longer pattern and says why', () => {
    const global = examplePolicy();
    const effective = namespacePolicy(global, {
      [NamespaceAnnotation.rules]: JSON.stringify([{ match: tooLong, project: 'p' }]),
    });
    assert.equal(effective.policy, global);
    assert.deepEqual(effective.problems, [
      `${NamespaceAnnotation.rules}: [0].match: must be at most ${MAX_GLOB_LENGTH} characters (has ${tooLong.length})`,
    ]);
  });
});
