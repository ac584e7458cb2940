/** cert-bootstrap's help and mistakes, as a user meets them: a child process each. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../helpers/serve-process.ts';

const SCRIPT = fileURLToPath(new URL('../../../scripts/cert-bootstrap.ts', import.meta.url));
const bootstrap = (args: readonly string[]) => runCli(args, undefined, SCRIPT);

describe('cert-bootstrap, for a person at the terminal', () => {
  for (const command of ['create', 'patch', 'local']) {
    it(`${command} --help exits 0 with its own flags and an example`, async () => {
      const run = await bootstrap([command, '--help']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: cert-bootstrap ${command} `));
      assert.match(
        run.stdout,
        new RegExp(`\\nExamples:\\n[\\s\\S]*cert-bootstrap(\\.ts)? ${command} `),
      );
    });
  }

  it('a mistyped flag exits 2 naming the flag given and the one meant', async () => {
    const run = await bootstrap(['local', '--outdir', 'certs']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^cert-bootstrap: unknown flag --outdir; did you mean --out-dir\?\n/);
    assert.match(run.stderr, /Usage: cert-bootstrap local --out-dir DIR/);
  });

  it('local on an empty directory makes everything it needs, and says it was a first run', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'hiw-cli-certs-'));
    try {
      const run = await bootstrap(['local', '--out-dir', directory]);
      assert.equal(run.code, 0, run.stderr);
      const summary = JSON.parse(run.stdout) as { reason: string; written: boolean };
      assert.equal(summary.written, true);
      assert.match(summary.reason, /^nothing stored yet/);
      assert.deepEqual((await readdir(directory)).sort(), [
        'ca.crt',
        'ca.key',
        'tls.crt',
        'tls.key',
      ]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
