/**
 * `harbor-image-webhook preview`: the preview endpoint's engine, offline. No
 * server, no cluster, no credentials. Exit codes: 0 done, 1 the manifest has
 * problems, 2 usage, 3 bad policy, 4 a file that cannot be read.
 */
import { parseFlags } from '../config/command-flags.ts';
import { readFileAs } from '../config/file-access-error.ts';
import { loadPolicyFile } from '../config/policy-file.ts';
import { ExitCode, UsageError, UserError } from '../config/user-error.ts';
import { CLI_PREVIEW_LIMITS } from '../preview/preview-limits.ts';
import { preview } from '../preview/preview-request.ts';
import type { Command } from './command.ts';
import { OUTPUT_FORMATS, renderPreview, type OutputFormat } from './preview-output.ts';

const PREVIEW_USAGE = `usage: harbor-image-webhook preview --config FILE -f MANIFEST|- [-n NAMESPACE] [-o json|yaml|diff|manifests]
  --config FILE        policy file (YAML or JSON)
  -f, --filename FILE  manifest to preview (JSON or YAML, many documents, Lists); - reads stdin
  -n, --namespace NS   namespace for objects that name none
  -o, --output FORMAT  json (default, the POST /preview body) | yaml (the same)
                       | diff (a unified diff per object, coloured on a terminal)
                       | manifests (the objects as the webhook leaves them, for kubectl apply -f -)

Examples:
  harbor-image-webhook preview --config examples/policy.yaml -f examples/bundle.yaml -o diff
  helm template my-release ./chart | harbor-image-webhook preview --config policy.yaml -f - -o diff
  harbor-image-webhook preview --config policy.yaml -f app.yaml -o manifests | kubectl apply -f -`;

export const previewCommand: Command = { usage: PREVIEW_USAGE, run: runPreview };

async function runPreview(args: readonly string[]): Promise<number> {
  const options = parsePreviewArgs(args);
  const { policy } = await loadPolicyFile(options.config);
  const text =
    options.filename === '-'
      ? await readStdin()
      : (await readFileAs('manifest', options.filename)).toString('utf8');
  const outcome = preview(text, policy, {
    limits: CLI_PREVIEW_LIMITS,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  });
  const source = options.filename === '-' ? 'stdin' : options.filename;
  if (!outcome.ok) throw new UserError(ExitCode.problems, `${source}: ${outcome.problem}`);
  if (options.output === 'manifests' && 'images' in outcome.response) {
    throw new UsageError(`-o manifests needs a manifest; ${source} is an image list`, {
      hint: 'use -o json, yaml or diff for an image list',
    });
  }
  const colour = process.stdout.isTTY && process.env['NO_COLOR'] === undefined;
  process.stdout.write(renderPreview(outcome.response, outcome.inputs, options.output, colour));
  return ExitCode.ok;
}

interface PreviewArgs {
  readonly config: string;
  readonly filename: string;
  readonly namespace: string | undefined;
  readonly output: OutputFormat;
}

function parsePreviewArgs(args: readonly string[]): PreviewArgs {
  const values = parseFlags(args, {
    config: { type: 'string' },
    filename: { type: 'string', short: 'f' },
    namespace: { type: 'string', short: 'n' },
    output: { type: 'string', short: 'o' },
  });
  if (values.config === undefined) throw new UsageError('--config FILE (the policy) is required');
  if (values.filename === undefined)
    throw new UsageError('-f MANIFEST (or - for stdin) is required');
  const output = values.output ?? 'json';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(output)) {
    throw new UsageError(
      `-o must be one of ${OUTPUT_FORMATS.join(', ')}, not ${JSON.stringify(output)}`,
    );
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
