/**
 * The original-images record on CREATE: written from what the webhook saw,
 * never from what the Pod claims, and never so large that the apiserver
 * refuses the Pod.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { mutatePodTemplate } from '../../src/core/mutate.ts';
import { examplePolicy } from '../helpers/fixtures.ts';

const ANNOTATION = 'harbor-image-webhook/original-images';
const HARBOR = 'harbor.example.com/dockerhub-proxy/library';
/** Kubernetes' `TotalAnnotationSizeLimitB`, over every key and value in UTF-8 bytes. */
const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;

interface Pod {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { containers: { name: string; image: string }[] };
}

function pod(containers: Pod['spec']['containers'], annotations?: Record<string, string>): Pod {
  return {
    metadata: { name: 'p', ...(annotations === undefined ? {} : { annotations }) },
    spec: { containers },
  };
}

function mutate(template: Pod) {
  const result = mutatePodTemplate(template, examplePolicy());
  assert.ok(result.ok, result.ok ? '' : result.problem);
  const after = fastJsonPatch.applyPatch(
    structuredClone(template),
    structuredClone(result.mutation.patch) as Operation[],
    true,
  ).newDocument;
  const value = after.metadata.annotations?.[ANNOTATION];
  return {
    ...result.mutation,
    after,
    record: value === undefined ? undefined : (JSON.parse(value) as unknown),
  };
}

/** What the apiserver checks: the UTF-8 bytes of every key and value. */
function annotationBytes(template: Pod): number {
  return Object.entries(template.metadata.annotations ?? {}).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value),
    0,
  );
}

describe('the record on CREATE is written from what the webhook saw', () => {
  it('replaces a claimed original for a container it rewrites, and says so', () => {
    const result = mutate(
      pod([{ name: 'web', image: 'nginx:1.25' }], {
        [ANNOTATION]: JSON.stringify({ web: 'evil.example/web:1' }),
      }),
    );
    assert.deepEqual(result.record, { web: 'nginx:1.25' });
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0] ?? '', /ignored the entries for "web"/);
  });

  it('drops claims about a container it left alone, and removes a record left empty', () => {
    const result = mutate(
      pod([{ name: 'tool', image: 'quay.io/org/tool:1' }], {
        team: 'shop',
        [ANNOTATION]: JSON.stringify({ tool: 'nginx:1.25' }),
      }),
    );
    assert.deepEqual(
      result.patch.filter((operation) => operation.path.startsWith('/metadata')),
      [{ op: 'remove', path: '/metadata/annotations/harbor-image-webhook~1original-images' }],
    );
    assert.deepEqual(result.after.metadata.annotations, { team: 'shop' });
    assert.match(result.warnings[0] ?? '', /ignored the entries for "tool"/);
  });

  it('drops a claim that a Harbor image came from somewhere the policy does not map to it', () => {
    const result = mutate(
      pod(
        [
          { name: 'web', image: `${HARBOR}/nginx:1.25` },
          { name: 'api', image: 'nginx:1.26' },
        ],
        { [ANNOTATION]: JSON.stringify({ web: 'ghcr.io/evil/nginx:1.25' }) },
      ),
    );
    assert.deepEqual(result.record, { api: 'nginx:1.26' });
  });

  it('drops claims about containers the Pod does not have', () => {
    const result = mutate(
      pod([{ name: 'web', image: 'nginx:1.25' }], {
        [ANNOTATION]: JSON.stringify({ ghost: 'nginx:1.0' }),
      }),
    );
    assert.deepEqual(result.record, { web: 'nginx:1.25' });
    assert.match(result.warnings[0] ?? '', /"ghost"/);
  });

  it('keeps an entry the policy confirms, as on a reinvocation after another webhook added a container', () => {
    const result = mutate(
      pod(
        [
          { name: 'web', image: `${HARBOR}/nginx:1.25` },
          { name: 'sidecar', image: 'busybox:1.36' },
        ],
        { [ANNOTATION]: JSON.stringify({ web: 'nginx:1.25' }) },
      ),
    );
    assert.deepEqual(result.record, { web: 'nginx:1.25', sidecar: 'busybox:1.36' });
    assert.deepEqual(result.warnings, []);
  });

  it('names at most five dropped entries, each cut to 63 characters', () => {
    const claims = Object.fromEntries(
      Array.from({ length: 8 }, (_, index) => [`${'x'.repeat(100)}${index}`, 'nginx:1']),
    );
    const result = mutate(
      pod([{ name: 'web', image: 'nginx:1.25' }], { [ANNOTATION]: JSON.stringify(claims) }),
    );
    const warning = result.warnings[0] ?? '';
    assert.match(warning, /and 3 more/);
    assert.ok(warning.length < 600, warning);
  });
});

describe('the record never takes the annotations over the apiserver limit', () => {
  const containers = [{ name: 'web', image: 'nginx:1.25' }];
  const value = JSON.stringify({ web: 'nginx:1.25' });
  /** A filler annotation of `unit`s (padded with ASCII) that leaves exactly `room` bytes for the record. */
  const filler = (room: number, unit = 'a'): Record<string, string> => {
    const bytes = ANNOTATIONS_SIZE_LIMIT - 'filler'.length - room;
    const units = Math.floor(bytes / Buffer.byteLength(unit));
    return { filler: unit.repeat(units) + 'a'.repeat(bytes - units * Buffer.byteLength(unit)) };
  };
  const needed = ANNOTATION.length + value.length;

  it('writes the record when it fits exactly', () => {
    const result = mutate(pod(containers, filler(needed)));
    assert.deepEqual(result.record, { web: 'nginx:1.25' });
    assert.equal(annotationBytes(result.after), ANNOTATIONS_SIZE_LIMIT);
    assert.deepEqual(result.warnings, []);
  });

  it('leaves the record out, still rewrites, and warns when it is one byte short', () => {
    const result = mutate(pod(containers, filler(needed - 1)));
    assert.equal(result.record, undefined);
    assert.equal(result.after.spec.containers[0]?.image, `${HARBOR}/nginx:1.25`);
    assert.ok(annotationBytes(result.after) <= ANNOTATIONS_SIZE_LIMIT);
    assert.deepEqual(result.warnings, [
      `annotation ${ANNOTATION} not written: with it the Pod's annotations would take ${ANNOTATIONS_SIZE_LIMIT + 1} bytes, over the apiserver's limit of ${ANNOTATIONS_SIZE_LIMIT}`,
    ]);
  });

  it('counts bytes, not characters: two-, three- and four-byte characters at the limit', () => {
    // A lone surrogate reaches the apiserver as U+FFFD: 3 bytes, as Buffer.byteLength counts it.
    for (const unit of ['é', '€', '😀', '\ud800']) {
      assert.deepEqual(mutate(pod(containers, filler(needed, unit))).record, {
        web: 'nginx:1.25',
      });
      assert.equal(mutate(pod(containers, filler(needed - 1, unit))).record, undefined, unit);
    }
  });

  it('removes a user-written record rather than keep it when the real one does not fit', () => {
    const annotations = { ...filler(needed - 1), [ANNOTATION]: '{"web":"evil:1"}' };
    const result = mutate(pod(containers, annotations));
    assert.equal(result.record, undefined);
    assert.ok(annotationBytes(result.after) <= ANNOTATIONS_SIZE_LIMIT);
  });

  it('leaves out the record of a Pod with many containers and long references, and still rewrites them all', () => {
    const many = Array.from({ length: 1000 }, (_, index) => ({
      name: `container-${index}-${'n'.repeat(40)}`,
      image: `docker.io/${'org'.repeat(20)}/${'repository'.repeat(15)}:${index}`,
    }));
    const result = mutate(pod(many));
    assert.equal(result.record, undefined);
    assert.ok(result.after.spec.containers.every((c) => c.image.startsWith('harbor.example.com/')));
    assert.match(result.warnings[0] ?? '', /not written/);
  });
});
