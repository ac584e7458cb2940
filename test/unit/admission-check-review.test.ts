// The judgement of the `helm test` review answer (scripts/admission-check/review.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admissionReviewFor, judgeAnswer } from '../../scripts/admission-check/review.ts';
import { parseAdmissionReview } from '../../src/admission/parse-review.ts';

const expectation = { image: 'nginx:1.25', harborHost: 'harbor.example.com' };

function answer(response: object): string {
  return JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
}

function patchOf(operations: object[]): string {
  return Buffer.from(JSON.stringify(operations)).toString('base64');
}

describe('admissionReviewFor', () => {
  it('builds a dry-run Pod CREATE review the server accepts, with a fresh uid each time', () => {
    const review = admissionReviewFor('nginx:1.25', 'harbor-system');
    const parsed = parseAdmissionReview(review);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.problem);
    assert.equal(parsed.request.operation, 'CREATE');
    assert.equal(parsed.request.namespace, 'harbor-system');
    assert.equal(parsed.request.dryRun, true);
    const other = parseAdmissionReview(admissionReviewFor('nginx:1.25', 'harbor-system'));
    assert.ok(other.ok);
    assert.notEqual(parsed.request.uid, other.request.uid);
  });
});

describe('judgeAnswer', () => {
  const rewritten = 'harbor.example.com/dockerhub-proxy/library/nginx:1.25';
  const good = answer({
    uid: 'u',
    allowed: true,
    patchType: 'JSONPatch',
    patch: patchOf([{ op: 'replace', path: '/spec/containers/0/image', value: rewritten }]),
  });

  it('passes a patch that moves the image to the Harbor host', () => {
    assert.deepEqual(judgeAnswer(200, good, expectation), { ok: true, image: rewritten });
  });

  const failures: { name: string; status: number; body: string; problem: RegExp }[] = [
    {
      name: 'an HTTP error',
      status: 401,
      body: '{"message":"no"}',
      problem: /HTTP 401: \{"message":"no"\}/,
    },
    { name: 'a body that is not JSON', status: 200, body: '<html>', problem: /not JSON: <html>/ },
    { name: 'a review without a response', status: 200, body: '{}', problem: /without a response/ },
    {
      name: 'a refusal',
      status: 200,
      body: answer({ uid: 'u', allowed: false, status: { code: 403, message: 'denied' } }),
      problem: /refused the Pod: .*denied/,
    },
    {
      name: 'no patch',
      status: 200,
      body: answer({ uid: 'u', allowed: true }),
      problem: /left nginx:1\.25 unchanged/,
    },
    {
      name: 'a patch that is not base64 JSON',
      status: 200,
      body: answer({ uid: 'u', allowed: true, patch: '!!!' }),
      problem: /not base64 of a JSON patch/,
    },
    {
      name: 'a patch that is not an array',
      status: 200,
      body: answer({ uid: 'u', allowed: true, patch: Buffer.from('{}').toString('base64') }),
      problem: /not a JSON patch array/,
    },
    {
      name: 'a patch that only adds pull secrets',
      status: 200,
      body: answer({
        uid: 'u',
        allowed: true,
        patch: patchOf([{ op: 'add', path: '/spec/imagePullSecrets', value: [{ name: 'p' }] }]),
      }),
      problem: /unchanged/,
    },
  ];
  for (const { name, status, body, problem } of failures) {
    it(`fails on ${name}`, () => {
      const verdict = judgeAnswer(status, body, expectation);
      assert.equal(verdict.ok, false);
      assert.match(verdict.ok ? '' : verdict.problem, problem);
    });
  }

  it('fails when the image is on another host, or differs from the expected one', () => {
    const elsewhere = judgeAnswer(200, good, { ...expectation, harborHost: 'harbor.example' });
    assert.equal(elsewhere.ok, false);
    const mismatch = judgeAnswer(200, good, {
      ...expectation,
      expectedImage: 'harbor.example.com/x:1',
    });
    assert.deepEqual(mismatch, {
      ok: false,
      problem: `expected harbor.example.com/x:1, the webhook answered ${rewritten}`,
    });
  });
});
