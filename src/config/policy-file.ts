/**
 * Reads the policy file. A bad file is refused with the file, the field and
 * the reason, so the server never starts half-configured.
 */
import { readFile } from 'node:fs/promises';
import type { Policy } from '../core/policy.ts';
import { parsePolicyText } from '../core/policy-text.ts';

/** A policy file that cannot be used; `message` lists every problem as `file: field: reason`. */
export class PolicyFileError extends Error {
  override readonly name = 'PolicyFileError';
  readonly file: string;
  readonly problems: readonly string[];

  constructor(file: string, problems: readonly string[], options?: ErrorOptions) {
    super(problems.map((problem) => `${file}: ${problem}`).join('\n'), options);
    this.file = file;
    this.problems = problems;
  }
}

export interface LoadedPolicyFile {
  readonly policy: Policy;
  /** The bytes it was compiled from, so a watcher can tell when the file changes. */
  readonly content: Buffer;
}

/** Loads, validates and compiles the policy at `file`. Throws {@link PolicyFileError}. */
export async function loadPolicyFile(file: string): Promise<LoadedPolicyFile> {
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'cannot be read';
    throw new PolicyFileError(file, [reason], { cause: error });
  }
  const loaded = parsePolicyText(content.toString('utf8'));
  if (!loaded.ok) throw new PolicyFileError(file, loaded.problems);
  return { policy: loaded.policy, content };
}
