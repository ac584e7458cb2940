// Every metric the Grafana dashboard and the alert rules query must be one the server really
// exports: scraped from a real server (HTTPS, as the integration tests start it) after a few
// admissions, not from a list that could drift with it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadJsonFixture } from '../helpers/fixtures.ts';
import { postJson, send } from '../helpers/https-client.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { chartDir, releaseName, releaseNamespace } from './helm.ts';
import { PLAIN_RULES_FILE, renderPrometheusRule, type AlertingRule } from './prometheus-rules.ts';
import {
  exportedFamilies,
  isExported,
  metricNamesInExpression,
  metricNamesInVariableQuery,
} from './promql-names.ts';

/** Series Prometheus itself writes for every scrape target; no server exports them. */
const SCRAPE_SERIES = new Set(['up']);

interface DashboardPanel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: DashboardPanel[];
}

interface Dashboard {
  panels: DashboardPanel[];
  templating: { list: { name: string; query?: string | { query?: string } }[] };
}

const dashboard = JSON.parse(
  readFileSync(join(chartDir, 'files', 'grafana-dashboard.json'), 'utf8'),
) as Dashboard;

/** Every query of the dashboard, named by where it is. */
function dashboardQueries(): { where: string; names: Set<string> }[] {
  const queries: { where: string; names: Set<string> }[] = [];
  const visit = (panel: DashboardPanel) => {
    for (const [index, target] of (panel.targets ?? []).entries()) {
      assert.ok(target.expr, `panel "${panel.title}" target ${index} has no expr`);
      queries.push({
        where: `panel "${panel.title}" target ${index}: ${target.expr}`,
        names: metricNamesInExpression(target.expr),
      });
    }
    for (const inner of panel.panels ?? []) visit(inner);
  };
  for (const panel of dashboard.panels) visit(panel);
  for (const variable of dashboard.templating.list) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (query === undefined || variable.name === 'datasource') continue;
    queries.push({
      where: `variable $${variable.name}: ${query}`,
      names: metricNamesInVariableQuery(query),
    });
  }
  return queries;
}

function ruleQueries(rules: readonly AlertingRule[], source: string) {
  return rules.map((rule) => ({
    where: `${source} ${rule.alert}: ${rule.expr}`,
    names: metricNamesInExpression(rule.expr),
  }));
}

describe('metric names in PromQL', () => {
  it('are found past functions, grouping, matchers, ranges, strings and Grafana variables', () => {
    assert.deepEqual(
      [
        ...metricNamesInExpression(
          'histogram_quantile(0.99, sum by (le, job) (rate(a_bucket{x="b{c}",y=~"$ns"}[$__rate_interval])))' +
            ' > 0.5 or on (job) b_total offset 5m / ignoring(pod) group_left(version) c - time() < 14 * 86400 and bool d[5m:1m]',
        ),
      ].sort(),
      ['a_bucket', 'b_total', 'c', 'd'],
    );
    assert.deepEqual(
      [...metricNamesInVariableQuery('label_values(m_info{namespace=~"$namespace"}, job)')],
      ['m_info'],
    );
    assert.deepEqual(
      [...metricNamesInVariableQuery('label_values(m_info, namespace)')],
      ['m_info'],
    );
  });

  it('count histogram and summary series as exported only with their suffixes', () => {
    const families = new Map([
      ['h_seconds', 'histogram'],
      ['s_seconds', 'summary'],
      ['c_total', 'counter'],
    ]);
    for (const name of ['h_seconds_bucket', 'h_seconds_sum', 's_seconds_count', 'c_total'])
      assert.ok(isExported(name, families), name);
    for (const name of ['s_seconds_bucket', 'c_total_sum', 'h_other_bucket', 'nope'])
      assert.ok(!isExported(name, families), name);
  });
});

describe('the dashboard and the alerts query only metrics the server exports', () => {
  let test: TestServer;
  let families: Map<string, string>;
  before(async () => {
    test = await startTestServer();
    const review = loadJsonFixture('pod-create-v1.json');
    for (let i = 0; i < 3; i++) {
      const answered = await postJson(test.port, '/mutate', review, {
        ca: test.ca.certificatePem,
      });
      assert.equal(answered.status, 200);
    }
    await postJson(test.port, '/mutate', '{"not":"a review"}', { ca: test.ca.certificatePem });
    const scrape = await send(test.port, '/metrics', { ca: test.ca.certificatePem });
    assert.equal(scrape.status, 200);
    families = exportedFamilies(scrape.body);
    assert.match(scrape.body, /^harbor_image_webhook_admission_reviews_total\{.*\} [1-9]/m);
  });
  after(async () => {
    await test.close();
  });

  const check = (queries: readonly { where: string; names: Set<string> }[]) => {
    assert.ok(queries.length > 0);
    const unknown: string[] = [];
    for (const { where, names } of queries) {
      assert.ok(names.size > 0, `no metric found in ${where}`);
      for (const name of names) {
        if (!SCRAPE_SERIES.has(name) && !isExported(name, families))
          unknown.push(`${name} (${where})`);
      }
    }
    assert.deepEqual(unknown, [], `metrics the server does not export:\n${unknown.join('\n')}`);
  };

  it('in every dashboard panel and variable', () => {
    check(dashboardQueries());
  });

  it('in every alert of the PrometheusRule and of examples/prometheus-rules.yaml', () => {
    const rendered = renderPrometheusRule({}, releaseName, releaseNamespace);
    const plain = parse(readFileSync(PLAIN_RULES_FILE, 'utf8')) as typeof rendered.spec;
    check([
      ...ruleQueries(
        rendered.spec.groups.flatMap((group) => group.rules),
        'PrometheusRule',
      ),
      ...ruleQueries(
        plain.groups.flatMap((group) => group.rules),
        'examples/prometheus-rules.yaml',
      ),
    ]);
  });

  it('and the dashboard shows the process and Node.js metrics, certificate expiry and secret sync', () => {
    const named = new Set(dashboardQueries().flatMap(({ names }) => [...names]));
    for (const name of [
      'harbor_image_webhook_admission_reviews_total',
      'harbor_image_webhook_http_request_duration_seconds_bucket',
      'harbor_image_webhook_image_decisions_total',
      'harbor_image_webhook_tls_certificate_expiry_timestamp_seconds',
      'harbor_image_webhook_pull_secret_sync_total',
      'harbor_image_webhook_build_info',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      assert.ok(named.has(name), name);
  });
});
