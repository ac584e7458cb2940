/**
 * htpasswd files for docker-registry's `auth.htpasswd`, written with
 * apache2-utils' `htpasswd -Bbn` (bcrypt is the only scheme the registry
 * accepts). Passwords are random per run: a test never depends on a known one.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { runProcess } from '../../e2e/support/processes.ts';

/** A user a test registry accepts. */
export interface RegistryUser {
  readonly username: string;
  readonly password: string;
}

/** A user named `username` with a fresh random password. */
export function newRegistryUser(username: string): RegistryUser {
  return { username, password: randomBytes(12).toString('hex') };
}

/** Writes `users` to `file` in htpasswd format (bcrypt). */
export async function writeHtpasswd(file: string, users: readonly RegistryUser[]): Promise<void> {
  const lines: string[] = [];
  for (const user of users) {
    // -n prints instead of editing a file; the password is an argument, never logged.
    const result = await runProcess('htpasswd', ['-Bbn', user.username, user.password], {
      timeoutMs: 20_000,
    });
    if (result.code !== 0) {
      throw new Error(`htpasswd failed for ${user.username} (exit ${result.code})`);
    }
    lines.push(result.stdout.trim());
  }
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
}
