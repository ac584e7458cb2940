// The image the chart runs: the Dockerfile is read as text and held to the chart's rendering.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { argsOf, envPairs, execForm, globalArgs, parseDockerfile } from './dockerfile.ts';
import type { Stage } from './dockerfile.ts';
import { render, repoRoot } from './helm.ts';
import { allOf, containerOf, oneOf } from './manifests.ts';
import type { Deployment, Job } from './manifests.ts';

const dockerfileText = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfileText);
const runtime: Stage = stages.at(-1)!;

/** The last exec-form value of ENTRYPOINT or CMD in the runtime stage. */
function runtimeExec(keyword: 'ENTRYPOINT' | 'CMD'): string[] {
  const values = argsOf(runtime, keyword);
  assert.ok(values.length > 0, `the runtime stage has a ${keyword}`);
  return execForm(values.at(-1)!);
}

/** Source paths of a COPY instruction (flags and the destination dropped). */
function copySources(args: string): string[] {
  return args
    .split(/\s+/)
    .filter((word) => !word.startsWith('--'))
    .slice(0, -1);
}

function renderedWebhookContainer() {
  const deployment = oneOf<Deployment>(render(), 'Deployment');
  return containerOf(deployment.spec.template.spec, 'webhook');
}

describe('the Dockerfile', () => {
  it('has a build stage and a runtime stage', () => {
    assert.ok(stages.length >= 2, `found ${stages.length} stage(s)`);
  });

  it('pins every base image by a sha256 digest', () => {
    const stageNames = new Set(stages.map((stage) => stage.name).filter(Boolean));
    for (const { image } of stages) {
      if (stageNames.has(image)) continue;
      assert.match(image, /^[^@\s]+:[^@\s]+@sha256:[a-f0-9]{64}$/, image);
    }
  });

  it('takes every base image from a build argument, so a build without the public registries can swap it', () => {
    const stageNames = new Set(stages.map((stage) => stage.name).filter(Boolean));
    const args = globalArgs(dockerfileText);
    for (const { written } of stages) {
      if (stageNames.has(written)) continue;
      const name = /^\$\{(\w+)\}$/.exec(written)?.[1];
      assert.ok(name !== undefined && args.has(name), `FROM ${written} is a global ARG`);
    }
  });

  it('builds and runs on Node 24', () => {
    for (const { image } of stages) assert.match(image, /(node:24|nodejs24)/, image);
  });

  it('runs the runtime stage as the numeric non-root user 65532', () => {
    const users = argsOf(runtime, 'USER');
    assert.match(users.at(-1) ?? 'root', /^65532(:65532)?$/);
  });

  it('uses the chart Deployment container command as its ENTRYPOINT', () => {
    assert.deepEqual(runtimeExec('ENTRYPOINT'), renderedWebhookContainer().command);
  });

  it('has a CMD that the chart Deployment container args begin with', () => {
    const cmd = runtimeExec('CMD');
    const args = renderedWebhookContainer().args ?? [];
    assert.deepEqual(args.slice(0, cmd.length), cmd);
  });

  it('can start the chart cert Jobs with the same node executable as its ENTRYPOINT', () => {
    const [node] = runtimeExec('ENTRYPOINT');
    for (const job of allOf<Job>(render(), 'Job')) {
      const [command] = job.spec.template.spec.containers.map((container) => container.command);
      assert.deepEqual(command, [node, 'dist/scripts/cert-bootstrap.js'], job.metadata.name);
    }
  });

  it('puts node on PATH when the runtime is distroless, where node lives in /nodejs/bin', () => {
    const [executable] = runtimeExec('ENTRYPOINT');
    if (executable?.startsWith('/') || !runtime.image.includes('distroless')) return;
    const path = argsOf(runtime, 'ENV')
      .map((args) => envPairs(args).get('PATH'))
      .filter((value) => value !== undefined)
      .at(-1);
    assert.ok(path?.split(':').includes('/nodejs/bin'), `PATH=${path} lacks /nodejs/bin`);
  });

  it('exposes the port the webhook container listens on', () => {
    const ports = renderedWebhookContainer().ports?.map((port) => String(port.containerPort));
    assert.deepEqual(argsOf(runtime, 'EXPOSE'), ports);
  });

  it('copies only dist, production node_modules, package.json and examples into the runtime stage', () => {
    const sources = argsOf(runtime, 'COPY')
      .flatMap((args) => copySources(args))
      .map((source) => basename(source))
      .sort();
    assert.deepEqual(sources, ['dist', 'examples', 'node_modules', 'package.json']);
  });

  it('takes the runtime node_modules from a stage that installed without dev dependencies', () => {
    const copy = argsOf(runtime, 'COPY').find((args) => /node_modules\s*$/.test(args));
    const from = /--from=(\S+)/.exec(copy ?? '')?.[1];
    const source = stages.find((stage) => stage.name === from);
    assert.ok(source, `node_modules is copied from a named stage (got ${from})`);
    assert.ok(
      argsOf(source, 'RUN').some((args) => /npm ci\b.*--omit=dev/.test(args)),
      `stage ${from} runs npm ci --omit=dev`,
    );
  });

  it('carries the OCI title, version, revision and license labels', () => {
    const labels = argsOf(runtime, 'LABEL').join(' ');
    for (const key of ['title', 'version', 'revision', 'licenses']) {
      assert.match(labels, new RegExp(`org\\.opencontainers\\.image\\.${key}=`), key);
    }
  });
});

describe('the .dockerignore', () => {
  const rules = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it('starts from an allow-list that excludes everything', () => {
    assert.equal(rules[0], '*');
  });

  it('never lets local state such as node_modules, dist, .tools or .git back in', () => {
    for (const path of ['node_modules', 'dist', '.tools', '.git', '.env']) {
      assert.equal(
        rules.some((rule) => rule.startsWith('!') && rule.slice(1).replace(/\/$/, '') === path),
        false,
        path,
      );
    }
  });

  it('lets in what the build stage copies', () => {
    const copied = stages
      .flatMap((stage) => argsOf(stage, 'COPY'))
      .filter((args) => !args.includes('--from='))
      .flatMap((args) => copySources(args));
    for (const source of copied) {
      assert.ok(
        rules.includes(`!${source.replace(/^\.\//, '')}`) || rules.includes(`!${source}/`),
        source,
      );
    }
  });
});
