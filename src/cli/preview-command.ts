/**
 * `harbor-image-webhook preview`: the preview endpoint's engine, offline. No
 * server, no cluster, no credentials. Exit codes: 0 done, 1 bad input, 2 bad
 * policy or usage.
 */
import { UsageError } from '../config/serve-config.ts';
import {
  MANIFEST_INPUT_USAGE,
  parseManifestCommandArgs,
  previewManifest,
  type ManifestInputArgs,
} from './manifest-input.ts';
import { OUTPUT_FORMATS, renderPreview, type OutputFormat } from './preview-output.ts';

export const PREVIEW_USAGE = `usage: harbor-image-webhook preview --config FILE -f MANIFEST|- [-n NAMESPACE] [-o json|yaml|diff]
${MANIFEST_INPUT_USAGE}
  -o, --output FORMAT  json (default, the POST /preview body) | yaml | diff (coloured on a terminal)`;

export async function runPreview(args: readonly string[]): Promise<number> {
  const options = parsePreviewArgs(args);
  const previewed = await previewManifest(options);
  if (!previewed.ok) return previewed.exitCode;
  const { outcome } = previewed;
  const colour = process.stdout.isTTY && process.env['NO_COLOR'] === undefined;
  process.stdout.write(renderPreview(outcome.response, outcome.inputs, options.output, colour));
  return 0;
}

interface PreviewArgs extends ManifestInputArgs {
  readonly output: OutputFormat;
}

function parsePreviewArgs(args: readonly string[]): PreviewArgs {
  const { input, values } = parseManifestCommandArgs(args, {
    output: { type: 'string', short: 'o' },
  });
  const output = values.output ?? 'json';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(output)) {
    throw new UsageError(`-o must be one of ${OUTPUT_FORMATS.join(', ')}`);
  }
  return { ...input, output: output as OutputFormat };
}
