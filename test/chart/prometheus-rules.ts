// examples/prometheus-rules.yaml, the chart's PrometheusRule spec as a plain Prometheus rules
// file (for Prometheus without the operator, and for promtool). Run this module to regenerate
// it after changing templates/prometheusrule.yaml:
//   npm exec -- node test/chart/prometheus-rules.ts
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'prettier';
import { parse, stringify } from 'yaml';
import { chartDir, helm, repoRoot } from './helm.ts';

export const PLAIN_RULES_FILE = join(repoRoot, 'examples', 'prometheus-rules.yaml');
/** The promtool unit tests of the rules, run against {@link PLAIN_RULES_FILE}. */
export const RULES_TESTS_FILE = join(repoRoot, 'test', 'chart', 'prometheus-rules.promtool.yaml');

/** The release the plain file is rendered for: its job and namespace labels are this name. */
export const PLAIN_RULES_RELEASE = 'harbor-image-webhook';

/** `helm template` of the PrometheusRule alone, for `release` in namespace `namespace`. */
export function renderPrometheusRule(
  values: object,
  release: string,
  namespace: string,
): { spec: { groups: { name: string; rules: AlertingRule[] }[] } } {
  const result = helm(
    [
      'template',
      release,
      chartDir,
      '--namespace',
      namespace,
      '--show-only',
      'templates/prometheusrule.yaml',
      '--values',
      '-',
    ],
    JSON.stringify({ ...values, prometheusRule: { enabled: true, ...promRule(values) } }),
  );
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return parse(result.stdout) as ReturnType<typeof renderPrometheusRule>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function promRule(values: object): object {
  return (values as { prometheusRule?: object }).prometheusRule ?? {};
}

/** The text examples/prometheus-rules.yaml must hold: the default spec, prettier-formatted. */
export async function plainRulesText(): Promise<string> {
  const { spec } = renderPrometheusRule({}, PLAIN_RULES_RELEASE, PLAIN_RULES_RELEASE);
  const header = [
    '# Generated from charts/harbor-image-webhook/templates/prometheusrule.yaml with the default',
    `# values, for a release "${PLAIN_RULES_RELEASE}" in namespace "${PLAIN_RULES_RELEASE}": do not edit;`,
    '# regenerate with `npm exec -- node test/chart/prometheus-rules.ts`.',
    '# For Prometheus without the operator: list this file under rule_files and make the',
    '# webhook scrape job carry these job and namespace labels (or edit the selectors).',
    '',
  ].join('\n');
  return format(header + stringify(spec, { lineWidth: 0 }), { parser: 'yaml' });
}

/** Path of promtool (`$PROMTOOL`, else the first on PATH), or undefined when there is none. */
export function promtoolPath(): string | undefined {
  const candidate = process.env['PROMTOOL'] ?? 'promtool';
  const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return probe.status === 0 ? candidate : undefined;
}

if (import.meta.main) {
  writeFileSync(PLAIN_RULES_FILE, await plainRulesText());
  console.log(`wrote ${PLAIN_RULES_FILE}`);
}
