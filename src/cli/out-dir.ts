/**
 * Creating `--out-dir` (cert-bootstrap, sync-plan). Not `mkdir(dir, { recursive: true })`: on a path under
 * /proc, Node's recursive mkdir gets ENOENT for the child, finds the parent
 * existing, retries the child, and loops forever at full CPU. Here each missing
 * ancestor is created once, top-down, and every error ends the command.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Creates `directory` and its missing ancestors; throws a message naming the path on any error. */
export async function makeOutDir(directory: string): Promise<void> {
  const missing: string[] = [];
  // Walk up to the first ancestor that exists; bounded by the path's depth.
  for (let current = resolve(directory); ; current = dirname(current)) {
    const kind = await kindOf(current);
    if (kind === 'directory') break;
    if (kind === 'other')
      throw new Error(`cannot create ${directory}: ${current} is not a directory`);
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const path of missing) {
    try {
      await mkdir(path);
    } catch (error) {
      // Another process may have made it meanwhile; anything else is final.
      if (
        (error as NodeJS.ErrnoException).code === 'EEXIST' &&
        (await kindOf(path)) === 'directory'
      )
        continue;
      throw new Error(`cannot create ${path}`, { cause: error });
    }
  }
}

async function kindOf(path: string): Promise<'directory' | 'other' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new Error(`cannot create ${path}`, { cause: error });
  }
}
