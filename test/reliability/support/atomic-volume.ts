/**
 * A directory updated the way the kubelet updates Secret and ConfigMap
 * volumes: files are written into a fresh timestamped directory and the
 * `..data` symlink is swapped in one rename, so a reader sees the old set or
 * the new set, never half of each. `tls.crt -> ..data/tls.crt` and so on.
 */
import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface AtomicVolume {
  readonly dir: string;
  /** The path a reader opens, e.g. `<dir>/tls.crt`. */
  path(name: string): string;
  /** Replaces every file of the volume at once. */
  write(files: Readonly<Record<string, string>>): Promise<void>;
}

/** Creates the volume in `dir` (which must exist) with its first contents. */
export async function createAtomicVolume(
  dir: string,
  files: Readonly<Record<string, string>>,
): Promise<AtomicVolume> {
  let generation = 0;
  const write = async (next: Readonly<Record<string, string>>): Promise<void> => {
    generation++;
    const target = `..${Date.now()}_${generation}`;
    await mkdir(join(dir, target));
    for (const [name, content] of Object.entries(next)) {
      await writeFile(join(dir, target, name), content);
    }
    const previous = await readlink(join(dir, '..data')).catch(() => undefined);
    await symlink(target, join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    for (const name of Object.keys(next)) {
      await symlink(join('..data', name), join(dir, name)).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      });
    }
    if (previous !== undefined) await rm(join(dir, previous), { recursive: true, force: true });
  };
  await write(files);
  return { dir, path: (name) => join(dir, name), write };
}
