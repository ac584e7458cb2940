/**
 * Test images for the registry harness, made from files (no network, no
 * daemon) with the cluster's OCI layout builder, pushed with skopeo as a
 * user's CI would, and inspected with skopeo as a user would check a digest.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildMultiArchOciLayout,
  buildOciLayout,
  type OciLayout,
  type Platform,
} from '../../cluster/oci-image.ts';
import { runProcess } from '../../e2e/support/processes.ts';
import type { RegistryUser } from './htpasswd.ts';

const SKOPEO_TIMEOUT_MS = 60_000;

/** The platforms of a multi-arch test image. */
export const MULTI_ARCH_PLATFORMS: readonly Platform[] = [
  { architecture: 'amd64', os: 'linux' },
  { architecture: 'arm64', os: 'linux' },
];

/** How skopeo reaches a registry: its host, the CA directory and, optionally, a user. */
export interface SkopeoTarget {
  readonly host: string;
  /** A directory holding `ca.crt` (skopeo's `--cert-dir`). */
  readonly certDir: string;
  readonly user?: RegistryUser;
}

/** An image in a registry. */
export interface PushedImage {
  /** `host/repository:tag` */
  readonly reference: string;
  readonly repository: string;
  readonly tag: string;
  /** `sha256:…` of the pushed manifest (the index, for a multi-arch image), as skopeo reports it. */
  readonly digest: string;
  /** `host/repository@sha256:…` */
  readonly byDigest: string;
}

/** What to build. */
export interface TestImageSpec {
  /** Content of the image's one file; random by default, so every image has its own digest. */
  readonly content?: string;
  /** An OCI index over linux/amd64 and linux/arm64 instead of one manifest. */
  readonly multiArch?: boolean;
}

/** Builds a test image as an OCI layout under `workDir`. */
export async function buildTestImage(
  workDir: string,
  tag: string,
  spec: TestImageSpec = {},
): Promise<OciLayout> {
  const id = randomBytes(6).toString('hex');
  const filesDir = join(workDir, `files-${id}`);
  await mkdir(filesDir, { recursive: true });
  const file = join(filesDir, 'content.txt');
  await writeFile(file, spec.content ?? `test image ${id}\n`);
  const imageSpec = {
    files: [{ name: 'content.txt', source: file }],
    entrypoint: ['/content.txt'],
  };
  const layoutDir = join(workDir, `layout-${id}`);
  return spec.multiArch === true
    ? buildMultiArchOciLayout(layoutDir, imageSpec, MULTI_ARCH_PLATFORMS, tag)
    : buildOciLayout(layoutDir, imageSpec, { tag, imageName: tag });
}

function credentialArgs(flag: string, user: RegistryUser | undefined): string[] {
  return user === undefined ? [] : [`${flag}=${user.username}:${user.password}`];
}

async function skopeo(args: readonly string[], what: string): Promise<string> {
  const result = await runProcess('skopeo', args, { timeoutMs: SKOPEO_TIMEOUT_MS });
  if (result.code !== 0) {
    throw new Error(`skopeo could not ${what} (exit ${result.code}): ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** Pushes `layout` to `target` as `repository:tag` (all architectures) and returns its digest. */
export async function pushLayout(
  layout: OciLayout,
  target: SkopeoTarget,
  repository: string,
  tag: string,
): Promise<PushedImage> {
  const reference = `${target.host}/${repository}:${tag}`;
  const digestFile = `${layout.dir}.digest`;
  await skopeo(
    [
      'copy',
      '--quiet',
      '--all',
      `--dest-cert-dir=${target.certDir}`,
      ...credentialArgs('--dest-creds', target.user),
      `--digestfile=${digestFile}`,
      `oci:${layout.dir}:${layout.tag}`,
      `docker://${reference}`,
    ],
    `push ${reference}`,
  );
  const digest = (await readFile(digestFile, 'utf8')).trim();
  return {
    reference,
    repository,
    tag,
    digest,
    byDigest: `${target.host}/${repository}@${digest}`,
  };
}

/** Builds a test image under `workDir` and pushes it to `target` as `repository:tag`. */
export async function pushTestImage(
  workDir: string,
  target: SkopeoTarget,
  name: { readonly repository: string; readonly tag: string },
  spec: TestImageSpec = {},
): Promise<PushedImage> {
  const layout = await buildTestImage(workDir, name.tag, spec);
  return pushLayout(layout, target, name.repository, name.tag);
}

/** `skopeo inspect --raw`: the manifest (or index) bytes the registry serves for `reference` (`host/repo:tag|@digest`). */
export async function inspectRawManifest(target: SkopeoTarget, reference: string): Promise<string> {
  return skopeo(
    [
      'inspect',
      '--raw',
      `--cert-dir=${target.certDir}`,
      ...credentialArgs('--creds', target.user),
      `docker://${reference}`,
    ],
    `inspect ${reference}`,
  );
}

/** The digest of what the registry serves for `reference`, as skopeo sees it: sha256 of the raw manifest. */
export async function inspectDigest(target: SkopeoTarget, reference: string): Promise<string> {
  const raw = await inspectRawManifest(target, reference);
  return `sha256:${createHash('sha256').update(raw, 'utf8').digest('hex')}`;
}
