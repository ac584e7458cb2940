/**
 * Renders a preview for people (`-o diff`: a unified diff per changed object,
 * coloured on a terminal) or for scripts (`-o json`, `-o yaml`: the same body
 * as POST /preview).
 */
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import type { ManifestObject } from '../preview/manifest-documents.ts';
import type { PreviewResponse } from '../preview/preview-request.ts';

export const OUTPUT_FORMATS = ['json', 'yaml', 'diff'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

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
  if (format === 'yaml') return stringify(response);
  if ('images' in response) {
    return (
      response.images
        .map((image) => `${image.image} → ${image.result}  (${image.outcome}: ${image.message})`)
        .join('\n') + '\n'
    );
  }
  return response.results
    .map((result, index) => renderDiff(result, inputs[index]?.object ?? {}, colour))
    .join('\n');
}

function renderDiff(
  result: Extract<PreviewResponse, { results: unknown }>['results'][number],
  before: unknown,
  colour: boolean,
): string {
  const label = `${result.kind}/${result.namespace === undefined ? '' : `${result.namespace}/`}${result.name ?? '(unnamed)'}`;
  const notes = [
    ...result.changes.map((change) => `# ${change.path} [${change.reason}] ${change.message}`),
    ...result.warnings.map((warning) => `# warning: ${warning}`),
  ];
  if (result.patch.length === 0) {
    return paint([`# ${label}: no changes`, ...notes].join('\n'), colour) + '\n';
  }
  const diff = createTwoFilesPatch(
    `a/${label}`,
    `b/${label}`,
    stringify(before),
    stringify(result.object),
    undefined,
    undefined,
    { context: 3 },
  );
  return paint([...notes, diff.replace(/^=+\n/m, '')].join('\n'), colour);
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
