/**
 * Admission with registry verification, in its two pure steps around the
 * lookups: `beginAdmission` (what to ask Harbor) and `completeAdmission`
 * with the answers.
 * The answers come from a table; no registry.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import type { AdmissionRequest } from '../../src/admission/admission-review.ts';
import { admit, beginAdmission, completeAdmission, isPending } from '../../src/admission/admit.ts';
import { parseAdmissionReview } from '../../src/admission/parse-review.ts';
import type { Policy } from '../../src/core/policy.ts';
import { formatImageReference } from '../../src/core/reference.ts';
import type { RegistryLookup } from '../../src/core/registry-lookup.ts';
import { examplePolicy, loadJsonFixture } from '../helpers/fixtures.ts';
import { DIGEST_A, FOUND_A, lookupTable, MISSING } from '../helpers/lookup-table.ts';

const { applyPatch, deepClone } = fastJsonPatch;

type Container = { name: string; image: string; imagePullPolicy?: string };
type Pod = {
  metadata: Record<string, unknown>;
  spec: { containers: Container[] } & Record<string, unknown>;
};

const MIGRATIONS = 'harbor.example.com/ghcr-proxy/acme/shop-migrations:v2.3.1';
const NGINX = 'harbor.example.com/dockerhub-proxy/library/nginx:1.25';
const BUSYBOX = 'harbor.example.com/dockerhub-proxy/library/busybox:latest';

function fixtureRequest(): AdmissionRequest {
  const parsed = parseAdmissionReview(loadJsonFixture('pod-create-v1.json'));
  assert.ok(parsed.ok);
  return parsed.request;
}

/** The references the first step asks Harbor about; none when it decided without Harbor. */
function lookupsFor(request: AdmissionRequest, policy: Policy) {
  const step = beginAdmission(request, policy);
  return isPending(step) ? step.references : [];
}

/** Both steps, with the route's part (the lookups) answered from `table`. */
async function admitVerified(
  request: AdmissionRequest,
  policy: Policy,
  table: Record<string, RegistryLookup>,
) {
  const client = lookupTable(table);
  const step = beginAdmission(request, policy);
  const admission = isPending(step)
    ? completeAdmission(step, await client.lookupAll(step.references, policy.verify.budgetMs))
    : step;
  assert.ok(admission.ok, admission.ok ? '' : admission.problem);
  return { admission, client };
}

function patchedPod(request: AdmissionRequest, patch: readonly Operation[]): Pod {
  return applyPatch(deepClone(request.object), deepClone(patch) as Operation[], true, false)
    .newDocument as Pod;
}

const imagesOf = (pod: Pod) =>
  [...((pod.spec['initContainers'] as Container[] | undefined) ?? []), ...pod.spec.containers].map(
    (container) => container.image,
  );

describe('which references admission asks Harbor about', () => {
  it('none when verify is off: the first step decides the whole admission', () => {
    const policy = examplePolicy();
    const step = beginAdmission(fixtureRequest(), policy);
    assert.equal(isPending(step), false);
    assert.deepEqual(step, admit(fixtureRequest(), policy));
  });

  it('none when the Pod rewrites nothing: decided in one step although the policy verifies', () => {
    const policy = examplePolicy({ verify: { mode: 'pin' } });
    const request = fixtureRequest();
    const pod = request.object as Pod;
    delete pod.spec['initContainers'];
    pod.spec.containers = [{ name: 'pause', image: 'registry.k8s.io/pause:3.9' }];
    const step = beginAdmission(request, policy);
    assert.equal(isPending(step), false);
    assert.ok(!isPending(step) && step.ok);
    assert.deepEqual(
      step.changes.filter((change) => change.path.endsWith('/image')).map((change) => change.to),
      ['registry.k8s.io/pause:3.9'],
    );
  });

  it('without answers every reference counts as unavailable (verify.onUnavailable)', () => {
    const policy = examplePolicy({ verify: { mode: 'exists', onUnavailable: 'keep' } });
    const step = beginAdmission(fixtureRequest(), policy);
    assert.ok(isPending(step));
    const admission = completeAdmission(step, new Map());
    assert.ok(admission.ok);
    assert.deepEqual(
      admission.verdict.patch.filter((op) => op.path.endsWith('/image')),
      [],
    );
    assert.ok(admission.verdict.warnings.every((warning) => /could not confirm/.test(warning)));
  });

  it('each rewritten image of the Pod once, not the excluded one', () => {
    const policy = examplePolicy({ verify: { mode: 'exists' } });
    const request = fixtureRequest();
    const pod = request.object as Pod;
    pod.spec.containers.push({ name: 'web2', image: 'docker.io/library/nginx:1.25' });
    const keys = lookupsFor(request, policy).map(formatImageReference);
    assert.deepEqual(keys, [
      MIGRATIONS,
      NGINX,
      'harbor.example.com/dockerhub-proxy/library/busybox',
    ]);
  });

  it('none for a Pod in a system namespace or one that opts out', () => {
    const policy = examplePolicy({ verify: { mode: 'exists' } });
    const system = { ...fixtureRequest(), namespace: 'kube-system' };
    assert.deepEqual(lookupsFor(system, policy), []);
    const optedOut = fixtureRequest();
    (optedOut.object as Pod).metadata['labels'] = { 'harbor-image-webhook/skip': 'true' };
    assert.deepEqual(lookupsFor(optedOut, policy), []);
  });

  it('none for a request that is not mutated', () => {
    const policy = examplePolicy({ verify: { mode: 'exists' } });
    assert.deepEqual(lookupsFor({ ...fixtureRequest(), operation: 'DELETE' }, policy), []);
  });

  it('only the new debug container of an ephemeral-container update', () => {
    const policy = examplePolicy({ verify: { mode: 'exists' } });
    const request = fixtureRequest();
    const newPod = deepClone(request.object) as Pod;
    newPod.spec['ephemeralContainers'] = [{ name: 'debugger', image: 'busybox:1.36' }];
    const update = {
      ...request,
      operation: 'UPDATE' as const,
      subResource: 'ephemeralcontainers',
      oldObject: request.object,
      object: newPod,
    };
    assert.deepEqual(lookupsFor(update, policy).map(formatImageReference), [
      'harbor.example.com/dockerhub-proxy/library/busybox:1.36',
    ]);
  });
});

describe('admission with the answers', () => {
  it('exists: images Harbor has are rewritten as without verification', async () => {
    const policy = examplePolicy({ verify: { mode: 'exists' } });
    const found = { [MIGRATIONS]: FOUND_A, [NGINX]: FOUND_A, [BUSYBOX]: FOUND_A };
    const { admission, client } = await admitVerified(fixtureRequest(), policy, found);
    assert.equal(client.calls.length, 1, 'one lookupAll for the whole Pod');
    const blind = admit(fixtureRequest(), examplePolicy());
    assert.ok(blind.ok);
    assert.deepEqual(admission.verdict, blind.verdict);
  });

  it('onMissing keep: the missing image stays and the warning names container, image and reason', async () => {
    const policy = examplePolicy({ verify: { mode: 'exists', onMissing: 'keep' } });
    const { admission } = await admitVerified(fixtureRequest(), policy, {
      [MIGRATIONS]: FOUND_A,
      [BUSYBOX]: FOUND_A,
    });
    assert.equal(admission.outcome, 'mutated');
    const pod = patchedPod(fixtureRequest(), admission.verdict.patch);
    assert.deepEqual(imagesOf(pod), [
      MIGRATIONS,
      'nginx:1.25',
      'harbor.example.com/dockerhub-proxy/library/busybox',
      'registry.k8s.io/pause:3.9',
    ]);
    assert.deepEqual(admission.verdict.warnings, [
      `containers[0] "web": Harbor does not have ${NGINX} (MANIFEST_UNKNOWN); left unchanged (verify.onMissing: keep)`,
    ]);
    const record = (pod.metadata['annotations'] as Record<string, string>)[
      'harbor-image-webhook/original-images'
    ];
    assert.deepEqual(JSON.parse(record ?? '{}'), {
      migrate: 'ghcr.io/acme/shop-migrations:v2.3.1',
      sidecar: 'busybox',
    });
  });

  it('onMissing deny: the Pod is refused with a 403 naming the image and the reason', async () => {
    const policy = examplePolicy({ verify: { mode: 'exists', onMissing: 'deny' } });
    const { admission } = await admitVerified(fixtureRequest(), policy, {
      [MIGRATIONS]: FOUND_A,
      [BUSYBOX]: FOUND_A,
    });
    assert.equal(admission.outcome, 'denied');
    assert.equal(admission.verdict.allowed, false);
    assert.deepEqual(admission.verdict.patch, []);
    assert.equal(admission.verdict.status?.code, 403);
    assert.equal(admission.verdict.status?.reason, 'Forbidden');
    assert.equal(
      admission.verdict.status?.message,
      `harbor-image-webhook: registry verification refused the Pod: containers[0] "web": image "nginx:1.25": ` +
        `Harbor does not have ${NGINX} (MANIFEST_UNKNOWN); the Pod is refused (verify.onMissing: deny)`,
    );
  });

  it('pin: every rewritten image carries its digest and the record holds the originals', async () => {
    const policy = examplePolicy({ verify: { mode: 'pin' } });
    const found = { [MIGRATIONS]: FOUND_A, [NGINX]: FOUND_A, [BUSYBOX]: FOUND_A };
    const { admission } = await admitVerified(fixtureRequest(), policy, found);
    const pod = patchedPod(fixtureRequest(), admission.verdict.patch);
    assert.deepEqual(imagesOf(pod), [
      `${MIGRATIONS}@${DIGEST_A}`,
      `${NGINX}@${DIGEST_A}`,
      `${BUSYBOX}@${DIGEST_A}`,
      'registry.k8s.io/pause:3.9',
    ]);
    const sidecar = pod.spec.containers.find((container) => container.name === 'sidecar');
    // The apiserver defaulted Always for :latest; the webhook cannot tell it from an explicit one.
    assert.equal(sidecar?.imagePullPolicy, 'Always', 'Always is never lowered');
    assert.deepEqual(admission.verdict.warnings, []);
  });

  it('pin: a pinned Pod fed back is not rewritten again and keeps its record on an update', async () => {
    const policy = examplePolicy({ verify: { mode: 'pin' } });
    const found = { [MIGRATIONS]: FOUND_A, [NGINX]: FOUND_A, [BUSYBOX]: FOUND_A };
    const { admission } = await admitVerified(fixtureRequest(), policy, found);
    const pinned = patchedPod(fixtureRequest(), admission.verdict.patch);
    const changed = deepClone(pinned) as Pod;
    const web = changed.spec.containers.find((container) => container.name === 'web');
    assert.ok(web);
    web.image = 'nginx:1.26';
    const update = {
      ...fixtureRequest(),
      operation: 'UPDATE' as const,
      oldObject: pinned,
      object: changed,
    };
    const second = await admitVerified(update, policy, {
      'harbor.example.com/dockerhub-proxy/library/nginx:1.26': FOUND_A,
    });
    assert.equal(second.client.calls[0]?.length, 1, 'only the changed image is looked up');
    const after = patchedPod(update, second.admission.verdict.patch);
    const record = JSON.parse(
      (after.metadata['annotations'] as Record<string, string>)[
        'harbor-image-webhook/original-images'
      ] ?? '{}',
    ) as Record<string, string>;
    assert.deepEqual(record, {
      migrate: 'ghcr.io/acme/shop-migrations:v2.3.1',
      sidecar: 'busybox',
      web: 'nginx:1.26',
    });
  });

  it('mode off: lookups passed in change nothing', () => {
    const policy = examplePolicy();
    const withLookups = admit(fixtureRequest(), policy, undefined, new Map([[NGINX, MISSING]]));
    assert.deepEqual(withLookups, admit(fixtureRequest(), policy));
  });
});
