// Metric names in PromQL expressions and Grafana variable queries, to check dashboards and alerts
// against what the server exports. Not a PromQL parser: it removes what cannot be a metric name
// (strings, label matchers, ranges, grouping label lists, function names, keywords, numbers,
// Grafana variables) and keeps the identifiers that are left.

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

/** The metric names `expr` reads. */
export function metricNamesInExpression(expr: string): Set<string> {
  const skeleton = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of skeleton.matchAll(/\$?[a-zA-Z_:][a-zA-Z0-9_:]*|[0-9][0-9a-zA-Z_.]*/g)) {
    const token = match[0];
    if (token.startsWith('$') || /^[0-9]/.test(token) || KEYWORDS.has(token.toLowerCase()))
      continue;
    const next = skeleton.slice((match.index ?? 0) + token.length).trimStart();
    if (next.startsWith('(')) continue; // a function
    names.add(token);
  }
  return names;
}

/**
 * The metric names a Grafana variable query reads: `label_values(expr, label)` and
 * `query_result(expr)` read their expression, `metrics(regex)` and `label_names()` none.
 */
export function metricNamesInVariableQuery(query: string): Set<string> {
  const labelValues = /^\s*label_values\(\s*(.*?)\s*(?:,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*)?\)\s*$/s.exec(
    query,
  );
  if (labelValues !== null) return metricNamesInExpression(labelValues[1] ?? '');
  const queryResult = /^\s*query_result\((.*)\)\s*$/s.exec(query);
  if (queryResult !== null) return metricNamesInExpression(queryResult[1] ?? '');
  return new Set();
}

/** Metric families as a `/metrics` scrape declares them (`# TYPE name type`). */
export function exportedFamilies(exposition: string): Map<string, string> {
  return new Map(
    [...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [match[1]!, match[2]!]),
  );
}

/** Whether a query may name `name`: a family, or a histogram's or summary's series. */
export function isExported(name: string, families: ReadonlyMap<string, string>): boolean {
  if (families.has(name)) return true;
  const suffix = /_(bucket|sum|count)$/.exec(name);
  if (suffix === null) return false;
  const type = families.get(name.slice(0, -suffix[0].length));
  return type === 'histogram' || (type === 'summary' && suffix[1] !== 'bucket');
}
