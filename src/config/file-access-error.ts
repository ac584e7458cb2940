/**
 * Every file or directory that cannot be read or written is reported in the
 * same form, whichever command and whichever file:
 *
 *     cannot read policy file "p.yaml": no such file (looked in /home/me)
 *     cannot write output directory "/out": permission denied
 */
import { resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { ExitCode, UserError } from './user-error.ts';

export type FileAction = 'read' | 'write' | 'create';

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
};

/** A file or directory that could not be read or written. Exit code 4. */
export class FileAccessError extends UserError {
  override readonly name: string = 'FileAccessError';
  readonly file: string;
  readonly code: string | undefined;

  /** `role` says what the file is for: "policy file", "manifest", "--tls-cert file". */
  constructor(action: FileAction, role: string, file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const reason = (code === undefined ? undefined : REASONS[code]) ?? describeOther(cause);
    super(ExitCode.io, `cannot ${action} ${role} ${JSON.stringify(file)}: ${reason}`, {
      cause,
      hint: hintFor(code, action, file),
    });
    this.file = file;
    this.code = code;
  }
}

/** Reads `file` whole; any failure is a {@link FileAccessError} naming `role`. */
export async function readFileAs(role: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new FileAccessError('read', role, file, error);
  }
}

function hintFor(code: string | undefined, action: FileAction, file: string): string | undefined {
  if (code === 'ENOENT') {
    return resolve(file) === file
      ? 'check the path'
      : `check the path; relative paths start at ${process.cwd()}`;
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return action === 'read'
      ? 'make it readable by this user, or run as one who can read it'
      : 'choose a directory this user can write, or fix its permissions';
  }
  return undefined;
}

function describeOther(cause: unknown): string {
  const error = cause as NodeJS.ErrnoException | undefined;
  return error?.code ?? (error instanceof Error ? error.message : String(cause));
}
