/**
 * The package as users get it: `npm pack` (which builds dist/), the tarball
 * installed with `npm install -g` into a temporary prefix, and the
 * `harbor-image-webhook` command run from that prefix's bin/; then `npm start`
 * in the checkout, stopped by a signal. Slow (a build and an install), so it
 * runs from `npm run test:package` and CI, not `npm test`.
 *
 * Offline: `npm install -g` of a bare tarball resolves version ranges from the
 * registry, which a sandbox cannot reach; so the tarball's dependencies are
 * installed first with `npm ci --omit=dev --offline` from the lockfile and the
 * npm cache, then the unpacked package is installed globally. What users run
 * online is the same minus that first step.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCli } from '../helpers/serve-process.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (await import('../../package.json', { with: { type: 'json' } })).default.version;
/** Node 24 first on PATH, as `npm run` arranges for the project's scripts. */
const ENV = {
  ...process.env,
  PATH: `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`,
};
const NPM_TIMEOUT_MS = 300_000;

describe('the npm package, installed globally', { timeout: 600_000 }, () => {
  let work = '';
  let tarball = '';
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'hiw-package-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('npm pack builds dist/ and ships the bin shim, dist/src and the examples, not the source', async () => {
    const { stdout } = await run('npm', ['pack', '--pack-destination', work], {
      cwd: ROOT,
      env: ENV,
      timeout: NPM_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    tarball = join(work, stdout.trim().split('\n').at(-1) ?? '');
    const { stdout: listing } = await run('tar', ['-tzf', tarball]);
    const files = listing.split('\n');
    for (const file of [
      'package/bin/harbor-image-webhook.cjs',
      'package/dist/src/cli/main.js',
      'package/examples/policy.yaml',
      'package/package.json',
    ]) {
      assert.ok(files.includes(file), `${file} is missing from the tarball`);
    }
    assert.ok(!files.some((file) => file.startsWith('package/src/')), 'the source is shipped');
  });

  it('npm install -g puts a working harbor-image-webhook on the prefix bin/', async () => {
    assert.ok(tarball !== '', 'npm pack did not run');
    const unpacked = join(work, 'unpacked');
    await mkdir(unpacked);
    await run('tar', ['-xzf', tarball, '-C', unpacked]);
    const packageDir = join(unpacked, 'package');
    await copyFile(join(ROOT, 'package-lock.json'), join(packageDir, 'package-lock.json'));
    const npmOptions = { env: ENV, timeout: NPM_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 };
    await run(
      'npm',
      ['ci', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'],
      { ...npmOptions, cwd: packageDir },
    );
    const prefix = join(work, 'prefix');
    await run(
      'npm',
      ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', packageDir],
      { ...npmOptions, cwd: work },
    );
    const bin = join(prefix, 'bin', 'harbor-image-webhook');
    assert.deepEqual(await readdir(join(prefix, 'bin')), ['harbor-image-webhook']);

    const version = await runCli(['--version'], undefined, bin);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout, `${VERSION}\n`);

    const examples = join(packageDir, 'examples');
    const preview = await runCli(
      [
        'preview',
        '--config',
        join(examples, 'policy.yaml'),
        '-f',
        join(examples, 'bundle.yaml'),
        '-o',
        'diff',
      ],
      undefined,
      bin,
    );
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(
      preview.stdout,
      /\+\s+image: harbor\.example\.com\/dockerhub-proxy\/library\/nginx:1\.25/,
    );
  });
});

describe('npx in the checkout', { timeout: 300_000 }, () => {
  it('npx harbor-image-webhook runs the command after npm ci, with no build', async () => {
    // A cache of its own: npx records the checkout there, not in the user's ~/.npm.
    const cache = await mkdtemp(join(tmpdir(), 'hiw-npx-cache-'));
    try {
      const { stdout } = await run(
        'npx',
        ['--offline', '--cache', cache, 'harbor-image-webhook', '--version'],
        { cwd: ROOT, env: ENV, timeout: NPM_TIMEOUT_MS },
      );
      assert.equal(stdout, `${VERSION}\n`);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});

describe('npm start', { timeout: 600_000 }, () => {
  it('serves on 127.0.0.1, and SIGTERM to npm stops the server too: no process left behind', async () => {
    const npm = spawn('npm', ['start', '--', '--port', '0'], {
      cwd: ROOT,
      env: ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => npm.once('close', resolve));
    try {
      const host = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`npm start did not listen:\n${output}`)),
          NPM_TIMEOUT_MS,
        );
        npm.stdout.on('data', () => {
          const match = /"host":"([^"]+)".*"msg":"harbor-image-webhook listening"/.exec(output);
          if (match?.[1] !== undefined) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        void exited.then(() => reject(new Error(`npm start exited before listening:\n${output}`)));
      });
      assert.equal(host, '127.0.0.1');
      const descendants = await descendantsOf(npm.pid ?? 0);
      assert.ok(descendants.length > 0, 'expected the server in a process under npm');
      npm.kill('SIGTERM');
      await exited;
      // Bounded wait for the server to finish its graceful stop.
      for (let attempt = 0; attempt < 100 && descendants.some(isRunning); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.deepEqual(descendants.filter(isRunning), [], `left behind:\n${output}`);
      assert.match(output, /"signal":"SIGTERM"/);
    } finally {
      if (npm.exitCode === null) npm.kill('SIGKILL');
    }
  });
});

/** Every process below `pid` (children, their children…), three levels deep at most. */
async function descendantsOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  let level = [pid];
  for (let depth = 0; depth < 3 && level.length > 0; depth++) {
    const next: number[] = [];
    for (const parent of level) {
      const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(parent)]).catch(() => ({
        stdout: '',
      }));
      next.push(
        ...stdout
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map(Number),
      );
    }
    found.push(...next);
    level = next;
  }
  return found;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
