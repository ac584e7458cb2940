/**
 * `harbor-image-webhook preview`: the preview endpoint's engine, offline. No
 * server, no cluster, no credentials. Exit codes: 0 done, 1 bad input, 2 bad
 * policy or usage.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadPolicyFile, PolicyFileError } from '../config/policy-file.ts';
import { UsageError } from '../config/serve-config.ts';
import { CLI_PREVIEW_LIMITS } from '../preview/preview-limits.ts';
import { preview } from '../preview/preview-request.ts';
import { OUTPUT_FORMATS, renderPreview, type OutputFormat } from './preview-output.ts';

export const PREVIEW_USAGE = `usage: harbor-image-webhook preview --config FILE -f MANIFEST|- [-n NAMESPACE] [-o json|yaml|diff]
  --config FILE        policy file (YAML or JSON)
  -f, --filename FILE  manifest to preview (JSON or YAML, many documents, Lists); - reads stdin
  -n, --namespace NS   namespace for objects that name none
  -o, --output FORMAT  json (default, the POST /preview body) | yaml | diff (coloured on a terminal)`;

export async function runPreview(args: readonly string[]): Promise<number> {
  const options = parsePreviewArgs(args);
  let policy;
  try {
    policy = (await loadPolicyFile(options.config)).policy;
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    console.error(error.message);
    return 2;
  }
  let text: string;
  try {
    text = options.filename === '-' ? await readStdin() : await readFile(options.filename, 'utf8');
  } catch (error) {
    console.error(
      `${options.filename}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
    return 1;
  }
  const outcome = preview(text, policy, {
    limits: CLI_PREVIEW_LIMITS,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  });
  if (!outcome.ok) {
    console.error(`${options.filename === '-' ? 'stdin' : options.filename}: ${outcome.problem}`);
    return 1;
  }
  const colour = process.stdout.isTTY && process.env['NO_COLOR'] === undefined;
  process.stdout.write(renderPreview(outcome.response, outcome.inputs, options.output, colour));
  return 0;
}

interface PreviewArgs {
  readonly config: string;
  readonly filename: string;
  readonly namespace: string | undefined;
  readonly output: OutputFormat;
}

function parsePreviewArgs(args: readonly string[]): PreviewArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      options: {
        config: { type: 'string' },
        filename: { type: 'string', short: 'f' },
        namespace: { type: 'string', short: 'n' },
        output: { type: 'string', short: 'o' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  if (values.config === undefined) throw new UsageError('--config is required');
  if (values.filename === undefined)
    throw new UsageError('-f MANIFEST (or - for stdin) is required');
  const output = values.output ?? 'json';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(output)) {
    throw new UsageError(`-o must be one of ${OUTPUT_FORMATS.join(', ')}`);
  }
  return {
    config: values.config,
    filename: values.filename,
    namespace: values.namespace,
    output: output as OutputFormat,
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
