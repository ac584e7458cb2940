/**
 * Reading the workloads of the offline commands (`preview`, `sync-plan`): the
 * manifest from a file or stdin, read by the preview engine with the CLI's
 * limits. One reading, so both commands see exactly the same images and
 * decisions. A file that cannot be read is a FileAccessError (exit 4).
 */
import { readFileAs } from '../config/file-access-error.ts';
import { UsageError } from '../config/user-error.ts';
import { CLI_PREVIEW_LIMITS } from '../preview/preview-limits.ts';
import { readPreviewInput, type PreviewInput } from '../preview/preview-request.ts';

/** The input flags, for `parseFlags` next to a command's own. */
export const MANIFEST_INPUT_FLAGS = {
  config: { type: 'string' },
  filename: { type: 'string', short: 'f' },
  namespace: { type: 'string', short: 'n' },
} as const;

export interface ManifestInputArgs {
  readonly config: string;
  readonly filename: string;
  readonly namespace: string | undefined;
}

/** The input flags as parsed; a missing `--config` or `-f` is a usage error. */
export function manifestInputArgs(values: {
  readonly config?: string | undefined;
  readonly filename?: string | undefined;
  readonly namespace?: string | undefined;
}): ManifestInputArgs {
  if (values.config === undefined) throw new UsageError('--config FILE (the policy) is required');
  if (values.filename === undefined) {
    throw new UsageError('-f MANIFEST (or - for stdin) is required');
  }
  return { config: values.config, filename: values.filename, namespace: values.namespace };
}

/** The workloads in `filename` (`-`: stdin), ready for `previewInput`. */
export async function readManifestInput(filename: string): Promise<PreviewInput> {
  const text =
    filename === '-'
      ? await readStdin()
      : (await readFileAs('manifest', filename)).toString('utf8');
  return readPreviewInput(text, CLI_PREVIEW_LIMITS);
}

/** Where a problem with the manifest is, for people. */
export function manifestSource(filename: string): string {
  return filename === '-' ? 'stdin' : filename;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
