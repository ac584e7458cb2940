/** What `preview` prints for people and for kubectl, run as a child process. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { FIXTURE_POLICY_FILE } from '../../helpers/fixtures.ts';
import { runCli, spawnServe } from '../../helpers/serve-process.ts';

const LONG_TEXT =
  'a long annotation with spaces that a YAML printer would fold at eighty columns if allowed to, breaking it';

const MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: mixed
  namespace: shop
  annotations:
    note: ${LONG_TEXT}
spec:
  containers:
    - name: web
      image: nginx:1.25
    - name: sidecar
    - name: vendor
      image: registry.vendor.example/tools/agent:3
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      containers:
        - {name: api, image: "ghcr.io/acme/api:2"}
`;

/** The parts of the printed objects the tests read. */
interface Manifest {
  kind: string;
  metadata: { name: string };
  spec: {
    containers?: { image?: string }[];
    template?: { spec: { containers?: { image?: string }[] } };
    ports?: unknown;
  };
}

const preview = (output: string) =>
  runCli(['preview', '--config', FIXTURE_POLICY_FILE, '-f', '-', '-o', output], MANIFEST);

describe('harbor-image-webhook preview output', { concurrency: true }, () => {
  it('-o manifests prints one YAML document per input object, in order, as the webhook leaves it', async () => {
    const result = await preview('manifests');
    assert.equal(result.code, 0, result.stderr);
    const documents = parseAllDocuments(result.stdout).map(
      (document) => document.toJS() as Manifest,
    );
    assert.deepEqual(
      documents.map((object) => `${object.kind}/${object.metadata.name}`),
      ['Pod/mixed', 'Service/web', 'Deployment/api'],
    );
    const [pod, service, deployment] = documents;
    assert.deepEqual(
      pod?.spec.containers?.map((container) => container.image),
      [
        'harbor.example.com/dockerhub-proxy/library/nginx:1.25',
        undefined,
        'registry.vendor.example/tools/agent:3',
      ],
    );
    assert.deepEqual(service?.spec, { ports: [{ port: 80 }] });
    assert.equal(
      deployment?.spec.template?.spec.containers?.[0]?.image,
      'harbor.example.com/ghcr-proxy/acme/api:2',
    );
    assert.ok(result.stdout.startsWith('---\n'));
  });

  it('never folds a long string over lines, in any YAML output', async () => {
    for (const output of ['manifests', 'yaml', 'diff']) {
      const result = await preview(output);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.stdout.includes(`note: ${LONG_TEXT}\n`), `${output}:\n${result.stdout}`);
    }
  });

  it('-o diff names the container of each note, and lists a container with no image and one no rule matches', async () => {
    const result = await preview('diff');
    assert.equal(result.code, 0, result.stderr);
    const notes = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('# /spec/containers/'));
    assert.deepEqual(
      notes.filter((line) => line.includes('/image ')),
      [
        '# /spec/containers/0/image (container "web") [rewritten] rewritten by rules[0] "docker.io/**" to Harbor project "dockerhub-proxy"',
        '# /spec/containers/2/image (container "vendor") [no-rule] no rule matches "registry.vendor.example/tools/agent"; left unchanged',
        '# /spec/containers/1/image (container "sidecar") [no-image] container "sidecar" has no image; nothing to rewrite',
      ],
    );
  });

  it('the JSON body lists the container without an image with reason no-image', async () => {
    const result = await preview('json');
    const body = JSON.parse(result.stdout) as {
      results: { changes: { reason: string; path: string }[] }[];
    };
    assert.ok(
      body.results[0]?.changes.some(
        (change) => change.reason === 'no-image' && change.path === '/spec/containers/1/image',
      ),
    );
  });

  it('-o manifests of an image list is a usage error', async () => {
    const result = await runCli(
      ['preview', '--config', FIXTURE_POLICY_FILE, '-f', '-', '-o', 'manifests'],
      '{"images": ["nginx"]}',
    );
    assert.equal(result.code, 2);
    assert.match(result.stderr, /-o manifests needs a manifest; stdin is an image list/);
  });
});

describe('harbor-image-webhook serve --host', () => {
  it('listens on 127.0.0.1 unless told otherwise', async () => {
    const serve = await spawnServe(['--config', FIXTURE_POLICY_FILE, '--port', '0']);
    try {
      assert.match(serve.output(), /"host":"127\.0\.0\.1"/);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });
});
