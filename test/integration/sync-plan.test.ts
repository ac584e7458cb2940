// `harbor-image-webhook sync-plan` as users run it: a child process, its exit
// code and output, and the sync.sh it writes run by bash with a stand-in
// skopeo that records its arguments (the real skopeo runs in test/registry).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIXTURE_POLICY_FILE } from '../helpers/fixtures.ts';
import { runCli } from '../helpers/serve-process.ts';

const BUNDLE_FILE = new URL('../../examples/bundle.yaml', import.meta.url).pathname;
const DIGEST = `sha256:${'ab'.repeat(32)}`;

const MANIFEST = `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
    - {name: a, image: 'nginx:1.27'}
    - {name: b, image: 'ghcr.io/acme/app:2@${DIGEST}'}
    - {name: c, image: 'docker.io/library/nginx:1.27'}
    - {name: d, image: 'quay.io/left/alone:1'}
`;

const EXPECTED_LIST = [
  'docker.io/library/nginx:1.27 -> harbor.example.com/dockerhub-proxy/library/nginx:1.27',
  `ghcr.io/acme/app:2@${DIGEST} -> harbor.example.com/ghcr-proxy/acme/app:2@${DIGEST}`,
];

describe('harbor-image-webhook sync-plan', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sync-plan-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const syncPlan = (args: readonly string[], input?: string) =>
    runCli(['sync-plan', '--config', FIXTURE_POLICY_FILE, ...args], input);

  it('prints one "SOURCE -> DESTINATION" line per image by default, sorted, no duplicates', async () => {
    const result = await syncPlan(['-f', '-'], MANIFEST);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, EXPECTED_LIST.map((line) => `${line}\n`).join(''));
    assert.equal(result.stderr, '');
  });

  it('reads the same inputs as preview: a multi-document bundle file', async () => {
    const result = await syncPlan(['-f', BUNDLE_FILE]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^docker\.io\/library\/nginx:1\.25 -> harbor\.example\.com\/dockerhub-proxy\/library\/nginx:1\.25$/m,
    );
  });

  it('writes an executable DIR/sync.sh and prints its skopeo commands', async () => {
    const outDir = join(dir, 'new', 'out');
    const result = await syncPlan(['-f', '-', '--out-dir', outDir], MANIFEST);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trimEnd().split('\n'), [
      "skopeo copy --all --preserve-digests 'docker://docker.io/library/nginx:1.27' 'docker://harbor.example.com/dockerhub-proxy/library/nginx:1.27'",
      `skopeo copy --all --preserve-digests 'docker://ghcr.io/acme/app@${DIGEST}' 'docker://harbor.example.com/ghcr-proxy/acme/app:2'`,
    ]);
    assert.match(result.stderr, /^wrote .*\/new\/out\/sync\.sh$/m);
    const script = join(outDir, 'sync.sh');
    assert.equal((await stat(script)).mode & 0o777, 0o755);
  });

  it('prints the list with --out-dir -o list', async () => {
    const result = await syncPlan(['-f', '-', '--out-dir', dir, '-o', 'list'], MANIFEST);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, EXPECTED_LIST.map((line) => `${line}\n`).join(''));
  });

  it('sync.sh passes its arguments to every skopeo call and prints each command without them', async () => {
    const outDir = join(dir, 'run');
    assert.equal((await syncPlan(['-f', '-', '--out-dir', outDir], MANIFEST)).code, 0);
    const run = runScript(outDir, ['--dest-creds', 'robot:s3cret pass', '--dest-cert-dir', '/c']);
    assert.equal(run.status, 0, run.stderr);
    const calls = (await readFile(join(outDir, 'calls'), 'utf8')).trimEnd().split('\n');
    assert.deepEqual(calls, [
      'copy|--all|--preserve-digests|--dest-creds|robot:s3cret pass|--dest-cert-dir|/c|docker://docker.io/library/nginx:1.27|docker://harbor.example.com/dockerhub-proxy/library/nginx:1.27',
      `copy|--all|--preserve-digests|--dest-creds|robot:s3cret pass|--dest-cert-dir|/c|docker://ghcr.io/acme/app@${DIGEST}|docker://harbor.example.com/ghcr-proxy/acme/app:2`,
    ]);
    assert.match(
      run.stdout,
      /^\+ skopeo copy --all --preserve-digests docker:\/\/docker\.io\/library\/nginx:1\.27 /m,
    );
    assert.doesNotMatch(run.stdout + run.stderr, /s3cret/);
  });

  it('sync.sh stops at the first copy that fails', async () => {
    const outDir = join(dir, 'fail');
    assert.equal((await syncPlan(['-f', '-', '--out-dir', outDir], MANIFEST)).code, 0);
    const run = runScript(outDir, [], 'exit 3');
    assert.equal(run.status, 3);
    const calls = (await readFile(join(outDir, 'calls'), 'utf8')).trimEnd().split('\n');
    assert.equal(calls.length, 1);
  });

  it('exits 4 with a clear message and no stack when the out dir cannot be written', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, '');
    const result = await syncPlan(['-f', '-', '--out-dir', join(file, 'out')], MANIFEST);
    assert.equal(result.code, 4);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      `harbor-image-webhook sync-plan: cannot create output directory ${JSON.stringify(join(file, 'out'))}: a part of the path is not a directory\n`,
    );
  });

  it('exits 4 at once on an out dir under /proc, where a recursive mkdir would spin', async () => {
    const started = performance.now();
    const result = await syncPlan(['-f', '-', '--out-dir', '/proc/no/such/dir'], MANIFEST);
    assert.equal(result.code, 4);
    assert.ok(performance.now() - started < 10_000);
    assert.match(
      result.stderr,
      /^harbor-image-webhook sync-plan: cannot create output directory "\/proc\/no": no such file or directory\n/,
    );
  });

  it('exits 4 on a manifest that cannot be read, naming it', async () => {
    const missing = join(dir, 'no-such-manifest.yaml');
    const result = await syncPlan(['-f', missing]);
    assert.equal(result.code, 4);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      new RegExp(`cannot read manifest "${missing.replaceAll('/', '\\/')}": no such file`),
    );
  });

  it('exits 1 on a manifest that does not parse, naming where', async () => {
    const result = await syncPlan(['-f', '-'], 'kind: Pod\n---\nkind: [\n');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^harbor-image-webhook sync-plan: stdin: document 2, line \d+/);
  });

  it('exits 3 on a bad policy, 2 on bad usage', async () => {
    const badPolicy = await runCli(['sync-plan', '--config', BUNDLE_FILE, '-f', BUNDLE_FILE]);
    assert.equal(badPolicy.code, 3);
    const noManifest = await syncPlan([]);
    assert.equal(noManifest.code, 2);
    assert.match(noManifest.stderr, /-f MANIFEST \(or - for stdin\) is required/);
    const badOutput = await syncPlan(['-f', '-', '-o', 'json'], MANIFEST);
    assert.equal(badOutput.code, 2);
    assert.match(badOutput.stderr, /-o must be one of list, commands/);
    const typo = await syncPlan(['-f', '-', '--outdir', dir], MANIFEST);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /did you mean --out-dir\?/);
  });

  it('--verify keeps what Harbor cannot answer for, saying why, within the budget', async () => {
    const policy = join(dir, 'unreachable.json');
    // Port 1 on loopback refuses at once: Harbor is down.
    await writeFile(
      policy,
      JSON.stringify({
        harbor: { host: '127.0.0.1:1' },
        rules: [{ match: 'docker.io/**', project: 'hub' }],
        verify: { budgetMs: 2000 },
      }),
    );
    const started = Date.now();
    const result = await runCli(['sync-plan', '--config', policy, '-f', '-', '--verify'], MANIFEST);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      'docker.io/library/nginx:1.27 -> 127.0.0.1:1/hub/library/nginx:1.27\n',
    );
    assert.match(
      result.stderr,
      /^not verified, kept in the plan: 127\.0\.0\.1:1\/hub\/library\/nginx:1\.27 \(.+\)$/m,
    );
    assert.match(result.stderr, /--verify: 0 of 1 images are in Harbor already/);
    assert.ok(Date.now() - started < 15_000);
  });

  it('--verify with a CA file that cannot be read exits 3 naming it', async () => {
    const policy = join(dir, 'bad-ca.json');
    await writeFile(
      policy,
      JSON.stringify({
        harbor: { host: 'harbor.example.com', caFile: join(dir, 'missing-ca.crt') },
        rules: [{ match: 'docker.io/**', project: 'hub' }],
      }),
    );
    const result = await runCli(['sync-plan', '--config', policy, '-f', '-', '--verify'], MANIFEST);
    assert.equal(result.code, 3);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /bad-ca\.json: .*missing-ca\.crt/);
    assert.match(result.stderr, /hint: check harbor\.caFile and harbor\.credentialsFile/);
  });

  it('explains itself with --help, examples included', async () => {
    const result = await runCli(['sync-plan', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^usage: harbor-image-webhook sync-plan /);
    assert.match(result.stdout, /Examples:\n.*sync-plan --config/);
  });
});

/**
 * Runs `DIR/sync.sh args` with a stand-in `skopeo` first on PATH that appends
 * its arguments to `DIR/calls` (joined by `|`) and then runs `then`.
 */
function runScript(outDir: string, args: readonly string[], then = 'exit 0') {
  const bin = join(outDir, 'bin');
  mkdirSync(bin, { recursive: true });
  const calls = join(outDir, 'calls');
  const fake = `#!/usr/bin/env bash\n(IFS='|'; echo "$*") >> '${calls}'\n${then}\n`;
  writeFileSync(join(bin, 'skopeo'), fake, { mode: 0o755 });
  return spawnSync(join(outDir, 'sync.sh'), [...args], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` },
    timeout: 10_000,
  });
}
