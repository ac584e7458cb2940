// The copy plan over the webhook's own decisions, and how each copy becomes a
// skopeo command and a line of sync.sh.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { decideImage, finalImage } from '../../src/core/image-decision.ts';
import { canonicalReference, parseImageReference } from '../../src/core/reference.ts';
import { LookupStatus, lookupKey, type RegistryLookup } from '../../src/core/registry-lookup.ts';
import { leaveOutPresent, planSync, type ImageCopy } from '../../src/core/sync-plan.ts';
import { preview } from '../../src/preview/preview-request.ts';
import { shellQuote, skopeoCopyCommand, skopeoReferences } from '../../src/cli/skopeo-copy.ts';
import { renderSyncScript } from '../../src/cli/sync-script.ts';
import { examplePolicy, policyFrom } from '../helpers/fixtures.ts';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

/** The plan of `manifest` (YAML) under `policy`, as `sync-plan` makes it. */
function planOf(manifest: string, policy = examplePolicy(), namespace?: string) {
  const outcome = preview(manifest, policy, namespace === undefined ? {} : { namespace });
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.problem);
  return planSync(outcome.decisions);
}

const lines = (copies: readonly ImageCopy[]) =>
  copies.map((copy) => `${copy.source} -> ${copy.destination}`);

const deployment = (containers: string, namespace = 'shop') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${namespace}}
spec:
  template:
    spec:
${containers}`;

describe('planSync', () => {
  it('plans every rewritten image of every workload kind, sorted by source, each once', () => {
    const manifest = `${deployment(`      initContainers: [{name: init, image: 'ghcr.io/acme/migrate:3'}]
      containers:
        - {name: web, image: 'nginx:1.27'}
        - {name: again, image: 'docker.io/library/nginx:1.27'}
        - {name: hub, image: 'index.docker.io/library/nginx:1.27'}`)}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: report, image: 'busybox'}]
`;
    assert.deepEqual(lines(planOf(manifest)), [
      'docker.io/library/busybox:latest -> harbor.example.com/dockerhub-proxy/library/busybox:latest',
      'docker.io/library/nginx:1.27 -> harbor.example.com/dockerhub-proxy/library/nginx:1.27',
      'ghcr.io/acme/migrate:3 -> harbor.example.com/ghcr-proxy/acme/migrate:3',
    ]);
  });

  it('plans nothing for images the webhook leaves alone', () => {
    const manifest = deployment(`      containers:
        - {name: harbor, image: 'harbor.example.com/dockerhub-proxy/library/nginx:1'}
        - {name: excluded, image: 'registry.k8s.io/pause:3.9'}
        - {name: unmatched, image: 'quay.io/prometheus/prometheus:v3'}
        - {name: invalid, image: 'nginx::1'}
        - {name: too-long, image: 'docker.io/${'a'.repeat(245)}/b:1'}`);
    const outcome = preview(manifest, examplePolicy());
    assert.ok(outcome.ok);
    assert.deepEqual(
      outcome.decisions.map((decision) => decision.outcome),
      ['already-on-harbor', 'excluded', 'no-rule', 'invalid-reference', 'rewrite-invalid'],
    );
    assert.deepEqual(planSync(outcome.decisions), []);
  });

  it('plans nothing for Pods the webhook skips (a system namespace)', () => {
    const manifest = deployment(
      `      containers: [{name: web, image: 'nginx:1.27'}]`,
      'kube-system',
    );
    assert.deepEqual(planOf(manifest), []);
  });

  it('uses the namespace given for objects that name none, as preview -n does', () => {
    const pod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"nginx"}]}}`;
    assert.equal(planOf(pod, examplePolicy(), 'kube-system').length, 0);
    assert.equal(planOf(pod, examplePolicy(), 'shop').length, 1);
  });

  it('keeps tag and digest as the webhook writes them, normalized in full', () => {
    const copies = planOf(
      `{"images": ["ghcr.io/acme/app:1.0@${DIGEST}", "ghcr.io/acme/tool@${DIGEST}"]}`,
    );
    assert.deepEqual(lines(copies), [
      `ghcr.io/acme/app:1.0@${DIGEST} -> harbor.example.com/ghcr-proxy/acme/app:1.0@${DIGEST}`,
      `ghcr.io/acme/tool@${DIGEST} -> harbor.example.com/ghcr-proxy/acme/tool@${DIGEST}`,
    ]);
  });

  it('sends every image to exactly the reference the webhook rewrites it to', () => {
    const images = [
      'nginx',
      'nginx:1',
      `nginx@${DIGEST}`,
      `ghcr.io/a/b:c@${DIGEST}`,
      'docker.io/x/y',
    ];
    const policy = examplePolicy();
    for (const image of images) {
      const [copy] = planSync([decideImage(image, policy)]);
      const rewritten = parseImageReference(finalImage(decideImage(image, policy)));
      assert.ok(copy !== undefined && rewritten.ok);
      assert.equal(copy.destination, canonicalReference(rewritten.reference), image);
    }
  });

  it('follows the rule that matched: a later rule, another project', () => {
    const policy = policyFrom(`
harbor: {host: Harbor.Example.com:8443}
rules:
  - {match: 'docker.io/library/**', project: official}
  - {match: 'docker.io/**', project: hub}
`);
    assert.deepEqual(lines(planOf('{"images": ["nginx:1", "bitnami/redis:7"]}', policy)), [
      'docker.io/bitnami/redis:7 -> harbor.example.com:8443/hub/bitnami/redis:7',
      'docker.io/library/nginx:1 -> harbor.example.com:8443/official/library/nginx:1',
    ]);
  });
});

describe('leaveOutPresent', () => {
  const copies = planOf(
    `{"images": ["ghcr.io/a/found:1", "ghcr.io/a/missing:1", "ghcr.io/a/down:1", "ghcr.io/a/silent:1", "ghcr.io/a/pinned:1@${DIGEST}"]}`,
  );
  const byName = (name: string) => copies.find((copy) => copy.source.includes(`/${name}:`))!;
  const found: RegistryLookup = { status: LookupStatus.found, digest: DIGEST, cached: false };
  const lookups = new Map<string, RegistryLookup>([
    [lookupKey(byName('found').destinationReference), found],
    [
      lookupKey(byName('missing').destinationReference),
      { status: LookupStatus.missing, cached: false, detail: 'MANIFEST_UNKNOWN' },
    ],
    [
      lookupKey(byName('down').destinationReference),
      { status: LookupStatus.unavailable, reason: 'timed out after 500 ms' },
    ],
    // A tag-and-digest destination is looked up by its digest, as a node pulls it.
    [`harbor.example.com/ghcr-proxy/a/pinned@${DIGEST}`, found],
  ]);
  const plan = leaveOutPresent(copies, lookups);

  it('leaves out what Harbor has, by digest when the destination has one', () => {
    assert.deepEqual(
      plan.present.map((copy) => copy.source),
      ['ghcr.io/a/found:1', `ghcr.io/a/pinned:1@${DIGEST}`],
    );
  });

  it('keeps what Harbor lacks or could not answer for, in plan order, saying why', () => {
    assert.deepEqual(
      plan.copies.map((copy) => copy.source),
      ['ghcr.io/a/down:1', 'ghcr.io/a/missing:1', 'ghcr.io/a/silent:1'],
    );
    assert.deepEqual(
      plan.unverified.map(({ copy, reason }) => [copy.source, reason]),
      [
        ['ghcr.io/a/down:1', 'timed out after 500 ms'],
        ['ghcr.io/a/silent:1', 'no lookup result'],
      ],
    );
  });
});

describe('skopeoReferences', () => {
  const cases: ReadonlyArray<readonly [image: string, source: string, destination: string]> = [
    [
      'nginx:1.27',
      'docker://docker.io/library/nginx:1.27',
      'docker://harbor.example.com/dockerhub-proxy/library/nginx:1.27',
    ],
    [
      'nginx',
      'docker://docker.io/library/nginx:latest',
      'docker://harbor.example.com/dockerhub-proxy/library/nginx:latest',
    ],
    // skopeo refuses a tag with a digest: read by digest, stored under the tag.
    [
      `nginx:1.27@${DIGEST}`,
      `docker://docker.io/library/nginx@${DIGEST}`,
      'docker://harbor.example.com/dockerhub-proxy/library/nginx:1.27',
    ],
    [
      `nginx@${DIGEST}`,
      `docker://docker.io/library/nginx@${DIGEST}`,
      `docker://harbor.example.com/dockerhub-proxy/library/nginx@${DIGEST}`,
    ],
  ];
  for (const [image, source, destination] of cases) {
    it(`copies ${image} from ${source} to ${destination}`, () => {
      const [copy] = planSync([decideImage(image, examplePolicy())]);
      assert.ok(copy !== undefined);
      assert.deepEqual(skopeoReferences(copy), { source, destination });
    });
  }
});

describe('shellQuote and sync.sh', () => {
  it('quotes any text as one POSIX shell word', () => {
    for (const text of ["it's", '$(id)', '`id`', 'a b', '[::1]:5000/x', '', "'"]) {
      const echoed = spawnSync('sh', ['-c', `printf %s ${shellQuote(text)}`], { encoding: 'utf8' });
      assert.equal(echoed.stdout, text);
    }
  });

  it('renders one quoted copy_image line per copy, passing the script arguments, in valid bash', () => {
    const copies = planOf(
      `{"images": ["nginx:1", "[::1]:5000/app:2"]}`,
      policyFrom(`
harbor: {host: harbor.example.com}
rules: [{match: '**', project: all}]
`),
    );
    const script = renderSyncScript(copies);
    assert.match(script, /^#!\/usr\/bin\/env bash\n/);
    assert.match(script, /^set -euo pipefail$/m);
    assert.match(
      script,
      /^copy_image 'docker:\/\/\[::1\]:5000\/app:2' 'docker:\/\/harbor\.example\.com\/all\/app:2' "\$@"$/m,
    );
    assert.equal(spawnSync('bash', ['-n'], { input: script }).status, 0);
    assert.equal(
      skopeoCopyCommand(copies[0]!).startsWith("skopeo copy --all --preserve-digests 'docker://"),
      true,
    );
  });

  it('says so when there is nothing to copy', () => {
    assert.match(renderSyncScript([]), /\(0 images\)[\s\S]*^echo 'Nothing to copy\.'$/m);
  });
});
