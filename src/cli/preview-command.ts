/**
 * `harbor-image-webhook preview`: the preview endpoint's engine, offline. No
 * server, no cluster; no registry either, unless `--verify` asks Harbor what
 * it has (with the policy's credentials, CA and budget). Exit codes: 0 done,
 * 1 the manifest has problems, 2 usage, 3 bad policy (or its verify files),
 * 4 a file that cannot be read.
 */
import { parseFlags } from '../config/command-flags.ts';
import { readFileAs } from '../config/file-access-error.ts';
import { loadPolicyFile } from '../config/policy-file.ts';
import { ExitCode, UsageError, UserError } from '../config/user-error.ts';
import type { Policy } from '../core/policy.ts';
import { CLI_PREVIEW_LIMITS } from '../preview/preview-limits.ts';
import type { PreviewOptions } from '../preview/preview-objects.ts';
import {
  lookupsForInput,
  previewInput,
  readPreviewInput,
  type PreviewInput,
} from '../preview/preview-request.ts';
import type { Command } from './command.ts';
import { OUTPUT_FORMATS, renderPreview, type OutputFormat } from './preview-output.ts';

const PREVIEW_USAGE = `usage: harbor-image-webhook preview --config FILE -f MANIFEST|- [-n NAMESPACE] [-o json|yaml|diff|manifests] [--verify]
  --config FILE        policy file (YAML or JSON)
  -f, --filename FILE  manifest to preview (JSON or YAML, many documents, Lists); - reads stdin
  -n, --namespace NS   namespace for objects that name none
  -o, --output FORMAT  json (default, the POST /preview body) | yaml (the same)
                       | diff (a unified diff per object, coloured on a terminal)
                       | manifests (the objects as the webhook leaves them, for kubectl apply -f -)
  --verify             ask Harbor for each rewritten image, as the webhook does with verify on
                       (harbor.caFile, harbor.credentialsFile, verify.budgetMs); each change then
                       carries verify: found|missing|unavailable. With verify.mode off in the
                       policy, previews as mode exists. Without --verify nothing is looked up.

Examples:
  harbor-image-webhook preview --config examples/policy.yaml -f examples/bundle.yaml -o diff
  helm template my-release ./chart | harbor-image-webhook preview --config policy.yaml -f - -o diff
  harbor-image-webhook preview --config policy.yaml -f app.yaml -o manifests | kubectl apply -f -
  harbor-image-webhook preview --config policy.yaml -f app.yaml --verify -o diff`;

export const previewCommand: Command = { usage: PREVIEW_USAGE, run: runPreview };

async function runPreview(args: readonly string[]): Promise<number> {
  const options = parsePreviewArgs(args);
  const { policy } = await loadPolicyFile(options.config);
  const text =
    options.filename === '-'
      ? await readStdin()
      : (await readFileAs('manifest', options.filename)).toString('utf8');
  const input = readPreviewInput(text, CLI_PREVIEW_LIMITS);
  const setup = await previewSetup(policy, input, options);
  const outcome = previewInput(input, setup.policy, setup.options);
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

/**
 * The policy and options to preview with. `--verify` adds the lookups, made
 * with a client built as `serve` builds it and closed afterwards; a policy
 * with verify off is then previewed as `exists`, since the user asked.
 */
async function previewSetup(
  policy: Policy,
  input: PreviewInput,
  args: PreviewArgs,
): Promise<{ policy: Policy; options: PreviewOptions }> {
  const previewOptions = args.namespace === undefined ? {} : { namespace: args.namespace };
  if (!args.verify) return { policy, options: previewOptions };
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
  if (!built.ok) {
    throw new UserError(ExitCode.configuration, `${args.config}: ${built.problems.join('; ')}`, {
      hint: 'check harbor.caFile and harbor.credentialsFile in the policy',
    });
  }
  try {
    const references = lookupsForInput(input, verifying, previewOptions);
    const { lookups } = await lookUpWithin(built.client, references, verifying.verify.budgetMs);
    return { policy: verifying, options: { ...previewOptions, lookups } };
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
  const values = parseFlags(args, {
    config: { type: 'string' },
    filename: { type: 'string', short: 'f' },
    namespace: { type: 'string', short: 'n' },
    output: { type: 'string', short: 'o' },
    verify: { type: 'boolean' },
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
    verify: values.verify === true,
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
