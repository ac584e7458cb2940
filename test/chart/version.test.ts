// One version number for a release: package.json (which `--version` prints), Chart.yaml's
// version and appVersion, the image's VERSION build argument, the README's examples, and a
// section of CHANGELOG.md (Keep a Changelog).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { chartDir, repoRoot } from './helm.ts';

const read = (...path: string[]): string => readFileSync(join(repoRoot, ...path), 'utf8');
const packageVersion = (): string =>
  (JSON.parse(read('package.json')) as { version: string }).version;

describe('the shared version', () => {
  it('is a semantic version in package.json', () => {
    assert.match(packageVersion(), /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  });

  it('is the version of package-lock.json', () => {
    const lock = JSON.parse(read('package-lock.json')) as {
      version: string;
      packages: Record<string, { version?: string }>;
    };
    assert.equal(lock.version, packageVersion());
    assert.equal(lock.packages['']?.version, packageVersion());
  });

  it("is the chart's version and appVersion", () => {
    const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as {
      version: string;
      appVersion: string;
    };
    assert.equal(chart.version, packageVersion());
    assert.equal(chart.appVersion, packageVersion());
  });

  it("is the default of the image's VERSION build argument", () => {
    const argument = /^ARG VERSION=(\S+)$/m.exec(read('Dockerfile'));
    assert.equal(argument?.[1], packageVersion());
  });

  it('is the version every README example builds, pushes or installs', () => {
    const readme = read('README.md');
    const stated = [
      ...readme.matchAll(/harbor-image-webhook:(\d+\.\d+\.\d+)/g),
      ...readme.matchAll(/harbor-image-webhook-(\d+\.\d+\.\d+)\.tgz/g),
      ...readme.matchAll(/--version (\d+\.\d+\.\d+)/g),
    ].map((match) => match[1]);
    assert.ok(
      stated.length >= 3,
      'the README shows the image tag, the chart package and --version',
    );
    assert.deepEqual([...new Set(stated)], [packageVersion()]);
  });
});

describe('CHANGELOG.md', () => {
  const changelog = (): string => read('CHANGELOG.md');
  const headings = (): string[] =>
    [...changelog().matchAll(/^## \[([^\]]+)\](.*)$/gm)].map((match) => `${match[1]}${match[2]}`);

  it('opens with an Unreleased section, as Keep a Changelog does', () => {
    assert.match(changelog(), /^# Changelog\n/);
    assert.equal(headings()[0], 'Unreleased');
  });

  it('has a dated section for the current version', () => {
    const version = packageVersion().replaceAll('.', '\\.');
    assert.ok(
      headings().some((heading) => new RegExp(`^${version} - \\d{4}-\\d{2}-\\d{2}$`).test(heading)),
      `CHANGELOG.md needs a "## [${packageVersion()}] - YYYY-MM-DD" section`,
    );
  });

  it('lists released versions newest first and uses only Keep a Changelog change types', () => {
    const released = headings()
      .slice(1)
      .map((heading) => heading.split(' ')[0]!.split('.').map(Number));
    const sorted = [...released].sort((a, b) => b[0]! - a[0]! || b[1]! - a[1]! || b[2]! - a[2]!);
    assert.deepEqual(released, sorted);
    const types = [...changelog().matchAll(/^### (.+)$/gm)].map((match) => match[1]);
    const allowed = ['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security'];
    assert.deepEqual(
      types.filter((type) => !allowed.includes(type!)),
      [],
    );
  });
});
