import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admit, type Admission } from '../../src/admission/admit.ts';
import {
  AUDIT_WARNING_PREFIX,
  auditAdmission,
  MAX_AUDIT_WARNINGS,
  MAX_WARNING_LENGTH,
} from '../../src/admission/audit-admission.ts';
import { parseAdmissionReview } from '../../src/admission/parse-review.ts';
import { examplePolicy, loadJsonFixture } from '../helpers/fixtures.ts';

type Review = { request: Record<string, unknown> & { object: { spec: Record<string, unknown> } } };

function enforce(change: (body: Review) => void = () => undefined, policy = examplePolicy()) {
  const body = loadJsonFixture<Review>('pod-create-v1.json');
  change(body);
  const parsed = parseAdmissionReview(body);
  assert.ok(parsed.ok);
  const admission = admit(parsed.request, policy);
  assert.ok(admission.ok, admission.ok ? '' : admission.problem);
  return admission;
}

describe('audit mode', () => {
  it('answers with no patch, allowed, and outcome audit, however much enforcing would change', () => {
    const enforced = enforce();
    assert.ok(enforced.verdict.patch.length > 0);

    const audited = auditAdmission(enforced);

    assert.equal(audited.admission.verdict.allowed, true);
    assert.deepEqual(audited.admission.verdict.patch, []);
    assert.equal(audited.admission.outcome, 'audit');
    assert.equal(audited.wouldBe, 'mutated');
  });

  it('lists one warning per image rewrite, pull-secret injection and pull-policy change, naming the container', () => {
    const audited = auditAdmission(
      enforce((body) => {
        const containers = body.request.object.spec['containers'] as Record<string, unknown>[];
        containers[1]!['imagePullPolicy'] = 'IfNotPresent';
      }),
    );

    assert.deepEqual(
      audited.changes.map((change) => change.kind),
      ['image', 'image', 'image', 'pull-policy', 'pull-secrets'],
    );
    assert.deepEqual(audited.admission.verdict.warnings, [
      `${AUDIT_WARNING_PREFIX}initContainers[0] "migrate": would rewrite image ghcr.io/acme/shop-migrations:v2.3.1 to harbor.example.com/ghcr-proxy/acme/shop-migrations:v2.3.1`,
      `${AUDIT_WARNING_PREFIX}containers[0] "web": would rewrite image nginx:1.25 to harbor.example.com/dockerhub-proxy/library/nginx:1.25`,
      `${AUDIT_WARNING_PREFIX}containers[1] "sidecar": would rewrite image busybox to harbor.example.com/dockerhub-proxy/library/busybox`,
      `${AUDIT_WARNING_PREFIX}containers[1] "sidecar": would set imagePullPolicy Always (now IfNotPresent)`,
      `${AUDIT_WARNING_PREFIX}would set imagePullSecrets to [team-registry, harbor-pull] (now [team-registry])`,
    ]);
  });

  it('reports nothing for an image left alone (excluded, no rule, already on Harbor)', () => {
    const audited = auditAdmission(enforce());

    assert.ok(audited.admission.verdict.warnings.every((warning) => !warning.includes('pause')));
  });

  it('keeps the warnings enforcing gives (an invalid image) before its own', () => {
    const audited = auditAdmission(
      enforce((body) => {
        const containers = body.request.object.spec['containers'] as { image: string }[];
        containers[0]!.image = 'NGINX::bad';
      }),
    );

    const warnings = audited.admission.verdict.warnings;
    assert.match(warnings[0] ?? '', /containers\[0\] "web": not a valid image reference/);
    assert.ok(warnings.slice(1).every((warning) => warning.startsWith(AUDIT_WARNING_PREFIX)));
  });

  it('counts nothing as decided or missing: only enforcing does', () => {
    const audited = auditAdmission(enforce());

    assert.deepEqual(audited.admission.decisions, []);
    assert.deepEqual(audited.admission.missingSecrets, []);
  });

  it('a skipped Pod (opted out) is audited as skipped, with no warning', () => {
    const audited = auditAdmission(
      enforce((body) => {
        const object = body.request.object as unknown as { metadata: Record<string, unknown> };
        object.metadata['labels'] = { 'harbor-image-webhook/skip': 'true' };
      }),
    );

    assert.equal(audited.wouldBe, 'skipped');
    assert.deepEqual(audited.admission.verdict.warnings, []);
  });

  it('turns a refusal into an allowed Pod with one warning that says why', () => {
    const refused: Extract<Admission, { ok: true }> = {
      ...enforce(),
      verdict: {
        allowed: false,
        patch: [],
        warnings: [],
        status: { code: 403, message: 'image nginx:1.25 is not in Harbor' },
      },
    };

    const audited = auditAdmission(refused);

    assert.equal(audited.admission.verdict.allowed, true);
    assert.equal(audited.admission.verdict.status, undefined);
    assert.deepEqual(audited.admission.verdict.warnings, [
      `${AUDIT_WARNING_PREFIX}would refuse the Pod: image nginx:1.25 is not in Harbor`,
    ]);
  });

  it('bounds the warnings in number, with a count of the rest, and each in length', () => {
    const longName = `${'a'.repeat(100)}/${'b'.repeat(100)}`;
    const audited = auditAdmission(
      enforce((body) => {
        body.request.object.spec['initContainers'] = [];
        body.request.object.spec['containers'] = Array.from({ length: 30 }, (_, index) => ({
          name: `c${index}`,
          image: `${longName}:${index}`,
          imagePullPolicy: 'IfNotPresent',
        }));
      }),
    );

    const warnings = audited.admission.verdict.warnings;
    assert.equal(audited.changes.length, 31);
    assert.equal(warnings.length, MAX_AUDIT_WARNINGS);
    assert.equal(
      warnings.at(-1),
      `${AUDIT_WARNING_PREFIX}and ${31 - MAX_AUDIT_WARNINGS + 1} more changes`,
    );
    for (const warning of warnings) assert.ok(warning.length <= MAX_WARNING_LENGTH, warning);
    assert.ok(warnings[0]!.endsWith('…'));
  });
});
