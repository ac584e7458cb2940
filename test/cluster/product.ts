/**
 * The product as users get it, on the node: the image built by
 * `npm run image` and pushed with skopeo, the chart packaged and pushed as
 * an OCI artifact with `helm push`, and `helm install oci://…`, all to and
 * from the trusted artifact registry. helm and skopeo run on the node (its
 * hosts file names the registries), with the registry's CA, never with TLS
 * verification off.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess } from '../e2e/support/processes.ts';
import { findTools } from '../e2e/support/tools.ts';
import type { ClusterInfo } from './cluster-info.ts';
import { paths, REPO_ROOT, WORK_DIR } from './layout.ts';
import { onNode } from './node-shell.ts';

/** The project on the artifact registry the image and chart are pushed under. */
export const ARTIFACT_PROJECT = 'harbor-image-webhook';
export const RELEASE = 'hiw';
export const RELEASE_NAMESPACE = 'harbor-system';

const PRODUCT_DIR = join(WORK_DIR, 'product');
/** The admin kubeconfig for the apiserver at the node's address, for tools run on the node. */
export const NODE_KUBECONFIG = join(paths.pki, 'admin.kubeconfig');

/** package.json's version: the image tag and the chart version. */
export async function productVersion(): Promise<string> {
  const text = await readFile(join(REPO_ROOT, 'package.json'), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

async function checked(
  what: string,
  result: Promise<{ code: number | string; stdout: string; stderr: string }>,
): Promise<string> {
  const { code, stdout, stderr } = await result;
  if (code !== 0) throw new Error(`${what} failed (exit ${code}):\n${stderr}\n${stdout}`);
  return stdout;
}

/** `npm run image`'s script: builds (or reuses) the image; resolves with its OCI layout. */
export async function buildImage(): Promise<string> {
  const stdout = await checked(
    'scripts/build-image.sh',
    runProcess('bash', [join(REPO_ROOT, 'scripts', 'build-image.sh')], {
      timeoutMs: 30 * 60_000,
    }),
  );
  return stdout.trim().split('\n').at(-1)!;
}

/** A pushed image: `host/path:tag` and the digest the registry reports. */
export interface PushedProduct {
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
}

/** Pushes the built image to `artifacts.test/<project>/harbor-image-webhook:<tag>` (default: the version). */
export async function pushImage(
  info: ClusterInfo,
  layout: string,
  tag?: string,
): Promise<PushedProduct> {
  const registry = info.registries.artifacts;
  tag ??= await productVersion();
  const repository = `${registry.host}/${ARTIFACT_PROJECT}/harbor-image-webhook`;
  await mkdir(PRODUCT_DIR, { recursive: true });
  const digestFile = join(PRODUCT_DIR, 'image.digest');
  await checked(
    `skopeo copy ${layout} to ${repository}:${tag}`,
    onNode(
      info,
      [
        'skopeo',
        'copy',
        '--quiet',
        `--dest-cert-dir=${registry.certDir}`,
        `--digestfile=${digestFile}`,
        layout,
        `docker://${repository}:${tag}`,
      ],
      5 * 60_000,
    ),
  );
  return { repository, tag, digest: (await readFile(digestFile, 'utf8')).trim() };
}

/** Runs helm on the node with the node's admin kubeconfig; throws unless it exits 0. */
export async function helmOnNode(
  info: ClusterInfo,
  args: readonly string[],
  timeoutMs = 5 * 60_000,
): Promise<string> {
  const helm = join(await findTools(), 'helm');
  return checked(
    `helm ${args.join(' ')}`,
    onNode(info, [helm, '--kubeconfig', NODE_KUBECONFIG, ...args], timeoutMs),
  );
}

/** `helm package` + `helm push` to `oci://artifacts.test/<project>/charts`; returns the chart URL. */
export async function pushChart(info: ClusterInfo): Promise<string> {
  await mkdir(PRODUCT_DIR, { recursive: true });
  const chartDir = join(REPO_ROOT, 'charts', 'harbor-image-webhook');
  await helmOnNode(info, ['package', chartDir, '--destination', PRODUCT_DIR]);
  const archive = join(PRODUCT_DIR, `harbor-image-webhook-${await productVersion()}.tgz`);
  const registry = info.registries.artifacts;
  const url = `oci://${registry.host}/${ARTIFACT_PROJECT}/charts`;
  await helmOnNode(info, ['push', archive, url, '--ca-file', registry.caFile]);
  return `${url}/harbor-image-webhook`;
}

/** Writes `values` to a file only root reads (it holds the pull user's password). */
export async function writeValues(name: string, values: object): Promise<string> {
  await mkdir(PRODUCT_DIR, { recursive: true });
  const file = join(PRODUCT_DIR, name);
  await writeFile(file, JSON.stringify(values, null, 2), { mode: 0o600 });
  return file;
}

/** The values a user of this node would write: image from artifacts.test, Harbor, node trust. */
export function nodeValues(
  info: ClusterInfo,
  image: PushedProduct,
  harborCa: string,
): Record<string, unknown> {
  const harbor = info.registries.harbor;
  return {
    image: { repository: image.repository, tag: image.tag, digest: image.digest },
    policy: {
      harbor: { host: harbor.host },
      rules: [{ match: 'docker.io/**', project: 'dockerhub-proxy' }],
      imagePullSecrets: ['harbor-pull'],
      pullSecretSync: { source: `${RELEASE_NAMESPACE}/harbor-pull`, name: 'harbor-pull' },
    },
    pullSecret: {
      create: true,
      name: 'harbor-pull',
      username: harbor.users.pull!.username,
      password: harbor.users.pull!.password,
    },
    nodeTrust: { enabled: true, certsDir: paths.certsD, caBundle: harborCa },
    // One node: the default preferred anti-affinity and zone spread still schedule both here.
    preStopSleepSeconds: 2,
  };
}

/** `helm install` from the OCI chart, waiting for the release to be ready. */
export async function installChart(
  info: ClusterInfo,
  chartUrl: string,
  valuesFile: string,
): Promise<string> {
  return helmOnNode(info, [
    'install',
    RELEASE,
    chartUrl,
    '--version',
    await productVersion(),
    '--ca-file',
    info.registries.artifacts.caFile,
    '--namespace',
    RELEASE_NAMESPACE,
    '--create-namespace',
    '--values',
    valuesFile,
    '--wait',
    '--timeout',
    '4m',
  ]);
}
