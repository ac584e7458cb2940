import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { toAdmissionReview } from '../../src/admission/admission-response.ts';
import { admit } from '../../src/admission/admit.ts';
import { parseAdmissionReview } from '../../src/admission/parse-review.ts';
import type { AdmissionRequest } from '../../src/admission/admission-review.ts';
import { examplePolicy, loadJsonFixture } from '../helpers/fixtures.ts';

type Review = {
  apiVersion: string;
  kind: string;
  request: Record<string, unknown> & { object: Record<string, unknown> };
};

const review = (): Review => loadJsonFixture<Review>('pod-create-v1.json');

function admitReview(body: Review) {
  const parsed = parseAdmissionReview(body);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.problem);
  const admission = admit(parsed.request, examplePolicy());
  assert.ok(admission.ok, admission.ok ? '' : admission.problem);
  return { parsed, admission };
}

describe('which requests are mutated', () => {
  it('a Pod CREATE is mutated', () => {
    const { admission } = admitReview(review());
    assert.equal(admission.outcome, 'mutated');
    assert.ok(admission.verdict.patch.length > 0);
  });

  const skipped: { name: string; change: (body: Review) => void }[] = [
    {
      name: 'a Pod DELETE is allowed unchanged',
      change: (body) => void (body.request['operation'] = 'DELETE'),
    },
    {
      name: 'a pods/status update is allowed unchanged',
      change: (body) => Object.assign(body.request, { operation: 'UPDATE', subResource: 'status' }),
    },
    {
      name: 'a pods/exec CONNECT is allowed unchanged',
      change: (body) => Object.assign(body.request, { operation: 'CONNECT', subResource: 'exec' }),
    },
    {
      name: 'a Deployment CREATE is allowed unchanged',
      change: (body) =>
        Object.assign(body.request, {
          resource: { group: 'apps', version: 'v1', resource: 'deployments' },
        }),
    },
    {
      name: 'a Pod in kube-system is never mutated',
      change: (body) => void (body.request['namespace'] = 'kube-system'),
    },
  ];
  for (const c of skipped) {
    it(c.name, () => {
      const body = review();
      c.change(body);
      const { admission } = admitReview(body);
      assert.equal(admission.outcome, 'skipped');
      assert.deepEqual(admission.verdict, { allowed: true, patch: [], warnings: [] });
    });
  }

  it('a dry-run CREATE is answered exactly like a real one', () => {
    const body = review();
    body.request['dryRun'] = true;
    assert.deepEqual(admitReview(body).admission.verdict, admitReview(review()).admission.verdict);
  });

  it('an ephemeral-container update rewrites the new debug container only', () => {
    const body = review();
    const oldPod = structuredClone(body.request.object);
    const newPod = structuredClone(body.request.object) as { spec: Record<string, unknown> };
    newPod.spec['ephemeralContainers'] = [
      { name: 'debugger', image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent' },
    ];
    Object.assign(body.request, {
      operation: 'UPDATE',
      subResource: 'ephemeralcontainers',
      object: newPod,
      oldObject: oldPod,
    });
    const { admission } = admitReview(body);
    assert.deepEqual(admission.verdict.patch, [
      {
        op: 'replace',
        path: '/spec/ephemeralContainers/0/image',
        value: 'harbor.example.com/dockerhub-proxy/library/busybox:1.36',
      },
    ]);
  });
});

describe('malformed reviews are refused with a reason', () => {
  const cases: { name: string; body: unknown; problem: RegExp }[] = [
    { name: 'a JSON array', body: [], problem: /must be a JSON object/ },
    {
      name: 'a review of another kind',
      body: { ...review(), kind: 'Pod' },
      problem: /kind must be "AdmissionReview"/,
    },
    {
      name: 'an unknown apiVersion',
      body: { ...review(), apiVersion: 'admission.k8s.io/v2' },
      problem: /apiVersion must be one of/,
    },
    {
      name: 'a review without request',
      body: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' },
      problem: /request is missing/,
    },
    {
      name: 'a request without uid',
      body: { ...review(), request: { ...review().request, uid: undefined } },
      problem: /request.uid/,
    },
    {
      name: 'a request with an empty uid',
      body: { ...review(), request: { ...review().request, uid: '' } },
      problem: /request.uid/,
    },
    {
      name: 'an unknown operation',
      body: { ...review(), request: { ...review().request, operation: 'PATCH' } },
      problem: /request.operation/,
    },
    {
      name: 'a request without resource',
      body: { ...review(), request: { ...review().request, resource: 'pods' } },
      problem: /request.resource/,
    },
    {
      name: 'a dryRun that is not a boolean',
      body: { ...review(), request: { ...review().request, dryRun: 'yes' } },
      problem: /request.dryRun/,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, () => {
      const parsed = parseAdmissionReview(c.body);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.problem, c.problem);
    });
  }

  it('refuses a Pod CREATE without an object', () => {
    const body = review();
    delete (body.request as Partial<Review['request']>).object;
    const parsed = parseAdmissionReview(body);
    assert.ok(parsed.ok);
    if (!parsed.ok) return;
    const admission = admit(parsed.request, examplePolicy());
    assert.deepEqual(admission, {
      ok: false,
      problem: 'request.object is required for CREATE of a Pod',
    });
  });

  it('refuses a Pod whose containers are not a list', () => {
    const body = review();
    (body.request.object['spec'] as Record<string, unknown>)['containers'] = 'nginx';
    const parsed = parseAdmissionReview(body);
    assert.ok(parsed.ok);
    if (!parsed.ok) return;
    const admission = admit(parsed.request as AdmissionRequest, examplePolicy());
    assert.equal(admission.ok, false);
  });
});

describe('the response on the wire', () => {
  it('answers in the request apiVersion with its uid and a base64 JSON Patch', () => {
    for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const) {
      const body = { ...review(), apiVersion };
      const { parsed, admission } = admitReview(body);
      const wire = toAdmissionReview(
        parsed.ok ? parsed.apiVersion : apiVersion,
        body.request['uid'] as string,
        admission.verdict,
      );
      assert.equal(wire.apiVersion, apiVersion);
      assert.equal(wire.kind, 'AdmissionReview');
      assert.equal(wire.response?.uid, '0df28fbd-5f5f-11e8-bc74-36e6bb280816');
      assert.equal(wire.response?.allowed, true);
      assert.equal(wire.response?.patchType, 'JSONPatch');
      const patch = JSON.parse(
        Buffer.from(wire.response?.patch ?? '', 'base64').toString('utf8'),
      ) as Operation[];
      assert.deepEqual(patch, admission.verdict.patch);
      const applied = fastJsonPatch.applyPatch(
        structuredClone(body.request.object),
        patch,
        true,
        false,
      ).newDocument;
      assert.ok(
        JSON.stringify(applied).includes('harbor.example.com/dockerhub-proxy/library/nginx:1.25'),
      );
    }
  });

  it('has neither patch nor patchType nor empty warnings when nothing changes', () => {
    const wire = toAdmissionReview('admission.k8s.io/v1', 'u', {
      allowed: true,
      patch: [],
      warnings: [],
    });
    assert.deepEqual(wire, {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'u', allowed: true },
    });
  });

  it('carries warnings for images that do not parse', () => {
    const body = review();
    (body.request.object['spec'] as { containers: { image: string }[] }).containers[0]!.image =
      'nginx:-1';
    const { admission } = admitReview(body);
    const wire = toAdmissionReview('admission.k8s.io/v1', 'u', admission.verdict);
    assert.equal(wire.response?.warnings?.length, 1);
    assert.match(
      wire.response?.warnings?.[0] ?? '',
      /containers\[0\] "web": not a valid image reference/,
    );
  });

  it('a refusal carries its status and no patch', () => {
    const wire = toAdmissionReview('admission.k8s.io/v1', 'u', {
      allowed: false,
      patch: [{ op: 'add', path: '/x', value: 1 }],
      warnings: [],
      status: { code: 500, message: 'no' },
    });
    assert.deepEqual(wire.response, {
      uid: 'u',
      allowed: false,
      status: { code: 500, message: 'no' },
    });
  });
});
