/**
 * `harbor-image-webhook preview`: the preview endpoint's engine, offline. No
 * server, no cluster; no registry either, unless `--verify` asks Harbor what
 * it has (with the policy's credentials, CA and budget). Exit codes: 0 done,
 * 1 bad input, 2 bad policy or usage.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadPolicyFile, PolicyFileError } from '../config/policy-file.ts';
import { UsageError } from '../config/serve-config.ts';
import { CLI_PREVIEW_LIMITS } from '../preview/preview-limits.ts';
import type { Policy } from '../core/policy.ts';
import type { PreviewOptions } from '../preview/preview-objects.ts';
import {
  lookupsForInput,
  previewInput,
  readPreviewInput,
  type PreviewInput,
} from '../preview/preview-request.ts';
import { OUTPUT_FORMATS, renderPreview, type OutputFormat } from './preview-output.ts';

export const PREVIEW_USAGE = `usage: harbor-image-webhook preview --config FILE -f MANIFEST|- [-n NAMESPACE] [-o json|yaml|diff] [--verify]
  --config FILE        policy file (YAML or JSON)
  -f, --filename FILE  manifest to preview (JSON or YAML, many documents, Lists); - reads stdin
  -n, --namespace NS   namespace for objects that name none
  -o, --output FORMAT  json (default, the POST /preview body) | yaml | diff (coloured on a terminal)
  --verify             ask Harbor for each rewritten image, as the webhook does with verify on
                       (harbor.caFile, harbor.credentialsFile, verify.budgetMs); each change then
                       carries verify: found|missing|unavailable. With verify.mode off in the
                       policy, previews as mode exists. Without --verify nothing is looked up.`;

export async function runPreview(args: readonly string[]): Promise<number> {
  const options = parsePreviewArgs(args);
  const policy = await loadPolicy(options.config);
  if (policy === undefined) return 2;
  const text = await readManifest(options.filename);
  if (text === undefined) return 1;
  const input = readPreviewInput(text, CLI_PREVIEW_LIMITS);
  const setup = await previewSetup(policy, input, options);
  if (!setup.ok) {
    console.error(setup.problems.map((problem) => `${options.config}: ${problem}`).join('\n'));
    return 2;
  }
  const outcome = previewInput(input, setup.policy, setup.options);
  if (!outcome.ok) {
    console.error(`${options.filename === '-' ? 'stdin' : options.filename}: ${outcome.problem}`);
    return 1;
  }
  const colour = process.stdout.isTTY && process.env['NO_COLOR'] === undefined;
  process.stdout.write(renderPreview(outcome.response, outcome.inputs, options.output, colour));
  return 0;
}

/** The compiled policy, or undefined after printing why it cannot be used. */
async function loadPolicy(file: string): Promise<Policy | undefined> {
  try {
    return (await loadPolicyFile(file)).policy;
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    console.error(error.message);
    return undefined;
  }
}

/** The manifest text, or undefined after printing why it cannot be read. */
async function readManifest(filename: string): Promise<string | undefined> {
  try {
    return filename === '-' ? await readStdin() : await readFile(filename, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    console.error(`${filename}: cannot be read (${code})`);
    return undefined;
  }
}

type PreviewSetup =
  | { ok: true; policy: Policy; options: PreviewOptions }
  | { ok: false; problems: readonly string[] };

/**
 * The policy and options to preview with. `--verify` adds the lookups, made
 * with a client built as `serve` builds it and closed afterwards; a policy
 * with verify off is then previewed as `exists`, since the user asked.
 */
async function previewSetup(
  policy: Policy,
  input: PreviewInput,
  args: PreviewArgs,
): Promise<PreviewSetup> {
  const previewOptions = args.namespace === undefined ? {} : { namespace: args.namespace };
  if (!args.verify) return { ok: true, policy, options: previewOptions };
  const verifying: Policy =
    policy.verify.mode === 'off'
      ? Object.freeze({ ...policy, verify: Object.freeze({ ...policy.verify, mode: 'exists' }) })
      : policy;
  if (policy.verify.mode === 'off') {
    console.error('verify.mode is off in the policy; --verify previews as verify.mode: exists');
  }
  // Loaded only for --verify: the offline preview never loads the registry client.
  const { buildRegistryClient } = await import('../server/registry-client-factory.ts');
  const { lookUpWithin } = await import('../server/registry-lookups.ts');
  const built = await buildRegistryClient(verifying, () => {});
  if (!built.ok) return built;
  try {
    const references = lookupsForInput(input, verifying, previewOptions);
    const { lookups } = await lookUpWithin(built.client, references, verifying.verify.budgetMs);
    return { ok: true, policy: verifying, options: { ...previewOptions, lookups } };
  } finally {
    built.client.close();
  }
}

interface PreviewArgs {
  readonly config: string;
  readonly filename: string;
  readonly namespace: string | undefined;
  readonly output: OutputFormat;
  readonly verify: boolean;
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
        verify: { type: 'boolean' },
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
    verify: values.verify === true,
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
