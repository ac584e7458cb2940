/**
 * What the offline commands that read workloads (`preview`, `sync-plan`)
 * share: the `--config`, `-f` and `-n` options, loading the policy, reading
 * the manifest from a file or stdin, and the preview engine's outcome. One
 * reading, so both commands see exactly the same images and decisions.
 * Exit codes: 1 bad input, 2 bad policy (and usage, via {@link UsageError}).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { loadPolicyFile, PolicyFileError } from '../config/policy-file.ts';
import { UsageError } from '../config/serve-config.ts';
import type { Policy } from '../core/policy.ts';
import { CLI_PREVIEW_LIMITS } from '../preview/preview-limits.ts';
import { preview, type PreviewOutcome } from '../preview/preview-request.ts';

/** The input options, as `parseArgs` declares them. */
export const MANIFEST_INPUT_OPTIONS = {
  config: { type: 'string' },
  filename: { type: 'string', short: 'f' },
  namespace: { type: 'string', short: 'n' },
} as const;

/** The input options' lines of a command's usage. */
export const MANIFEST_INPUT_USAGE = `  --config FILE        policy file (YAML or JSON)
  -f, --filename FILE  manifest to read (JSON or YAML, many documents, Lists); - reads stdin
  -n, --namespace NS   namespace for objects that name none`;

export interface ManifestInputArgs {
  readonly config: string;
  readonly filename: string;
  readonly namespace: string | undefined;
}

/**
 * Parses a command's `args`: the input options and the command's own
 * `options`. Throws {@link UsageError} for an unknown option or a missing
 * input.
 */
export function parseManifestCommandArgs<const T extends ParseArgsOptionsConfig>(
  args: readonly string[],
  options: T,
) {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      options: { ...MANIFEST_INPUT_OPTIONS, ...options },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  // The generic spread hides the input options' own types from the compiler.
  const { config, filename, namespace } = values as Partial<Record<string, string>>;
  if (config === undefined) throw new UsageError('--config is required');
  if (filename === undefined) throw new UsageError('-f MANIFEST (or - for stdin) is required');
  const input: ManifestInputArgs = { config, filename, namespace };
  return { input, values };
}

export type ManifestPreview =
  | {
      readonly ok: true;
      readonly policy: Policy;
      readonly outcome: Extract<PreviewOutcome, { ok: true }>;
    }
  | { readonly ok: false; readonly exitCode: number };

/**
 * Loads the policy and previews the manifest under it; on failure prints why
 * to stderr and gives the exit code.
 */
export async function previewManifest(args: ManifestInputArgs): Promise<ManifestPreview> {
  let policy;
  try {
    policy = (await loadPolicyFile(args.config)).policy;
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    console.error(error.message);
    return { ok: false, exitCode: 2 };
  }
  let text: string;
  try {
    text = args.filename === '-' ? await readStdin() : await readFile(args.filename, 'utf8');
  } catch (error) {
    console.error(
      `${args.filename}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
    return { ok: false, exitCode: 1 };
  }
  const outcome = preview(text, policy, {
    limits: CLI_PREVIEW_LIMITS,
    ...(args.namespace === undefined ? {} : { namespace: args.namespace }),
  });
  if (!outcome.ok) {
    console.error(`${args.filename === '-' ? 'stdin' : args.filename}: ${outcome.problem}`);
    return { ok: false, exitCode: 1 };
  }
  return { ok: true, policy, outcome };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
