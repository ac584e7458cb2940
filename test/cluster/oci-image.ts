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
  await rm(dir, { recursive: true, force: true });
  const staging = `${dir}.rootfs`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
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
  const layerDigest = await writeBlob(dir, layer);
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: {
      Entrypoint: spec.entrypoint,
      Env: spec.env ?? ['PATH=/'],
      ...(spec.user === undefined ? {} : { User: spec.user }),
    },
    rootfs: { type: 'layers', diff_ids: [layerDigest] },
  });
  const configDigest = await writeBlob(dir, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: Buffer.byteLength(config),
    },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: layerDigest,
        size: layer.length,
      },
    ],
  });
  const manifestDigest = await writeBlob(dir, manifest);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: Buffer.byteLength(manifest),
          platform: { architecture: 'amd64', os: 'linux' },
          annotations: {
            'io.containerd.image.name': names.imageName,
            'org.opencontainers.image.ref.name': names.tag,
          },
        },
      ],
    }),
  );
  return { dir, tag: names.tag, manifestDigest };
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
