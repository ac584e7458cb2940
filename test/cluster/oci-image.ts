/**
 * Container images made from files, without a daemon or a base image: one
 * uncompressed layer holding the given files, an OCI config and manifest,
 * written as an OCI image layout (a directory skopeo reads as `oci:DIR:TAG`)
 * and, for `ctr images import`, as a tar of that layout.
 */
import { createHash } from 'node:crypto';
import { copyFile, chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './commands.ts';

/** A file of the image, at the image's root. */
export interface ImageFile {
  /** Name in the image's root directory. */
  readonly name: string;
  readonly source: string;
}

/** What the image is made of and how it runs. */
export interface ImageSpec {
  readonly files: readonly ImageFile[];
  readonly entrypoint: readonly string[];
  /** Numeric user, e.g. "65532" (non-root). */
  readonly user?: string;
  readonly env?: readonly string[];
}

/** An OCI image layout on disk. */
export interface OciLayout {
  readonly dir: string;
  /** The tag inside the layout (`oci:DIR:TAG`). */
  readonly tag: string;
  /** `sha256:…` of the manifest in the layout (a push may re-encode it: ask the registry for its digest). */
  readonly manifestDigest: string;
}

const PART = 'oci-image';

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function writeBlob(layoutDir: string, data: Buffer | string): Promise<string> {
  const digest = sha256(data);
  await writeFile(join(layoutDir, 'blobs', 'sha256', digest), data);
  return `sha256:${digest}`;
}

/** The platform an image manifest runs on (OCI `platform`, image config `architecture`/`os`). */
export interface Platform {
  readonly architecture: string;
  readonly os: string;
}

const LINUX_AMD64: Platform = { architecture: 'amd64', os: 'linux' };

/** An OCI descriptor of a blob written to a layout. */
interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

/** Empties `dir` and creates its blob directory. */
async function startLayout(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
}

/** Writes the `oci-layout` marker and `index.json` naming `manifest` as `tag`. */
async function finishLayout(
  dir: string,
  manifest: Descriptor & { readonly platform?: Platform },
  annotations: Record<string, string>,
): Promise<void> {
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ ...manifest, annotations }],
    }),
  );
}

/** Writes the layer holding `spec.files` (made once per layout, shared by its platforms). */
async function writeLayer(dir: string, spec: ImageSpec): Promise<Descriptor> {
  const staging = `${dir}.rootfs`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  for (const file of spec.files) {
    await copyFile(file.source, join(staging, file.name));
    await chmod(join(staging, file.name), 0o755);
  }
  const layerFile = `${dir}.layer.tar`;
  // Fixed owner and time: the same files make the same layer digest.
  await run(PART, [
    'tar',
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mtime=@0',
    '-C',
    staging,
    '-cf',
    layerFile,
    ...spec.files.map((file) => file.name),
  ]);
  const layer = await readFile(layerFile);
  await rm(layerFile);
  await rm(staging, { recursive: true });
  return {
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
    digest: await writeBlob(dir, layer),
    size: layer.length,
  };
}

/** Writes the config and manifest of `spec` for `platform` over `layer`; returns the manifest's descriptor. */
async function writeImageManifest(
  dir: string,
  spec: ImageSpec,
  layer: Descriptor,
  platform: Platform,
): Promise<Descriptor> {
  const config = JSON.stringify({
    architecture: platform.architecture,
    os: platform.os,
    config: {
      Entrypoint: spec.entrypoint,
      Env: spec.env ?? ['PATH=/'],
      ...(spec.user === undefined ? {} : { User: spec.user }),
    },
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
  });
  const configDigest = await writeBlob(dir, config);
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: Buffer.byteLength(config),
    },
    layers: [layer],
  });
  return { mediaType, digest: await writeBlob(dir, manifest), size: Buffer.byteLength(manifest) };
}

/**
 * Writes `spec` as an OCI layout in `dir` (replacing it). `imageName`, the
 * full reference, is recorded as containerd's image-name annotation so an
 * import names the image.
 */
export async function buildOciLayout(
  dir: string,
  spec: ImageSpec,
  names: { tag: string; imageName: string },
): Promise<OciLayout> {
  await startLayout(dir);
  const layer = await writeLayer(dir, spec);
  const manifest = await writeImageManifest(dir, spec, layer, LINUX_AMD64);
  await finishLayout(
    dir,
    { ...manifest, platform: LINUX_AMD64 },
    {
      'io.containerd.image.name': names.imageName,
      'org.opencontainers.image.ref.name': names.tag,
    },
  );
  return { dir, tag: names.tag, manifestDigest: manifest.digest };
}

/**
 * Writes `spec` for each of `platforms` and an OCI image index over them as
 * `tag` in `dir` (replacing it): a multi-arch image, which `skopeo copy --all`
 * pushes as an index. `manifestDigest` is the index's digest.
 */
export async function buildMultiArchOciLayout(
  dir: string,
  spec: ImageSpec,
  platforms: readonly Platform[],
  tag: string,
): Promise<OciLayout> {
  await startLayout(dir);
  const layer = await writeLayer(dir, spec);
  const manifests = [];
  for (const platform of platforms) {
    manifests.push({ ...(await writeImageManifest(dir, spec, layer, platform)), platform });
  }
  const mediaType = 'application/vnd.oci.image.index.v1+json';
  const index = JSON.stringify({ schemaVersion: 2, mediaType, manifests });
  const indexDigest = await writeBlob(dir, index);
  await finishLayout(
    dir,
    { mediaType, digest: indexDigest, size: Buffer.byteLength(index) },
    { 'org.opencontainers.image.ref.name': tag },
  );
  return { dir, tag, manifestDigest: indexDigest };
}

/** Tars an OCI layout into one archive file (what `ctr images import` reads). */
export async function archiveOciLayout(layout: OciLayout, archiveFile: string): Promise<void> {
  await run(PART, [
    'tar',
    '-C',
    layout.dir,
    '-cf',
    archiveFile,
    'oci-layout',
    'index.json',
    'blobs',
  ]);
}
