/**
 * Test workload images, made from our own static programs (see
 * test/cluster/images) and pushed with skopeo from the node, as a
 * user's CI would push to their registry.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterInfo } from './cluster-info.ts';
import { buildProgram, type ProgramName } from './go-programs.ts';
import { paths } from './layout.ts';
import { onNode } from './node-shell.ts';
import { buildOciLayout } from './oci-image.ts';
import type { RegistryInfo } from './registry.ts';

/** A pushed image: the reference and the digest the registry reports. */
export interface PushedImage {
  /** `host/repository:tag` */
  readonly reference: string;
  /** `sha256:…`, as the registry reports it. */
  readonly digest: string;
  /** `host/repository@sha256:…`: exactly this content, whatever the tag points at now. */
  readonly byDigest: string;
}

/** Where to push: a registry of the cluster and the repository path and tag in it. */
export interface PushTarget {
  readonly registry: RegistryInfo;
  readonly repository: string;
  readonly tag: string;
  /** What the image's server answers; different messages make different digests. */
  readonly message?: string;
  /** The program the image runs (test/cluster/images/NAME); `hello` by default. */
  readonly program?: ProgramName;
}

/** Builds a test image and pushes it to `target`; the admin user is used where the registry has one. */
export async function pushTestImage(info: ClusterInfo, target: PushTarget): Promise<PushedImage> {
  const program = target.program ?? 'hello';
  const binary = await buildProgram(program);
  const name = `${target.repository.replaceAll('/', '-')}-${target.tag}`;
  const layout = await buildOciLayout(
    join(paths.images, name),
    {
      files: [{ name: program, source: binary }],
      entrypoint: [`/${program}`],
      user: '65532',
      env: ['PATH=/', ...(target.message === undefined ? [] : [`HELLO_MESSAGE=${target.message}`])],
    },
    { tag: target.tag, imageName: `${target.registry.host}/${target.repository}:${target.tag}` },
  );
  const reference = `${target.registry.host}/${target.repository}:${target.tag}`;
  const digestFile = `${layout.dir}.digest`;
  const admin = target.registry.users.admin;
  const result = await onNode(info, [
    'skopeo',
    'copy',
    '--quiet',
    `--dest-cert-dir=${target.registry.certDir}`,
    ...(admin === undefined ? [] : [`--dest-creds=${admin.username}:${admin.password}`]),
    `--digestfile=${digestFile}`,
    `oci:${layout.dir}:${layout.tag}`,
    `docker://${reference}`,
  ]);
  if (result.code !== 0) {
    throw new Error(`skopeo could not push ${reference} (exit ${result.code}): ${result.stderr}`);
  }
  const digest = (await readFile(digestFile, 'utf8')).trim();
  return {
    reference,
    digest,
    byDigest: `${target.registry.host}/${target.repository}@${digest}`,
  };
}
