/**
 * Renders a preview for people (`-o diff`: a unified diff per changed object,
 * coloured on a terminal), for scripts (`-o json`, `-o yaml`: the same body
 * as POST /preview) or for `kubectl apply -f -` (`-o manifests`: the mutated
 * objects). YAML is never folded: a long image reference or annotation stays
 * on one line, so diffs and copies are exact.
 */
import { createTwoFilesPatch } from 'diff';
import fastJsonPatch from 'fast-json-patch';
import { stringify, type ToStringOptions } from 'yaml';
import type { ManifestObject } from '../preview/manifest-documents.ts';
import type { PreviewResponse } from '../preview/preview-request.ts';

export const OUTPUT_FORMATS = ['json', 'yaml', 'diff', 'manifests'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** `lineWidth: 0`: no folding of long strings, which would break them over lines. */
const YAML_OPTIONS: ToStringOptions = { lineWidth: 0 };

const COLOURS = {
  added: '\u001b[32m',
  removed: '\u001b[31m',
  hunk: '\u001b[36m',
  note: '\u001b[2m',
  reset: '\u001b[0m',
};

export function renderPreview(
  response: PreviewResponse,
  inputs: readonly ManifestObject[],
  format: OutputFormat,
  colour: boolean,
): string {
  if (format === 'json') return `${JSON.stringify(response, null, 2)}\n`;
  if (format === 'yaml') return stringify(response, YAML_OPTIONS);
  if ('images' in response) {
    return (
      response.images
        .map((image) => `${image.image} → ${image.result}  (${image.outcome}: ${image.message})`)
        .join('\n') + '\n'
    );
  }
  if (format === 'manifests') return renderManifests(response.results);
  return response.results
    .map((result, index) => renderDiff(result, inputs[index]?.object ?? {}, colour))
    .join('\n');
}

type ObjectPreview = Extract<PreviewResponse, { results: unknown }>['results'][number];

/** One YAML document per input object, in input order, each as the webhook would leave it. */
function renderManifests(results: readonly ObjectPreview[]): string {
  return results.map((result) => `---\n${stringify(result.object, YAML_OPTIONS)}`).join('');
}

function renderDiff(result: ObjectPreview, before: unknown, colour: boolean): string {
  const label = `${result.kind}/${result.namespace === undefined ? '' : `${result.namespace}/`}${result.name ?? '(unnamed)'}`;
  const notes = [
    ...result.changes.map(
      (change) =>
        `# ${change.path}${containerOf(before, change.path)} [${change.reason}] ${change.message}`,
    ),
    ...result.warnings.map((warning) => `# warning: ${warning}`),
  ];
  if (result.patch.length === 0) {
    return paint([`# ${label}: no changes`, ...notes].join('\n'), colour) + '\n';
  }
  const diff = createTwoFilesPatch(
    `a/${label}`,
    `b/${label}`,
    stringify(before, YAML_OPTIONS),
    stringify(result.object, YAML_OPTIONS),
    undefined,
    undefined,
    { context: 3 },
  );
  return paint([...notes, diff.replace(/^=+\n/m, '')].join('\n'), colour);
}

/**
 * ` (container "web")` for a path inside a container, so each note lines up
 * with the container the diff shows by name, not by its index in the list.
 */
function containerOf(object: unknown, path: string): string {
  const match = /^(.*\/(?:initContainers|containers|ephemeralContainers)\/\d+)(?:\/|$)/.exec(path);
  if (match?.[1] === undefined) return '';
  const container: unknown = fastJsonPatch.getValueByPointer(object, match[1]);
  const name = (container as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? ` (container ${JSON.stringify(name)})` : '';
}

function paint(text: string, colour: boolean): string {
  if (!colour) return text;
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith('+') && !line.startsWith('+++'))
        return COLOURS.added + line + COLOURS.reset;
      if (line.startsWith('-') && !line.startsWith('---'))
        return COLOURS.removed + line + COLOURS.reset;
      if (line.startsWith('@@')) return COLOURS.hunk + line + COLOURS.reset;
      if (line.startsWith('#')) return COLOURS.note + line + COLOURS.reset;
      return line;
    })
    .join('\n');
}
