/**
 * Reads the policy file. A bad file is refused with the file, the field, the
 * line and the reason, so the server never starts half-configured.
 */
import type { Policy } from '../core/policy.ts';
import { parsePolicyText } from '../core/policy-text.ts';
import { readFileAs } from './file-access-error.ts';
import { parseAllDocuments } from 'yaml';
import { ExitCode, UserError, type UserErrorOptions } from './user-error.ts';

/** A policy file that cannot be used; `message` lists every problem as `file: line L, column C: field: reason`. */
export class PolicyFileError extends UserError {
  override readonly name: string = 'PolicyFileError';
  readonly file: string;
  readonly problems: readonly string[];

  constructor(file: string, problems: readonly string[], options: UserErrorOptions = {}) {
    super(ExitCode.configuration, problems.map((problem) => `${file}: ${problem}`).join('\n'), {
      hint: 'fix the policy file (every field is in the README\'s "Policy reference")',
      ...options,
    });
    this.file = file;
    this.problems = problems;
  }
}

export interface LoadedPolicyFile {
  readonly policy: Policy;
  /** The bytes it was compiled from, so a watcher can tell when the file changes. */
  readonly content: Buffer;
}

/**
 * Loads, validates and compiles the policy at `file`. Throws
 * {@link PolicyFileError} for a bad policy, {@link FileAccessError} for a file
 * that cannot be read.
 */
export async function loadPolicyFile(file: string): Promise<LoadedPolicyFile> {
  const content = await readFileAs('policy file', file);
  const loaded = parsePolicyText(content.toString('utf8'));
  if (!loaded.ok) {
    const kind = manifestKind(content.toString('utf8'));
    throw new PolicyFileError(
      file,
      loaded.located,
      kind === undefined
        ? {}
        : {
            hint: `this is a Kubernetes ${kind} manifest, not a policy: --config takes the policy file (were --config and -f swapped?)`,
          },
    );
  }
  return { policy: loaded.policy, content };
}

/** The `kind` of a file that is a Kubernetes manifest (first document), the commonest mix-up. */
function manifestKind(text: string): string | undefined {
  try {
    const [first] = parseAllDocuments(text);
    const data: unknown = first?.toJS({ maxAliasCount: 0 });
    if (typeof data !== 'object' || data === null) return undefined;
    const { kind, apiVersion } = data as Record<string, unknown>;
    return typeof kind === 'string' && typeof apiVersion === 'string' ? kind : undefined;
  } catch {
    // Not YAML, or aliases: not the mix-up this looks for.
    return undefined;
  }
}
