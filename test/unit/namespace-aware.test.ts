import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admit } from '../../src/admission/admit.ts';
import type { AdmissionRequest } from '../../src/admission/admission-review.ts';
import { matchesLabelSelector, type LabelSelector } from '../../src/core/label-selector.ts';
import { namespacePolicy, type NamespaceFacts } from '../../src/core/namespace-policy.ts';
import { podSkipReason } from '../../src/core/pod-skip.ts';
import { preview } from '../../src/preview/preview-request.ts';
import { examplePolicy, policyFrom } from '../helpers/fixtures.ts';

const podRequest = (
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
): AdmissionRequest => ({
  uid: 'u',
  operation: 'CREATE',
  resource: { group: '', version: 'v1', resource: 'pods' },
  namespace: 'team-a',
  object: {
    metadata: { name: 'p', labels, annotations },
    spec: { containers: [{ name: 'a', image: 'nginx:1' }] },
  },
});

const facts = (annotations: Record<string, string> = {}, secrets?: string[]): NamespaceFacts => ({
  name: 'team-a',
  annotations,
  pullSecretNames: secrets === undefined ? undefined : new Set(secrets),
});

describe('label selectors', () => {
  const labels = { app: 'db', 'cnpg.io/podRole': 'instance' };
  const cases: { name: string; selector: LabelSelector; matches: boolean }[] = [
    { name: 'an empty selector matches every Pod', selector: {}, matches: true },
    {
      name: 'matchLabels needs every label equal',
      selector: { matchLabels: { app: 'db' } },
      matches: true,
    },
    {
      name: 'matchLabels fails on a different value',
      selector: { matchLabels: { app: 'web' } },
      matches: false,
    },
    {
      name: 'Exists matches a present key',
      selector: { matchExpressions: [{ key: 'cnpg.io/podRole', operator: 'Exists' }] },
      matches: true,
    },
    {
      name: 'DoesNotExist fails on a present key',
      selector: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] },
      matches: false,
    },
    {
      name: 'In matches one of the values',
      selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }] },
      matches: true,
    },
    {
      name: 'NotIn matches an absent key',
      selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['x'] }] },
      matches: true,
    },
  ];
  for (const c of cases)
    it(c.name, () => assert.equal(matchesLabelSelector(c.selector, labels), c.matches));

  it('a selector with In and no values is refused in the policy', () => {
    assert.throws(
      () =>
        policyFrom(
          'harbor: {host: h.io}\nskipPods: [{matchExpressions: [{key: a, operator: In}]}]',
        ),
      /skipPods\[0\]\.matchExpressions\[0\]\.values: In needs at least one value/,
    );
  });
});

describe('operator-safe opt-outs', () => {
  const policy = examplePolicy({
    skipPods: [
      { matchExpressions: [{ key: 'cnpg.io/podRole', operator: 'Exists' }] },
      { matchLabels: { application: 'spilo' } },
    ],
  });

  it('a Pod labelled harbor-image-webhook/skip=true is skipped', () => {
    assert.match(
      podSkipReason({ metadata: { labels: { 'harbor-image-webhook/skip': 'true' } } }, policy) ??
        '',
      /label/,
    );
  });

  it('a Pod annotated harbor-image-webhook/skip: "true" is skipped', () => {
    assert.match(
      podSkipReason(
        { metadata: { annotations: { 'harbor-image-webhook/skip': 'true' } } },
        policy,
      ) ?? '',
      /annotation/,
    );
  });

  it('a CloudNativePG instance Pod is skipped by the preset', () => {
    const admission = admit(podRequest({ 'cnpg.io/podRole': 'instance' }), policy);
    assert.ok(
      admission.ok && admission.outcome === 'skipped' && admission.verdict.patch.length === 0,
    );
  });

  it('a Zalando spilo Pod is skipped by the preset', () => {
    assert.equal(
      podSkipReason({ metadata: { labels: { application: 'spilo' } } }, policy),
      'the Pod matches skipPods[1]',
    );
  });

  it('any other Pod is mutated', () => {
    const admission = admit(podRequest({ app: 'web' }), policy);
    assert.ok(admission.ok && admission.outcome === 'mutated');
  });
});

describe('per-namespace overrides from annotations', () => {
  const global = examplePolicy();

  it('rules from the namespace come before the policy rules', () => {
    const admission = admit(
      podRequest(),
      global,
      facts({
        'harbor-image-webhook/rules': '[{"match": "docker.io/**", "project": "team-a-hub"}]',
      }),
    );
    assert.ok(admission.ok);
    if (!admission.ok) return;
    assert.ok(
      admission.verdict.patch.some(
        (operation) =>
          'value' in operation &&
          operation.value === 'harbor.example.com/team-a-hub/library/nginx:1',
      ),
    );
  });

  it('rules can be written as YAML too', () => {
    const effective = namespacePolicy(global, {
      'harbor-image-webhook/rules': '- match: "ghcr.io/**"\n  project: team-ghcr',
    });
    assert.deepEqual(effective.problems, []);
    assert.equal(effective.policy.rules[0]?.project, 'team-ghcr');
    assert.equal(effective.policy.rules[0]?.origin, 'namespace');
  });

  it('pull secrets from the namespace replace the policy ones', () => {
    const effective = namespacePolicy(global, {
      'harbor-image-webhook/image-pull-secrets': 'team-pull, other',
    });
    assert.deepEqual(effective.policy.imagePullSecrets, ['team-pull', 'other']);
  });

  it('rewrite: "false" turns the webhook off for the namespace', () => {
    const admission = admit(
      podRequest(),
      global,
      facts({ 'harbor-image-webhook/rewrite': 'false' }),
    );
    assert.ok(admission.ok && admission.outcome === 'skipped');
  });

  const bad = [
    {
      name: 'rules that are not YAML',
      key: 'harbor-image-webhook/rules',
      value: '[{',
      problem: /not YAML or JSON/,
    },
    {
      name: 'a rule with an invalid project',
      key: 'harbor-image-webhook/rules',
      value: '[{"match": "a/**", "project": "UPPER"}]',
      problem: /\[0\]\.project: must be a Harbor project name/,
    },
    {
      name: 'an invalid secret name',
      key: 'harbor-image-webhook/image-pull-secrets',
      value: 'Bad_Name',
      problem: /Kubernetes Secret name/,
    },
    {
      name: 'a rewrite value that is not a boolean',
      key: 'harbor-image-webhook/rewrite',
      value: 'no',
      problem: /"true" or "false"/,
    },
  ];
  for (const c of bad) {
    it(`${c.name} is reported and ignored, falling back to the global policy`, () => {
      const effective = namespacePolicy(global, { [c.key]: c.value });
      assert.equal(effective.problems.length, 1);
      assert.match(effective.problems[0] ?? '', c.problem);
      assert.equal(effective.policy, global);
      assert.equal(effective.disabled, false);
      const admission = admit(podRequest(), global, facts({ [c.key]: c.value }));
      assert.ok(admission.ok && admission.outcome === 'mutated');
      assert.ok(
        admission.verdict.warnings.some((warning) =>
          warning.startsWith('namespace annotation ignored:'),
        ),
      );
    });
  }
});

describe('pull secrets that must exist', () => {
  it('a Pod in a namespace without the injected secret is admitted with a warning', () => {
    const admission = admit(podRequest(), examplePolicy(), facts({}, ['other']));
    assert.ok(admission.ok);
    if (!admission.ok) return;
    assert.equal(admission.verdict.allowed, true);
    assert.deepEqual(admission.missingSecrets, ['harbor-pull']);
    assert.ok(
      admission.verdict.warnings.includes(
        'imagePullSecret "harbor-pull" does not exist in namespace "team-a"; pulls from Harbor may fail',
      ),
    );
  });

  it('no warning when the secret exists', () => {
    const admission = admit(podRequest(), examplePolicy(), facts({}, ['harbor-pull']));
    assert.ok(
      admission.ok &&
        admission.missingSecrets.length === 0 &&
        admission.verdict.warnings.length === 0,
    );
  });

  it('no warning when secrets are not watched', () => {
    const admission = admit(podRequest(), examplePolicy(), facts());
    assert.ok(admission.ok && admission.missingSecrets.length === 0);
  });

  it('the preview reports secret-missing with the namespace cache', () => {
    const directory = { lookup: (name: string) => (name === 'team-a' ? facts({}, []) : undefined) };
    const outcome = preview(
      'kind: Deployment\nmetadata: {name: web, namespace: team-a}\nspec: {template: {spec: {containers: [{name: a, image: nginx}]}}}',
      examplePolicy(),
      { directory },
    );
    assert.ok(outcome.ok && 'results' in outcome.response);
    if (!outcome.ok || !('results' in outcome.response)) return;
    const change = outcome.response.results[0]?.changes.find(
      (entry) => entry.reason === 'secret-missing',
    );
    assert.equal(change?.path, '/spec/template/spec/imagePullSecrets');
    assert.equal(change?.from, 'harbor-pull');
  });
});
