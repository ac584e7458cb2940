/**
 * Registry verification as a pure decision: a rewrite, what Harbor said, the
 * verify policy → what the container gets. Tables, no registry.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decideImage,
  deniesPod,
  explainDecision,
  finalImage,
  warnsAuthor,
} from '../../src/core/image-decision.ts';
import { decideImageMemoized, verifiedWith } from '../../src/core/image-decision-cache.ts';
import { mutatePodTemplate } from '../../src/core/mutate.ts';
import type { Policy } from '../../src/core/policy.ts';
import type { RegistryLookup } from '../../src/core/registry-lookup.ts';
import { isPinnedForm, verifyDecision } from '../../src/core/verification.ts';
import { examplePolicy } from '../helpers/fixtures.ts';
import { DIGEST_A, DIGEST_B, FOUND_A, MISSING, UNAVAILABLE } from '../helpers/lookup-table.ts';

const HARBOR_NGINX = 'harbor.example.com/dockerhub-proxy/library/nginx';

function verifying(verify: Record<string, unknown>): Policy {
  return examplePolicy({ verify });
}

function verified(image: string, lookup: RegistryLookup | undefined, policy: Policy) {
  return verifyDecision(decideImage(image, policy), lookup, policy.verify);
}

describe('what a verified image becomes', () => {
  const cases: {
    name: string;
    image: string;
    verify: Record<string, unknown>;
    lookup: RegistryLookup | undefined;
    outcome: string;
    final: string;
    warns?: boolean;
    denies?: boolean;
  }[] = [
    {
      name: 'exists: an image Harbor has is rewritten, tag as written',
      image: 'nginx:1.25',
      verify: { mode: 'exists' },
      lookup: FOUND_A,
      outcome: 'rewritten',
      final: `${HARBOR_NGINX}:1.25`,
    },
    {
      name: 'pin: an image Harbor has is rewritten to tag and digest',
      image: 'nginx:1.25',
      verify: { mode: 'pin' },
      lookup: FOUND_A,
      outcome: 'rewritten',
      final: `${HARBOR_NGINX}:1.25@${DIGEST_A}`,
    },
    {
      name: 'pin: an image without a tag is pinned as latest',
      image: 'nginx',
      verify: { mode: 'pin' },
      lookup: FOUND_A,
      outcome: 'rewritten',
      final: `${HARBOR_NGINX}:latest@${DIGEST_A}`,
    },
    {
      name: 'pin: an image that names a digest is not re-pinned to the one Harbor reports',
      image: `nginx@${DIGEST_B}`,
      verify: { mode: 'pin' },
      lookup: FOUND_A,
      outcome: 'rewritten',
      final: `${HARBOR_NGINX}@${DIGEST_B}`,
    },
    {
      name: 'pin: an image with tag and digest keeps both as written',
      image: `nginx:1.25@${DIGEST_B}`,
      verify: { mode: 'pin' },
      lookup: FOUND_A,
      outcome: 'rewritten',
      final: `${HARBOR_NGINX}:1.25@${DIGEST_B}`,
    },
    {
      name: 'onMissing keep: the original image stays, with a warning',
      image: 'nginx:1.25',
      verify: { mode: 'exists', onMissing: 'keep' },
      lookup: MISSING,
      outcome: 'kept-missing',
      final: 'nginx:1.25',
      warns: true,
    },
    {
      name: 'onMissing rewrite: rewritten anyway, with a warning',
      image: 'nginx:1.25',
      verify: { mode: 'pin', onMissing: 'rewrite' },
      lookup: MISSING,
      outcome: 'rewritten',
      final: `${HARBOR_NGINX}:1.25`,
      warns: true,
    },
    {
      name: 'onMissing deny: the Pod is refused',
      image: 'nginx:1.25',
      verify: { mode: 'exists', onMissing: 'deny' },
      lookup: MISSING,
      outcome: 'denied-missing',
      final: 'nginx:1.25',
      denies: true,
    },
    {
      name: 'onUnavailable keep: the original image stays, with a warning',
      image: 'nginx:1.25',
      verify: { mode: 'exists', onMissing: 'deny' },
      lookup: UNAVAILABLE,
      outcome: 'kept-unavailable',
      final: 'nginx:1.25',
      warns: true,
    },
    {
      name: 'onUnavailable rewrite: rewritten anyway, with a warning',
      image: 'nginx:1.25',
      verify: { mode: 'exists', onUnavailable: 'rewrite' },
      lookup: UNAVAILABLE,
      outcome: 'rewritten',
      final: `${HARBOR_NGINX}:1.25`,
      warns: true,
    },
    {
      name: 'onUnavailable deny: the Pod is refused',
      image: 'nginx:1.25',
      verify: { mode: 'pin', onUnavailable: 'deny' },
      lookup: UNAVAILABLE,
      outcome: 'denied-unavailable',
      final: 'nginx:1.25',
      denies: true,
    },
    {
      name: 'no result for the reference counts as unavailable',
      image: 'nginx:1.25',
      verify: { mode: 'exists' },
      lookup: undefined,
      outcome: 'kept-unavailable',
      final: 'nginx:1.25',
      warns: true,
    },
    {
      name: 'pin: a digest that makes no valid reference counts as unavailable',
      image: 'nginx:1.25',
      verify: { mode: 'pin', onUnavailable: 'keep' },
      lookup: { status: 'found', digest: 'sha256:not-hex', cached: false },
      outcome: 'kept-unavailable',
      final: 'nginx:1.25',
      warns: true,
    },
    {
      name: 'mode off ignores any lookup: rewritten blind, as before verification existed',
      image: 'nginx:1.25',
      verify: { mode: 'off', onMissing: 'deny' },
      lookup: MISSING,
      outcome: 'rewritten',
      final: `${HARBOR_NGINX}:1.25`,
    },
    {
      name: 'an excluded image is not verified',
      image: 'registry.k8s.io/pause:3.9',
      verify: { mode: 'exists', onMissing: 'deny' },
      lookup: MISSING,
      outcome: 'excluded',
      final: 'registry.k8s.io/pause:3.9',
    },
    {
      name: 'an image already on Harbor is not verified',
      image: `${HARBOR_NGINX}:1.25`,
      verify: { mode: 'exists', onMissing: 'deny' },
      lookup: MISSING,
      outcome: 'already-on-harbor',
      final: `${HARBOR_NGINX}:1.25`,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const decision = verified(c.image, c.lookup, verifying(c.verify));
      assert.equal(decision.outcome, c.outcome);
      assert.equal(finalImage(decision), c.final);
      assert.equal(warnsAuthor(decision), c.warns ?? false, 'warns the author');
      assert.equal(deniesPod(decision), c.denies ?? false, 'refuses the Pod');
    });
  }
});

describe('explanations of verified decisions', () => {
  const policyOf = (onMissing: string) => verifying({ mode: 'exists', onMissing });
  it('a kept image names the Harbor reference, the registry answer and the setting', () => {
    const text = explainDecision(verified('nginx:1.25', MISSING, policyOf('keep')));
    assert.equal(
      text,
      `Harbor does not have ${HARBOR_NGINX}:1.25 (MANIFEST_UNKNOWN); left unchanged (verify.onMissing: keep)`,
    );
  });
  it('an unavailable answer gives the reason', () => {
    const text = explainDecision(verified('nginx:1.25', UNAVAILABLE, policyOf('keep')));
    assert.match(text, /could not confirm it has .*nginx:1\.25 \(timed out after 500 ms\)/);
    assert.match(text, /verify\.onUnavailable: keep/);
  });
  it('a refused image says the Pod is refused and by which setting', () => {
    const text = explainDecision(verified('nginx:1.25', MISSING, policyOf('deny')));
    assert.match(text, /the Pod is refused \(verify\.onMissing: deny\)$/);
  });
  it('a rewrite anyway says Harbor lacks it', () => {
    const text = explainDecision(verified('nginx:1.25', MISSING, policyOf('rewrite')));
    assert.match(
      text,
      /although Harbor does not have it \(MANIFEST_UNKNOWN; verify\.onMissing: rewrite\)/,
    );
  });
  it('a pinned image names its digest', () => {
    const text = explainDecision(verified('nginx:1.25', FOUND_A, verifying({ mode: 'pin' })));
    assert.match(text, new RegExp(`pinned to ${DIGEST_A}`));
  });
});

describe('verified decisions are memoized per answer', () => {
  const policy = verifying({ mode: 'pin' });
  const lookups = (lookup: RegistryLookup) => new Map([[`${HARBOR_NGINX}:1.25`, lookup]]);

  it('the same answer object gives the same decision object, formatted once', () => {
    const memoized = decideImageMemoized('nginx:1.25', policy);
    const first = verifiedWith(memoized, lookups(FOUND_A), policy.verify);
    assert.equal(verifiedWith(memoized, lookups(FOUND_A), policy.verify), first);
    assert.equal(first.finalImage, `${HARBOR_NGINX}:1.25@${DIGEST_A}`);
  });

  it('an answer with other content, or none, gives its own decision', () => {
    const memoized = decideImageMemoized('nginx:1.25', policy);
    const other = verifiedWith(
      memoized,
      lookups({ status: 'found', digest: DIGEST_B, cached: true }),
      policy.verify,
    );
    assert.equal(other.finalImage, `${HARBOR_NGINX}:1.25@${DIGEST_B}`);
    const copy = verifiedWith(memoized, lookups({ ...FOUND_A }), policy.verify);
    assert.equal(copy.finalImage, `${HARBOR_NGINX}:1.25@${DIGEST_A}`);
    const none = verifiedWith(memoized, new Map(), policy.verify);
    assert.equal(none.decision.outcome, 'kept-unavailable');
    assert.equal(verifiedWith(memoized, new Map(), policy.verify), none);
  });
});

describe('pinned forms', () => {
  it('recognizes tag@digest and latest@digest of an unpinned image', () => {
    assert.equal(isPinnedForm(`${HARBOR_NGINX}:1.25@${DIGEST_A}`, `${HARBOR_NGINX}:1.25`), true);
    assert.equal(isPinnedForm(`${HARBOR_NGINX}:latest@${DIGEST_A}`, HARBOR_NGINX), true);
  });
  it('refuses another tag, another repository, or no digest', () => {
    assert.equal(isPinnedForm(`${HARBOR_NGINX}:1.26@${DIGEST_A}`, `${HARBOR_NGINX}:1.25`), false);
    assert.equal(isPinnedForm(`${HARBOR_NGINX}x:1.25@${DIGEST_A}`, `${HARBOR_NGINX}:1.25`), false);
    assert.equal(isPinnedForm(`${HARBOR_NGINX}:1.25`, `${HARBOR_NGINX}:1.25`), false);
  });
});

describe('pull policy follows the pinned digest', () => {
  const pinPolicy = verifying({ mode: 'pin' });
  const pullPolicyOf = (image: string, current: string | undefined, policy = pinPolicy) => {
    const key = `${HARBOR_NGINX}:${image.split(':')[1] ?? 'latest'}`;
    const result = mutatePodTemplate(
      {
        spec: {
          containers: [
            { name: 'c', image, ...(current === undefined ? {} : { imagePullPolicy: current }) },
          ],
        },
      },
      policy,
      { lookups: new Map([[key, FOUND_A]]) },
    );
    assert.ok(result.ok);
    const change = result.mutation.changes.find((entry) => entry.path.endsWith('imagePullPolicy'));
    return change?.to ?? current;
  };
  it('a pinned latest image gets IfNotPresent where the field is unset', () => {
    assert.equal(pullPolicyOf('nginx', undefined), 'IfNotPresent');
  });
  it('a pinned latest image that had IfNotPresent is not raised to Always', () => {
    assert.equal(pullPolicyOf('nginx:latest', 'IfNotPresent'), 'IfNotPresent');
  });
  it('an explicit Always is never lowered, pinned or not', () => {
    assert.equal(pullPolicyOf('nginx:latest', 'Always'), 'Always');
    assert.equal(pullPolicyOf('nginx:1.25', 'Always'), 'Always');
  });
  it('an image kept because Harbor lacks it gets the policy of its own tag', () => {
    const result = mutatePodTemplate(
      {
        spec: {
          containers: [{ name: 'c', image: 'nginx:latest', imagePullPolicy: 'IfNotPresent' }],
        },
      },
      pinPolicy,
      { lookups: new Map([[`${HARBOR_NGINX}:latest`, MISSING]]) },
    );
    assert.ok(result.ok);
    const change = result.mutation.changes.find((entry) => entry.path.endsWith('imagePullPolicy'));
    assert.equal(change?.to, 'Always');
  });
});
