/**
 * `harbor-image-webhook preview`: the preview endpoint's engine, offline. No
 * server, no cluster; no registry either, unless `--verify` asks Harbor what
 * it has (with the policy's credentials, CA and budget). Exit codes: 0 done,
 * 1 the manifest has problems, 2 usage, 3 bad policy (or its verify files),
 * 4 a file that cannot be read.
 */
import { parseFlags } from '../config/command-flags.ts';
import { loadPolicyFile } from '../config/policy-file.ts';
import { ExitCode, UsageError, UserError } from '../config/user-error.ts';
import type { Policy } from '../core/policy.ts';
import type { PreviewOptions } from '../preview/preview-objects.ts';
import { lookupsForInput, previewInput, type PreviewInput } from '../preview/preview-request.ts';
import type { Command } from './command.ts';
import {
  MANIFEST_INPUT_FLAGS,
  manifestInputArgs,
  manifestSource,
  readManifestInput,
  type ManifestInputArgs,
} from './manifest-input.ts';
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
  const input = await readManifestInput(options.filename);
  const setup = await previewSetup(policy, input, options);
  const outcome = previewInput(input, setup.policy, setup.options);
  const source = manifestSource(options.filename);
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
  const { lookUpInHarbor } = await import('./harbor-lookups.ts');
  const references = lookupsForInput(input, verifying, previewOptions);
  const lookups = await lookUpInHarbor(verifying, references, args.config);
  return { policy: verifying, options: { ...previewOptions, lookups } };
}

interface PreviewArgs extends ManifestInputArgs {
  readonly output: OutputFormat;
  readonly verify: boolean;
}

function parsePreviewArgs(args: readonly string[]): PreviewArgs {
  const values = parseFlags(args, {
    ...MANIFEST_INPUT_FLAGS,
    output: { type: 'string', short: 'o' },
    verify: { type: 'boolean' },
  });
  const input = manifestInputArgs(values);
  const output = values.output ?? 'json';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(output)) {
    throw new UsageError(
      `-o must be one of ${OUTPUT_FORMATS.join(', ')}, not ${JSON.stringify(output)}`,
    );
  }
  return {
    ...input,
    output: output as OutputFormat,
    verify: values.verify === true,
  };
}
