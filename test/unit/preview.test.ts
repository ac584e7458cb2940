import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { admit } from '../../src/admission/admit.ts';
import { parseAdmissionReview } from '../../src/admission/parse-review.ts';
import { preview, type PreviewResponse } from '../../src/preview/preview-request.ts';
import type { ObjectPreview } from '../../src/preview/preview-objects.ts';
import type { ImagePreview } from '../../src/preview/preview-images.ts';
import { examplePolicy, loadJsonFixture } from '../helpers/fixtures.ts';

const policy = examplePolicy();
const bundle = readFileSync(new URL('../../examples/bundle.yaml', import.meta.url), 'utf8');

function results(text: string, namespace?: string): readonly ObjectPreview[] {
  const outcome = preview(text, policy, namespace === undefined ? {} : { namespace });
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.problem);
  assert.ok('results' in outcome.response);
  return (outcome.response as Extract<PreviewResponse, { results: unknown }>).results;
}

function problem(text: string): string {
  const outcome = preview(text, policy);
  assert.equal(outcome.ok, false);
  return outcome.ok ? '' : outcome.problem;
}

const deployment = (image: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers: [{name: web, image: "${image}"}]${extra}
`;

describe('previewing a multi-document bundle', () => {
  it('answers one result per object in input order with kind, name and namespace', () => {
    const found = results(bundle);
    assert.deepEqual(
      found.map((result) => [result.kind, result.name, result.namespace, result.document]),
      [
        ['Deployment', 'web', 'shop', 1],
        ['Service', 'web', 'shop', 2],
        ['CronJob', 'nightly-report', 'shop', 3],
        ['StatefulSet', 'cache', 'shop', 4],
      ],
    );
  });

  it('returns objects without a pod template with no changes and no patch', () => {
    const service = results(bundle)[1];
    assert.deepEqual(service?.changes, []);
    assert.deepEqual(service?.patch, []);
  });

  it('mutates a CronJob at spec.jobTemplate.spec.template', () => {
    const cronJob = results(bundle)[2];
    assert.ok(
      cronJob?.patch.every((operation) =>
        operation.path.startsWith('/spec/jobTemplate/spec/template/'),
      ),
    );
    const image = (
      cronJob?.object as {
        spec: {
          jobTemplate: { spec: { template: { spec: { containers: { image: string }[] } } } };
        };
      }
    ).spec.jobTemplate.spec.template.spec.containers[0]?.image;
    assert.equal(image, 'harbor.example.com/ghcr-proxy/acme/report:2.1.0');
  });

  it('keeps a StatefulSet own pull secret and appends the policy one', () => {
    const statefulSet = results(bundle)[3]?.object as {
      spec: { template: { spec: { imagePullSecrets: { name: string }[] } } };
    };
    assert.deepEqual(statefulSet.spec.template.spec.imagePullSecrets, [
      { name: 'team-registry' },
      { name: 'harbor-pull' },
    ]);
  });

  it('gives every result a patch that applies to its input and yields its object', () => {
    const outcome = preview(bundle, policy);
    assert.ok(outcome.ok);
    if (!outcome.ok || !('results' in outcome.response)) return;
    outcome.response.results.forEach((result, index) => {
      const input = structuredClone(outcome.inputs[index]?.object);
      const applied = fastJsonPatch.applyPatch(
        input,
        structuredClone(result.patch) as Operation[],
        true,
        false,
      ).newDocument;
      assert.deepEqual(applied, result.object);
    });
  });

  it('explains each image with a stable reason code and a sentence', () => {
    const changes = results(deployment('registry.k8s.io/pause:3.9'))[0]?.changes ?? [];
    const image = changes.find((change) => change.path.endsWith('/image'));
    assert.equal(image?.reason, 'excluded');
    assert.match(image?.message ?? '', /excluded by "registry.k8s.io\/pause"/);
  });

  it('fills the namespace from the option only for objects that name none', () => {
    assert.equal(results(deployment('nginx'), 'team-a')[0]?.namespace, 'team-a');
    assert.equal(results(bundle, 'team-a')[0]?.namespace, 'shop');
  });

  it('leaves a workload in kube-system alone, as admission would', () => {
    const result = results(deployment('nginx'), 'kube-system')[0];
    assert.deepEqual(result?.patch, []);
    assert.match(result?.warnings[0] ?? '', /system namespace/);
  });

  it('expands a kind: List and a JSON input', () => {
    const list = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'a' },
          spec: { containers: [{ name: 'a', image: 'nginx' }] },
        },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } },
      ],
    });
    assert.deepEqual(
      results(list).map((result) => result.kind),
      ['Pod', 'ConfigMap'],
    );
  });

  it('covers every workload kind that carries a pod template', () => {
    const template = { spec: { containers: [{ name: 'a', image: 'nginx:1' }] } };
    const objects = [
      { kind: 'Pod', ...template },
      { kind: 'PodTemplate', template },
      ...[
        'Deployment',
        'StatefulSet',
        'DaemonSet',
        'ReplicaSet',
        'ReplicationController',
        'Job',
      ].map((kind) => ({ kind, spec: { template } })),
      { kind: 'CronJob', spec: { jobTemplate: { spec: { template } } } },
    ];
    const found = results(
      objects
        .map((object) => JSON.stringify({ apiVersion: 'v1', metadata: { name: 'x' }, ...object }))
        .join('\n---\n'),
    );
    assert.equal(found.length, 9);
    for (const result of found) {
      assert.ok(
        result.changes.some((change) => change.reason === 'rewritten'),
        `${result.kind} was not rewritten`,
      );
    }
  });
});

describe('the preview and admission are one engine', () => {
  it('the preview of a Pod gives the same patch as /mutate for it', () => {
    const review = loadJsonFixture<{ request: { object: unknown } }>('pod-create-v1.json');
    const parsed = parseAdmissionReview(review);
    assert.ok(parsed.ok);
    if (!parsed.ok) return;
    const admission = admit(parsed.request, policy);
    assert.ok(admission.ok);
    if (!admission.ok) return;
    const previewed = results(JSON.stringify(review.request.object))[0];
    assert.deepEqual(previewed?.patch, admission.verdict.patch);
  });

  it('a Deployment template gives what /mutate gives for the Pod it creates', () => {
    const previewed = results(
      deployment('ghcr.io/org/app:1', '\n      imagePullSecrets: [{name: own}]'),
    )[0];
    const template = (previewed?.object as { spec: { template: unknown } }).spec.template;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1' },
      spec: {
        containers: [{ name: 'web', image: 'ghcr.io/org/app:1' }],
        imagePullSecrets: [{ name: 'own' }],
      },
    };
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u',
        operation: 'CREATE',
        resource: { group: '', version: 'v1', resource: 'pods' },
        namespace: 'shop',
        object: pod,
      },
    };
    const parsed = parseAdmissionReview(review);
    assert.ok(parsed.ok);
    if (!parsed.ok) return;
    const admission = admit(parsed.request, policy);
    assert.ok(admission.ok);
    if (!admission.ok) return;
    const mutated = fastJsonPatch.applyPatch(
      pod,
      structuredClone(admission.verdict.patch) as Operation[],
      true,
      false,
    ).newDocument;
    assert.deepEqual((mutated as { spec: unknown }).spec, (template as { spec: unknown }).spec);
  });
});

describe('a list of images', () => {
  it('answers each image with its normalized reference, result and rule', () => {
    const outcome = preview(
      JSON.stringify({ images: ['nginx', 'quay.io/a/b:1', 'Bad'] }),
      examplePolicy({ rules: [{ match: 'docker.io/**', project: 'hub' }] }),
    );
    assert.ok(outcome.ok);
    if (!outcome.ok) return;
    const images = (outcome.response as { images: readonly ImagePreview[] }).images;
    assert.deepEqual(images[0], {
      image: 'nginx',
      outcome: 'rewritten',
      result: 'harbor.example.com/hub/library/nginx',
      message: 'rewritten by rules[0] "docker.io/**" to Harbor project "hub"',
      normalized: 'docker.io/library/nginx:latest',
      rule: { index: 0, match: 'docker.io/**', project: 'hub' },
    });
    assert.equal(images[1]?.outcome, 'no-rule');
    assert.equal(images[2]?.outcome, 'invalid-reference');
  });

  it('refuses images that are not strings', () => {
    assert.match(problem('{"images": [1]}'), /images must be a list of strings/);
  });
});

describe('hostile or malformed input is refused with the document and line', () => {
  it('names the document and line of a YAML syntax error', () => {
    assert.match(
      problem(`${deployment('nginx')}---\nkind: Pod\nmetadata: {name: [\n`),
      /^document 2, line \d+:/,
    );
  });

  it('refuses a document that is not an object', () => {
    assert.match(problem('just a string'), /document 1 \(line 1\): not a Kubernetes object/);
  });

  it('refuses an object without kind', () => {
    assert.match(problem('apiVersion: v1\nmetadata: {name: x}'), /the object has no kind/);
  });

  it('refuses a malformed pod template naming the object', () => {
    assert.match(
      problem(
        'kind: Deployment\nmetadata: {name: web}\nspec: {template: {spec: {containers: nginx}}}',
      ),
      /document 1 \(Deployment web\): spec\.template\.spec\.containers must be a list/,
    );
  });

  it('refuses a billion-laughs document quickly', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level <= 9; level++) {
      const previous = level === 1 ? 'a' : `l${level - 1}`;
      lines.push(
        `l${level}: &l${level} [${Array.from({ length: 9 }, () => `*${previous}`).join(',')}]`,
      );
    }
    const started = performance.now();
    assert.match(problem(`kind: ConfigMap\n${lines.join('\n')}`), /alias/i);
    assert.ok(performance.now() - started < 1000);
  });

  it('does not execute or resolve custom tags', () => {
    const found = results(
      'kind: ConfigMap\nmetadata: {name: x}\ndata: {a: !!js/function "function () { return 1 }"}',
    );
    assert.equal(typeof (found[0]?.object as { data: { a: unknown } }).data.a, 'string');
  });

  it('refuses more than 500 objects', () => {
    const many = Array.from(
      { length: 501 },
      (_, index) => `kind: ConfigMap\nmetadata: {name: c${index}}`,
    ).join('\n---\n');
    assert.match(problem(many), /more than 500 objects/);
  });

  it('refuses an empty input', () => {
    assert.match(problem('---\n---\n'), /no Kubernetes object/);
  });
});
