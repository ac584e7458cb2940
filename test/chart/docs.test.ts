// Documentation that cannot drift from what it documents: the chart README is generated from
// values.yaml by helm-docs and must be current; every value, every metric and the defaults
// the README states are checked against their sources.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { chartDir, installNotes, repoRoot } from './helm.ts';

const chartReadme = (): string => readFileSync(join(chartDir, 'README.md'), 'utf8');
const values = (): Record<string, unknown> =>
  parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;

/** Rows of the generated values table: key -> the Default cell. */
function valueRows(readme: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const match of readme.matchAll(/^\| `([^`]+)` \| \w+ \| (.*?) \| /gm)) {
    rows.set(match[1]!, match[2]!);
  }
  return rows;
}

/** Dotted paths of every leaf of `tree` (an empty map or a list is a leaf). */
function leafPaths(tree: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const isBranch =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.keys(value).length > 0;
    return isBranch ? leafPaths(value as Record<string, unknown>, path) : [path];
  });
}

describe('the chart README', () => {
  it('is what helm-docs generates from README.md.gotmpl and values.yaml (npm run docs:chart)', () => {
    // Builds helm-docs on first use (about a minute with a cold Go cache), then seconds.
    const result = spawnSync('bash', [join(repoRoot, 'scripts', 'helm-docs.sh'), '--stdout'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 600_000,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.ok(
      result.stdout === chartReadme(),
      'charts/harbor-image-webhook/README.md is stale: run `npm run docs:chart` and commit it',
    );
  });

  it('tells how to regenerate it', () => {
    assert.match(chartReadme(), /run `npm run docs:chart`/);
  });

  it('shows every value of values.yaml, itself or in the default of a documented parent', () => {
    const rows = valueRows(chartReadme());
    const hidden = leafPaths(values()).filter((leaf) => {
      const parts = leaf.split('.');
      for (let length = parts.length; length > 0; length--) {
        const row = rows.get(parts.slice(0, length).join('.'));
        if (row !== undefined) return length < parts.length && row === 'see below';
      }
      return true;
    });
    assert.deepEqual(hidden, [], 'give these values a `# --` comment in values.yaml');
  });

  it('has no `# --` description with a later " --", which helm-docs would silently drop', () => {
    const text = readFileSync(join(chartDir, 'values.yaml'), 'utf8');
    const dropped = text.split('\n').filter((line) => /^\s*# -- .* --/.test(line));
    assert.deepEqual(dropped, []);
  });

  it('describes every row of the values table', () => {
    const empty = chartReadme()
      .split('\n')
      .filter((line) => /^\| `[^`]+` \| \w+ \| .*? \|\s*\|$/.test(line));
    assert.deepEqual(empty, []);
  });
});

describe('stale statements fixed for good', () => {
  it('values.yaml no longer calls copying the pull Secret a later feature', () => {
    const text = readFileSync(join(chartDir, 'values.yaml'), 'utf8');
    assert.doesNotMatch(text, /later feature/);
    assert.match(text, /policy\.pullSecretSync\.source/);
  });

  it('NOTES.txt points at pullSecretSync instead of copying the Secret by hand', () => {
    const notes = installNotes({
      pullSecret: { create: true, username: 'robot', password: 'secret' },
    });
    assert.doesNotMatch(notes, /create secret generic|Copy it into each opted-in namespace/);
    assert.match(notes, /--set policy\.pullSecretSync\.source=harbor-system\/harbor-pull/);
    const synced = installNotes({
      pullSecret: { create: true, username: 'robot', password: 'secret' },
      policy: {
        imagePullSecrets: ['harbor-pull'],
        pullSecretSync: { source: 'harbor-system/harbor-pull' },
      },
    });
    assert.match(
      synced,
      /The webhook copies harbor-system\/harbor-pull into each opted-in namespace/,
    );
    assert.doesNotMatch(synced, /--set policy\.pullSecretSync/);
  });

  it('NOTES.txt tells how to run helm test', () => {
    assert.match(installNotes(), /helm test hiw -n harbor-system/);
    assert.doesNotMatch(installNotes({ tests: { enabled: false } }), /helm test/);
  });

  it("the README states the chart's default policy.imagePullSecrets", () => {
    const policy = values()['policy'] as { imagePullSecrets: unknown };
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const stated = JSON.stringify(policy.imagePullSecrets);
    assert.ok(
      readme.includes(`\`policy.imagePullSecrets: ${stated}\``),
      `README.md should say the chart injects policy.imagePullSecrets: ${stated} by default`,
    );
    assert.match(
      readme,
      new RegExp(`\\| \`imagePullSecrets\` \\| \`${stated.replace(/[[\]]/g, '\\$&')}\``),
    );
  });

  it("the README's metric table names every metric the server defines", () => {
    const source = readFileSync(join(repoRoot, 'src', 'server', 'metrics.ts'), 'utf8');
    const names = [...source.matchAll(/name: `\$\{PREFIX\}(\w+)`/g)].map((match) => match[1]!);
    assert.ok(names.includes('pull_secret_sync_total') && names.includes('watch_restarts_total'));
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const missing = names.filter((name) => !readme.includes(`| \`${name}\``));
    assert.deepEqual(missing, []);
  });
});
