/**
 * Creating `--out-dir` (cert-bootstrap, sync-plan). Not `mkdir(dir, { recursive: true })`: on a path under
 * /proc, Node's recursive mkdir gets ENOENT for the child, finds the parent
 * existing, retries the child, and loops forever at full CPU. Here each missing
 * ancestor is created once, top-down, and every error ends the command.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FileAccessError } from '../config/file-access-error.ts';
import { ExitCode, UserError } from '../config/user-error.ts';

const ROLE = 'output directory';

/** Creates `directory` and its missing ancestors; throws a {@link UserError} naming the path on any error. */
export async function makeOutDir(directory: string): Promise<void> {
  const missing: string[] = [];
  // Walk up to the first ancestor that exists; bounded by the path's depth.
  for (let current = resolve(directory); ; current = dirname(current)) {
    const kind = await kindOf(current);
    if (kind === 'directory') break;
    if (kind === 'other')
      throw new UserError(
        ExitCode.io,
        `cannot create ${ROLE} ${JSON.stringify(directory)}: ${current} is not a directory`,
        { hint: 'choose a path whose parents are directories' },
      );
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
      throw new FileAccessError('create', ROLE, path, error);
    }
  }
}

async function kindOf(path: string): Promise<'directory' | 'other' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new FileAccessError('create', ROLE, path, error);
  }
}
