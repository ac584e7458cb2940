/**
 * `sync-plan`'s sync.sh run with the real skopeo between two real registries:
 * images pushed to an "upstream" registry are copied into the "Harbor"
 * registry at exactly the references the webhook rewrites them to, and are
 * found there afterwards, by tag and by digest, every architecture. The
 * credentials and CA reach skopeo only as the script's arguments.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProcess } from '../e2e/support/processes.ts';
import {
  createRegistryHarness,
  type RegistryHarness,
} from '../helpers/registry/registry-harness.ts';
import type { RegistryServer } from '../helpers/registry/registry-server.ts';
import { inspectRawManifest, type PushedImage } from '../helpers/registry/test-images.ts';
import { runCli } from '../helpers/serve-process.ts';
import { LookupStatus, lookupKey } from '../../src/core/registry-lookup.ts';
import { parseImageReference, type ImageReference } from '../../src/core/reference.ts';
import { createRegistryClient } from '../../src/registry/index.ts';

const PROJECT = 'mirror';

describe('sync-plan: sync.sh copies into Harbor with the real skopeo', () => {
  let harness: RegistryHarness;
  let upstream: RegistryServer;
  let harbor: RegistryServer;
  let images: {
    tagged: PushedImage;
    multiArch: PushedImage;
    pinned: PushedImage;
    byDigest: PushedImage;
  };
  let policyFile: string;
  /** The same policy, with the CA and the pull user's credentials that `--verify` asks Harbor with. */
  let verifyingPolicyFile: string;
  let manifest: string;

  before(async () => {
    harness = await createRegistryHarness();
    [upstream, harbor] = await Promise.all([
      harness.startHtpasswdRegistry('upstream'),
      harness.startHtpasswdRegistry('harbor'),
    ]);
    const [tagged, multiArch, pinned, byDigest] = await Promise.all([
      harness.pushImage(upstream, 'team/app', 'v1'),
      harness.pushImage(upstream, 'library/multi', 'v2', { multiArch: true }),
      harness.pushImage(upstream, 'team/pinned', 'v3', { multiArch: true }),
      harness.pushImage(upstream, 'team/by-digest', 'v4'),
    ]);
    images = { tagged, multiArch, pinned, byDigest };
    // The upstream's host is what the rule matches: both registries are 127.0.0.1, on other ports.
    const rules = [{ match: `${upstream.host}/**`, project: PROJECT }];
    policyFile = join(harness.dir, 'policy.yaml');
    await writeFile(policyFile, JSON.stringify({ harbor: { host: harbor.host }, rules }));
    const credentialsFile = join(harness.dir, 'harbor-pull.json');
    const { username, password } = harness.puller;
    const auth = Buffer.from(`${username}:${password}`).toString('base64');
    await writeFile(credentialsFile, JSON.stringify({ auths: { [harbor.host]: { auth } } }));
    verifyingPolicyFile = join(harness.dir, 'policy-verify.yaml');
    await writeFile(
      verifyingPolicyFile,
      JSON.stringify({
        harbor: { host: harbor.host, caFile: harness.pki.caFile, credentialsFile },
        rules,
        verify: { mode: 'off', budgetMs: 5000 },
      }),
    );
    manifest = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        template: {
          spec: {
            initContainers: [{ name: 'init', image: tagged.reference }],
            containers: [
              { name: 'app', image: tagged.reference },
              { name: 'multi', image: multiArch.reference },
              { name: 'pinned', image: `${pinned.reference}@${pinned.digest}` },
              { name: 'by-digest', image: byDigest.byDigest },
            ],
          },
        },
      },
    });
  });
  after(async () => {
    await harness?.close();
  });

  const rewritten = (image: PushedImage, suffix: string) =>
    `${harbor.host}/${PROJECT}/${image.repository}${suffix}`;

  const verifyingPlan = () =>
    runCli(['sync-plan', '--config', verifyingPolicyFile, '-f', '-', '--verify'], manifest);

  it('--verify asks Harbor (verify.mode off notwithstanding) and keeps what it lacks', async () => {
    const result = await verifyingPlan();
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trimEnd().split('\n').length, 4, result.stdout);
    assert.match(result.stderr, /--verify: 0 of 4 images are in Harbor already/);
  });

  it('plans each image once, from its upstream reference to the rewritten one', async () => {
    const result = await runCli(['sync-plan', '--config', policyFile, '-f', '-'], manifest);
    assert.equal(result.code, 0, result.stderr);
    const { tagged, multiArch, pinned, byDigest } = images;
    const line = (image: PushedImage, suffix: string) =>
      `${upstream.host}/${image.repository}${suffix} -> ${rewritten(image, suffix)}`;
    assert.deepEqual(
      result.stdout.trimEnd().split('\n'),
      [
        line(multiArch, ':v2'),
        line(tagged, ':v1'),
        line(byDigest, `@${byDigest.digest}`),
        line(pinned, `:v3@${pinned.digest}`),
      ].sort(),
    );
  });

  it('sync.sh copies them; each is then found where the webhook sends nodes', async () => {
    const outDir = join(harness.dir, 'plan');
    const planned = await runCli(
      ['sync-plan', '--config', policyFile, '-f', '-', '--out-dir', outDir],
      manifest,
    );
    assert.equal(planned.code, 0, planned.stderr);
    const { admin, pki } = harness;
    const credentials = `${admin.username}:${admin.password}`;
    const run = await runProcess(
      join(outDir, 'sync.sh'),
      [
        `--src-cert-dir=${pki.certDir}`,
        `--src-creds=${credentials}`,
        `--dest-cert-dir=${pki.certDir}`,
        `--dest-creds=${credentials}`,
      ],
      { timeoutMs: 120_000 },
    );
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.equal((run.stdout.match(/^\+ skopeo copy /gm) ?? []).length, 4, run.stdout);
    assert.doesNotMatch(run.stdout + run.stderr, new RegExp(admin.password));

    const { tagged, multiArch, pinned, byDigest } = images;
    for (const [image, found] of [
      [tagged, rewritten(tagged, ':v1')],
      [multiArch, rewritten(multiArch, ':v2')],
      // A node pulls `…:v3@sha256:…` by its digest; the tag is kept for people.
      [pinned, rewritten(pinned, `@${pinned.digest}`)],
      [pinned, rewritten(pinned, ':v3')],
      [byDigest, rewritten(byDigest, `@${byDigest.digest}`)],
    ] as const) {
      assert.equal(await harness.inspectDigest(harbor, found), image.digest, found);
    }
    // Every architecture was copied, not just the host's.
    const index = JSON.parse(
      await inspectRawManifest(harness.skopeoTarget(harbor), rewritten(multiArch, ':v2')),
    ) as { manifests: { digest: string }[] };
    assert.equal(index.manifests.length, 2);
    for (const { digest } of index.manifests) {
      const child = rewritten(multiArch, `@${digest}`);
      assert.equal(await harness.inspectDigest(harbor, child), digest);
    }
    // The webhook's own registry client, as the pull user, finds each rewritten reference.
    const client = createRegistryClient({
      host: harbor.host,
      caPem: harness.pki.caPem,
      credentials: harness.puller,
      cacheSeconds: 0,
    });
    try {
      const references = [
        [tagged, rewritten(tagged, ':v1')],
        [multiArch, rewritten(multiArch, ':v2')],
        [pinned, rewritten(pinned, `:v3@${pinned.digest}`)],
        [byDigest, rewritten(byDigest, `@${byDigest.digest}`)],
      ] as const;
      const parsed = references.map(([, reference]) => parse(reference));
      const lookups = await client.lookupAll(parsed, 5000);
      for (const [index, [image, reference]] of references.entries()) {
        const lookup = lookups.get(lookupKey(parsed[index]!));
        assert.equal(lookup?.status, LookupStatus.found, `${reference}: ${JSON.stringify(lookup)}`);
        assert.equal(lookup.status === LookupStatus.found && lookup.digest, image.digest);
      }
    } finally {
      client.close();
    }
    // sync-plan --verify, through the same client, finds every one: nothing is left to copy.
    const verified = await verifyingPlan();
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal(verified.stdout, '');
    assert.match(verified.stderr, /--verify: 4 of 4 images are in Harbor already/);
  });
});

function parse(image: string): ImageReference {
  const parsed = parseImageReference(image);
  assert.ok(parsed.ok, image);
  return parsed.reference;
}
