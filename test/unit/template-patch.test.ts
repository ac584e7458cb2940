import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPodTemplate, type PodTemplateView } from '../../src/core/pod-template.ts';
import { patchTemplate } from '../../src/core/template-patch.ts';

function view(template: unknown): PodTemplateView {
  const read = readPodTemplate(template);
  assert.ok(read.ok, read.ok ? '' : read.problem);
  return read.view;
}

const ANNOTATION = '/metadata/annotations/harbor-image-webhook~1original-images';

describe('patchTemplate', () => {
  it('adds the whole spec around pull secrets when a template has none', () => {
    assert.deepEqual(
      patchTemplate(view({}), { containers: [], addedPullSecrets: [{ name: 'p' }] }, ''),
      [{ op: 'add', path: '/spec', value: { imagePullSecrets: [{ name: 'p' }] } }],
    );
  });

  it('adds the metadata, the annotations map or the key, whichever is missing', () => {
    const edits = { containers: [], originalImagesAnnotation: '{}' };
    const annotations = { 'harbor-image-webhook/original-images': '{}' };
    assert.deepEqual(patchTemplate(view({ spec: {} }), edits, ''), [
      { op: 'add', path: '/metadata', value: { annotations } },
    ]);
    assert.deepEqual(
      patchTemplate(view({ metadata: { annotations: null }, spec: {} }), edits, ''),
      [{ op: 'add', path: '/metadata/annotations', value: annotations }],
    );
    const other = view({
      metadata: { annotations: { 'harbor-image-webhook/original-images': 7 } },
    });
    assert.deepEqual(patchTemplate(other, edits, '/spec/template'), [
      { op: 'add', path: `/spec/template${ANNOTATION}`, value: '{}' },
    ]);
    const recorded = view({
      metadata: { annotations: { 'harbor-image-webhook/original-images': '{"a":"b"}' } },
    });
    assert.deepEqual(patchTemplate(recorded, edits, ''), [
      { op: 'replace', path: ANNOTATION, value: '{}' },
    ]);
  });

  it('replaces a pull policy that is a string, adds one that is absent or null', () => {
    const template = view({
      spec: {
        containers: [
          { name: 'a', image: 'x', imagePullPolicy: 'Always' },
          { name: 'b', image: 'y', imagePullPolicy: null },
        ],
      },
    });
    const [first, second] = template.containers;
    assert.ok(first !== undefined && second !== undefined);
    const patch = patchTemplate(
      template,
      {
        containers: [
          { container: first, imagePullPolicy: 'IfNotPresent' },
          { container: second, image: 'h/y', imagePullPolicy: 'IfNotPresent' },
        ],
      },
      '',
    );
    assert.deepEqual(patch, [
      { op: 'replace', path: '/spec/containers/0/imagePullPolicy', value: 'IfNotPresent' },
      { op: 'replace', path: '/spec/containers/1/image', value: 'h/y' },
      { op: 'add', path: '/spec/containers/1/imagePullPolicy', value: 'IfNotPresent' },
    ]);
  });

  it('appends secrets after the template’s own, or adds the list when it is null', () => {
    const secrets = [{ name: 'p' }, { name: 'q' }];
    assert.deepEqual(
      patchTemplate(
        view({ spec: { imagePullSecrets: [{ name: 'own' }] } }),
        { containers: [], addedPullSecrets: secrets },
        '',
      ),
      [
        { op: 'add', path: '/spec/imagePullSecrets/1', value: { name: 'p' } },
        { op: 'add', path: '/spec/imagePullSecrets/2', value: { name: 'q' } },
      ],
    );
    assert.deepEqual(
      patchTemplate(
        view({ spec: { imagePullSecrets: null } }),
        { containers: [], addedPullSecrets: secrets },
        '',
      ),
      [{ op: 'add', path: '/spec/imagePullSecrets', value: secrets }],
    );
  });
});
