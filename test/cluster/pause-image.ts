/**
 * The pod sandbox image, built here from test/cluster/images/pause and
 * imported into containerd under the name its CRI plugin asks for, so the
 * node never pulls it.
 */
import { join } from 'node:path';
import { run } from './commands.ts';
import { ctr } from './containerd.ts';
import { buildProgram } from './go-programs.ts';
import { paths, PAUSE_IMAGE } from './layout.ts';
import { archiveOciLayout, buildOciLayout } from './oci-image.ts';
import { ClusterPartError } from './part-error.ts';

/** Builds the pause image and imports it into the cluster's containerd. */
export async function importPauseImage(): Promise<void> {
  const binary = await buildProgram('pause');
  const layout = await buildOciLayout(
    join(paths.images, 'pause'),
    { files: [{ name: 'pause', source: binary }], entrypoint: ['/pause'], user: '65535' },
    { tag: PAUSE_IMAGE.split(':').at(-1) ?? 'latest', imageName: PAUSE_IMAGE },
  );
  const archive = join(paths.images, 'pause.tar');
  await archiveOciLayout(layout, archive);
  await run('pause-image', ctr(['images', 'import', archive]), { timeoutMs: 60_000 });
  const listed = await run('pause-image', ctr(['images', 'ls', '-q']));
  if (!listed.split('\n').includes(PAUSE_IMAGE)) {
    throw new ClusterPartError(
      'pause-image',
      `ctr images import did not name the image ${PAUSE_IMAGE}; containerd has: ${listed}`,
    );
  }
}
