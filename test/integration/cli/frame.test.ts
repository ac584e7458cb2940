/**
 * The command line's frame, run as users run it (a child process): --version,
 * --help of every command with an example, unknown commands, --debug, and the
 * bin shim's Node.js version check.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../helpers/serve-process.ts';

const BIN = fileURLToPath(new URL('../../../bin/harbor-image-webhook.cjs', import.meta.url));
const packageJson = JSON.parse(
  readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
) as { version: string };

/** The commands the overview lists (`  name  summary` lines under "Commands:"). */
function listedCommands(overview: string): string[] {
  const section = overview.split('Commands:\n')[1]?.split('\n\n')[0] ?? '';
  return section.split('\n').map((line) => line.trim().split(/\s+/)[0] ?? '');
}

/** An installed Node.js older than 24, if the machine has one (Debian's is 20). */
function oldNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    if (!existsSync(candidate)) continue;
    const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' });
    if (Number(/^v(\d+)/.exec(version)?.[1]) < 24) return candidate;
  }
  return undefined;
}

describe('harbor-image-webhook, the frame', { concurrency: true }, () => {
  it('--version prints package.json version and exits 0', async () => {
    const result = await runCli(['--version']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${packageJson.version}\n`);
  });

  it('--help lists the commands and the exit codes, and exits 0', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    assert.deepEqual(listedCommands(result.stdout).slice(0, 2), ['serve', 'preview']);
    assert.match(result.stdout, /Exit codes: 0 ok, 1 .*2 usage, 3 configuration, 4 I\/O/);
  });

  it('every command answers --help with its flags and at least one example, exit 0', async () => {
    const commands = listedCommands((await runCli(['--help'])).stdout);
    assert.ok(commands.length >= 2, commands.join());
    await Promise.all(
      commands.map(async (command) => {
        const result = await runCli([command, '--help']);
        assert.equal(result.code, 0, `${command}: ${result.stderr}`);
        assert.match(result.stdout, /^usage: harbor-image-webhook /i, command);
        assert.match(
          result.stdout,
          new RegExp(`\\nExamples:\\n[\\s\\S]*harbor-image-webhook ${command} `),
        );
      }),
    );
  });

  it('an unknown command exits 2 with a suggestion and the overview, on stderr', async () => {
    const result = await runCli(['perview', '-f', 'x']);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^harbor-image-webhook: unknown command "perview"; did you mean "preview"\?/,
    );
    assert.match(result.stderr, /Commands:/);
    assert.equal(result.stdout, '');
  });

  it('no command at all exits 2', async () => {
    const result = await runCli([]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no command given/);
  });

  it('an unknown flag exits 2 naming it, with the flag it probably meant', async () => {
    const result = await runCli(['preview', '--confg', 'p.yaml', '-f', 'm.yaml']);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^harbor-image-webhook preview: unknown flag --confg; did you mean --config\?/,
    );
    assert.match(result.stderr, /usage: harbor-image-webhook preview/);
  });

  it('expected failures print no stack; --debug and LOG_LEVEL=debug do', async () => {
    const args = ['preview', '--config', '/nonexistent/policy.yaml', '-f', '-'];
    const plain = await runCli(args, '');
    assert.equal(plain.code, 4);
    assert.doesNotMatch(plain.stderr, /\n\s+at /);
    for (const [extra, env] of [
      [['--debug'], process.env],
      [[], { ...process.env, LOG_LEVEL: 'debug' }],
    ] as const) {
      const debug = await runCli([...extra, ...args], '', undefined, { env });
      assert.equal(debug.code, 4);
      assert.match(debug.stderr, /FileAccessError: cannot read policy file/);
      assert.match(debug.stderr, /\n\s+at /);
    }
  });

  it('the bin shim runs the program on Node.js 24', async () => {
    const result = await runCli(['--version'], undefined, BIN);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${packageJson.version}\n`);
  });

  it('on an older Node.js the bin shim exits 3 with one line naming the version it needs', async (t) => {
    const node = oldNode();
    if (node === undefined) return t.skip('no Node.js older than 24 on this machine');
    const result = await runCli(['preview', '--help'], undefined, BIN, { node });
    assert.equal(result.code, 3);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    assert.match(
      result.stderr,
      /^harbor-image-webhook: needs Node\.js 24 or newer; this is Node\.js v\d+/,
    );
  });
});
