/**
 * A Pod UPDATE (`kubectl set image`, `kubectl edit`): only the containers
 * whose image changes are rewritten; the pull policy and pull secrets, which
 * the apiserver does not let an update change, stay; the record follows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { admit } from '../../src/admission/admit.ts';
import { parseAdmissionReview } from '../../src/admission/parse-review.ts';
import type { Policy } from '../../src/core/policy.ts';
import { examplePolicy } from '../helpers/fixtures.ts';

const ANNOTATION = 'harbor-image-webhook/original-images';
const HARBOR = 'harbor.example.com/dockerhub-proxy/library';

interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
}
interface Pod {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    initContainers?: Container[];
    imagePullSecrets?: { name: string }[];
  };
}

/** What the apiserver stores after the webhook's CREATE: images on Harbor, the record, the secret. */
function storedPod(): Pod {
  return {
    metadata: {
      name: 'app',
      annotations: {
        team: 'shop',
        [ANNOTATION]: JSON.stringify({ migrate: 'busybox:1.36', web: 'nginx:1.25' }),
      },
    },
    spec: {
      initContainers: [
        { name: 'migrate', image: `${HARBOR}/busybox:1.36`, imagePullPolicy: 'IfNotPresent' },
      ],
      containers: [
        { name: 'web', image: `${HARBOR}/nginx:1.25`, imagePullPolicy: 'IfNotPresent' },
        { name: 'pause', image: 'registry.k8s.io/pause:3.9', imagePullPolicy: 'IfNotPresent' },
      ],
      imagePullSecrets: [{ name: 'harbor-pull' }],
    },
  };
}

function updateReview(oldPod: Pod, newPod: Pod, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u-1',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      name: 'app',
      namespace: 'shop',
      operation: 'UPDATE',
      object: newPod,
      oldObject: oldPod,
      ...extra,
    },
  };
}

function admitUpdate(
  oldPod: Pod,
  newPod: Pod,
  options: { policy?: Policy; extra?: Record<string, unknown> } = {},
) {
  const parsed = parseAdmissionReview(updateReview(oldPod, newPod, options.extra));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.problem);
  const admission = admit(parsed.request, options.policy ?? examplePolicy());
  assert.ok(admission.ok, admission.ok ? '' : admission.problem);
  return admission;
}

function patched(pod: Pod, patch: readonly Operation[]): Pod {
  return fastJsonPatch.applyPatch(structuredClone(pod), structuredClone(patch) as Operation[], true)
    .newDocument;
}

const record = (pod: Pod): unknown => JSON.parse(pod.metadata.annotations?.[ANNOTATION] ?? 'null');

/** `kubectl set image pod/app <container>=<image>`: the stored Pod with one image changed. */
function setImage(pod: Pod, container: string, image: string): Pod {
  const updated = structuredClone(pod);
  const all = [...(updated.spec.initContainers ?? []), ...updated.spec.containers];
  const target = all.find((candidate) => candidate.name === container);
  assert.ok(target, `no container ${container}`);
  target.image = image;
  return updated;
}

describe('a Pod UPDATE that changes an image', () => {
  it('rewrites the changed container, and only it, and records its new original', () => {
    const oldPod = storedPod();
    const admission = admitUpdate(oldPod, setImage(oldPod, 'web', 'nginx:1.26'));

    assert.equal(admission.outcome, 'mutated');
    assert.deepEqual(
      admission.verdict.patch.map((operation) => `${operation.op} ${operation.path}`),
      [
        'replace /metadata/annotations/harbor-image-webhook~1original-images',
        'replace /spec/containers/0/image',
      ],
    );
    const after = patched(setImage(oldPod, 'web', 'nginx:1.26'), admission.verdict.patch);
    assert.equal(after.spec.containers[0]?.image, `${HARBOR}/nginx:1.26`);
    assert.deepEqual(record(after), { migrate: 'busybox:1.36', web: 'nginx:1.26' });
    assert.deepEqual(admission.verdict.warnings, []);
  });

  it('rewrites a changed init container too', () => {
    const oldPod = storedPod();
    const newPod = setImage(oldPod, 'migrate', 'busybox:1.37');
    const after = patched(newPod, admitUpdate(oldPod, newPod).verdict.patch);
    assert.equal(after.spec.initContainers?.[0]?.image, `${HARBOR}/busybox:1.37`);
    assert.deepEqual(record(after), { web: 'nginx:1.25', migrate: 'busybox:1.37' });
  });

  it('never adds pull secrets, which a Pod update may not change', () => {
    const oldPod = storedPod();
    delete oldPod.spec.imagePullSecrets;
    const admission = admitUpdate(oldPod, setImage(oldPod, 'web', 'nginx:1.26'));
    assert.ok(!admission.verdict.patch.some((operation) => operation.path.includes('Secrets')));
    assert.deepEqual(admission.missingSecrets, []);
  });

  it('leaves the pull policy as it is and says what the mode would have set, since a Pod update may not change it', () => {
    const oldPod = storedPod();
    const newPod = setImage(oldPod, 'web', 'nginx:latest');
    const admission = admitUpdate(oldPod, newPod);
    assert.ok(!admission.verdict.patch.some((operation) => operation.path.endsWith('Policy')));
    assert.equal(
      patched(newPod, admission.verdict.patch).spec.containers[0]?.image,
      `${HARBOR}/nginx:latest`,
    );
    assert.equal(admission.verdict.warnings.length, 1);
    assert.match(
      admission.verdict.warnings[0] ?? '',
      /containers\[0\] "web": imagePullPolicy stays IfNotPresent, since a Pod update may not change it \(imagePullPolicy: enforce would set Always/,
    );
  });

  it('drops the record entry of a container changed to an image the policy leaves alone', () => {
    const oldPod = storedPod();
    const newPod = setImage(oldPod, 'web', 'quay.io/org/web:2');
    const admission = admitUpdate(oldPod, newPod);
    const after = patched(newPod, admission.verdict.patch);
    assert.equal(after.spec.containers[0]?.image, 'quay.io/org/web:2');
    assert.deepEqual(record(after), { migrate: 'busybox:1.36' });
    assert.deepEqual(admission.verdict.warnings, []);
  });

  it('drops the record entry of a container set straight to another Harbor image', () => {
    const oldPod = storedPod();
    const newPod = setImage(oldPod, 'web', `${HARBOR}/nginx:1.26`);
    const after = patched(newPod, admitUpdate(oldPod, newPod).verdict.patch);
    assert.equal(after.spec.containers[0]?.image, `${HARBOR}/nginx:1.26`);
    assert.deepEqual(record(after), { migrate: 'busybox:1.36' });
  });

  it('removes the record when no entry is left', () => {
    const oldPod = storedPod();
    oldPod.metadata.annotations![ANNOTATION] = JSON.stringify({ web: 'nginx:1.25' });
    const newPod = setImage(oldPod, 'web', 'quay.io/org/web:2');
    assert.deepEqual(admitUpdate(oldPod, newPod).verdict.patch, [
      { op: 'remove', path: '/metadata/annotations/harbor-image-webhook~1original-images' },
    ]);
  });

  it('answers a dry run exactly like a real update', () => {
    const oldPod = storedPod();
    const newPod = setImage(oldPod, 'web', 'nginx:1.26');
    assert.deepEqual(
      admitUpdate(oldPod, newPod, { extra: { dryRun: true } }).verdict,
      admitUpdate(oldPod, newPod).verdict,
    );
  });

  it('is idempotent: the update with the patch applied (a reinvocation) gets no patch', () => {
    const oldPod = storedPod();
    const newPod = setImage(oldPod, 'web', 'nginx:1.26');
    const once = patched(newPod, admitUpdate(oldPod, newPod).verdict.patch);
    const again = admitUpdate(oldPod, once);
    assert.deepEqual(again.verdict.patch, []);
    assert.deepEqual(again.verdict.warnings, []);
  });
});

describe('a Pod UPDATE that changes no image', () => {
  it('gets no patch when it changes a label of a Pod the webhook rewrote on CREATE', () => {
    const oldPod = storedPod();
    const newPod = structuredClone(oldPod);
    (newPod.metadata as Record<string, unknown>)['labels'] = { tier: 'front' };
    const admission = admitUpdate(oldPod, newPod);
    assert.equal(admission.outcome, 'unchanged');
    assert.deepEqual(admission.verdict, { allowed: true, patch: [], warnings: [] });
  });

  it('gets no patch even when the policy has changed since CREATE and the record no longer verifies', () => {
    const oldPod = storedPod();
    const policy = examplePolicy({
      rules: [{ match: 'docker.io/**', project: 'another-proxy' }],
    });
    const admission = admitUpdate(oldPod, structuredClone(oldPod), { policy });
    assert.deepEqual(admission.verdict.patch, []);
  });

  it('gets no patch for a Pod that never had a record', () => {
    const oldPod = storedPod();
    delete oldPod.metadata.annotations;
    oldPod.spec.containers[0]!.image = 'nginx:1.25';
    assert.deepEqual(admitUpdate(oldPod, structuredClone(oldPod)).verdict.patch, []);
  });

  it('cannot plant a false record: an edited annotation is put back to the entries that verify, with a warning', () => {
    const oldPod = storedPod();
    const newPod = structuredClone(oldPod);
    newPod.metadata.annotations![ANNOTATION] = JSON.stringify({
      web: 'evil.example/web:1',
      pause: 'nginx:1.0',
    });
    const admission = admitUpdate(oldPod, newPod);
    const after = patched(newPod, admission.verdict.patch);
    assert.deepEqual(record(after), { migrate: 'busybox:1.36', web: 'nginx:1.25' });
    assert.equal(admission.verdict.warnings.length, 1);
    assert.match(admission.verdict.warnings[0] ?? '', /ignored the entries for "web", "pause"/);
  });
});

describe('a Pod UPDATE that the webhook cannot read', () => {
  it('is refused as malformed without oldObject', () => {
    const parsed = parseAdmissionReview(
      updateReview(storedPod(), storedPod(), { oldObject: null }),
    );
    assert.ok(parsed.ok);
    const admission = admit(parsed.request, examplePolicy());
    assert.equal(admission.ok, false);
    if (!admission.ok) assert.match(admission.problem, /request.oldObject is required/);
  });

  it('is refused as malformed when oldObject is not an object', () => {
    const parsed = parseAdmissionReview(
      updateReview(storedPod(), storedPod(), { oldObject: 'pod' }),
    );
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.problem, /request.oldObject must be an object/);
  });
});
