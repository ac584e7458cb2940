// The chart's observability assets: the plain-HTTP metrics port, the ServiceMonitor, the
// PrometheusRule (checked and unit-tested with promtool) and the Grafana dashboard ConfigMap.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { stringify } from 'yaml';
import { chartDir, releaseName, releaseNamespace, render, templateRaw } from './helm.ts';
import { allOf, containerOf, oneOf } from './manifests.ts';
import type {
  ConfigMap,
  Deployment,
  KubeObject,
  NetworkPolicy,
  Service,
  ServiceMonitor,
} from './manifests.ts';
import {
  PLAIN_RULES_FILE,
  RULES_TESTS_FILE,
  plainRulesText,
  promtoolPath,
  renderPrometheusRule,
} from './prometheus-rules.ts';

const fullname = `${releaseName}-harbor-image-webhook`;
const plainHttp = { metrics: { plainHttp: { enabled: true, port: 9102 } } };

function webhookArgs(objects: readonly KubeObject[]): string[] {
  const deployment = oneOf<Deployment>(objects, 'Deployment', fullname);
  return containerOf(deployment.spec.template.spec, 'webhook').args ?? [];
}

/** promtool's path; a missing promtool fails under CI=true and skips elsewhere, saying how to get it. */
function requirePromtool(t: TestContext): string | undefined {
  const path = promtoolPath();
  if (path !== undefined) return path;
  const message =
    'promtool not found (set $PROMTOOL or install Debian\'s "prometheus" package: ' +
    'apt-get install --no-install-recommends prometheus; .ci/run does)';
  if (process.env['CI'] === 'true') assert.fail(message);
  t.skip(message);
  return undefined;
}

function runPromtool(path: string, args: readonly string[]): string {
  const result = spawnSync(path, args, { encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, `promtool ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

describe('the plain-HTTP metrics port', () => {
  it('is off by default: no flag, no extra port', () => {
    const objects = render();
    assert.ok(!webhookArgs(objects).includes('--metrics-port'));
    const service = oneOf<Service>(objects, 'Service');
    assert.deepEqual(
      service.spec.ports.map((port) => port.name),
      ['https'],
    );
  });

  it('adds the flag, a container port and a Service port when enabled', () => {
    const objects = render(plainHttp);
    const args = webhookArgs(objects);
    assert.equal(args[args.indexOf('--metrics-port') + 1], '9102');
    const deployment = oneOf<Deployment>(objects, 'Deployment', fullname);
    const container = containerOf(deployment.spec.template.spec, 'webhook');
    assert.deepEqual(
      container.ports?.find((port) => port.name === 'http-metrics'),
      { name: 'http-metrics', containerPort: 9102, protocol: 'TCP' },
    );
    const service = oneOf<Service>(objects, 'Service');
    assert.deepEqual(
      service.spec.ports.find((port) => port.name === 'http-metrics'),
      { name: 'http-metrics', port: 9102, targetPort: 'http-metrics', protocol: 'TCP' },
    );
  });

  it('is let through the NetworkPolicy', () => {
    const policy = oneOf<NetworkPolicy>(
      render({ ...plainHttp, networkPolicy: { enabled: true } }),
      'NetworkPolicy',
    );
    assert.deepEqual(policy.spec.ingress[0]?.ports, [
      { protocol: 'TCP', port: 8443 },
      { protocol: 'TCP', port: 9102 },
    ]);
  });

  it('is scraped over plain HTTP by the ServiceMonitor, with no TLS settings', () => {
    const monitor = oneOf<ServiceMonitor>(
      render({ ...plainHttp, serviceMonitor: { enabled: true } }),
      'ServiceMonitor',
    );
    assert.deepEqual(monitor.spec.endpoints, [
      {
        port: 'http-metrics',
        scheme: 'http',
        path: '/metrics',
        interval: '30s',
        scrapeTimeout: '10s',
      },
    ]);
  });

  it('refuses the webhook port itself (default or moved) and a port out of range', () => {
    for (const values of [
      { metrics: { plainHttp: { enabled: true, port: 8443 } } },
      { containerPort: 9443, metrics: { plainHttp: { enabled: true, port: 9443 } } },
      { metrics: { plainHttp: { enabled: true, port: 0 } } },
      { metrics: { plainHttp: { enabled: true, port: 70000 } } },
    ]) {
      const result = templateRaw(values);
      assert.notEqual(result.status, 0, JSON.stringify(values));
      assert.match(result.stderr, /metrics\.plainHttp\.port|plainHttp/);
    }
  });
});

describe('the PrometheusRule', () => {
  it('is rendered only when enabled', () => {
    assert.deepEqual(allOf(render(), 'PrometheusRule'), []);
    const rule = oneOf<KubeObject>(
      render({ prometheusRule: { enabled: true, labels: { release: 'prometheus' } } }),
      'PrometheusRule',
    );
    assert.equal(rule.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(rule.metadata.namespace, releaseNamespace);
    assert.equal(rule.metadata.labels?.['release'], 'prometheus');
  });

  it('has the five alerts the issue asks for, plus reload failures, each scoped to this release', () => {
    const { spec } = renderPrometheusRule({}, releaseName, releaseNamespace);
    const rules = spec.groups.flatMap((group) => group.rules);
    assert.deepEqual(
      rules.map((rule) => rule.alert),
      [
        'HarborImageWebhookDown',
        'HarborImageWebhookErrorRateHigh',
        'HarborImageWebhookLatencyHigh',
        'HarborImageWebhookCertificateExpiring',
        'HarborImageWebhookPullSecretSyncFailing',
        'HarborImageWebhookReloadFailing',
      ],
    );
    for (const rule of rules) {
      const selectors = [...rule.expr.matchAll(/\{([^}]*)\}/g)].map((match) => match[1] ?? '');
      assert.ok(selectors.length > 0, rule.alert);
      for (const selector of selectors) {
        assert.ok(
          selector.startsWith(`job="${fullname}",namespace="${releaseNamespace}"`),
          `${rule.alert}: ${selector}`,
        );
      }
      assert.match(rule.labels?.['severity'] ?? '', /^(critical|warning)$/, rule.alert);
      assert.ok(rule.annotations?.['summary'] && rule.annotations['description'], rule.alert);
    }
  });

  it('takes its thresholds and extra alert labels from the values', () => {
    const { spec } = renderPrometheusRule(
      {
        prometheusRule: {
          errorRatioThreshold: 0.01,
          latencyP99Seconds: 0.25,
          certificateExpiryDays: 21,
          alertLabels: { team: 'platform' },
        },
      },
      releaseName,
      releaseNamespace,
    );
    const rules = spec.groups.flatMap((group) => group.rules);
    const expr = (alert: string) => rules.find((rule) => rule.alert === alert)?.expr ?? '';
    assert.equal(expr('HarborImageWebhookErrorRateHigh').match(/> 0\.01\n/g)?.length, 1);
    assert.match(expr('HarborImageWebhookErrorRateHigh'), /> 0\.01$/);
    assert.match(expr('HarborImageWebhookLatencyHigh'), /> 0\.25$/);
    assert.match(expr('HarborImageWebhookCertificateExpiring'), /< 21 \* 86400$/);
    for (const rule of rules) assert.equal(rule.labels?.['team'], 'platform', rule.alert);
  });

  it('refuses thresholds out of range', () => {
    for (const prometheusRule of [
      { errorRatioThreshold: 0 },
      { errorRatioThreshold: 1.5 },
      { latencyP99Seconds: 60 },
      { certificateExpiryDays: -1 },
    ]) {
      assert.notEqual(templateRaw({ prometheusRule }).status, 0, JSON.stringify(prometheusRule));
    }
  });

  it('is what examples/prometheus-rules.yaml holds (regenerate: npm exec -- node test/chart/prometheus-rules.ts)', async () => {
    assert.equal(
      readFileSync(PLAIN_RULES_FILE, 'utf8'),
      await plainRulesText(),
      'examples/prometheus-rules.yaml is stale: run `npm exec -- node test/chart/prometheus-rules.ts`',
    );
  });

  it('passes promtool check rules, as rendered for this release with non-default values', (t) => {
    const promtool = requirePromtool(t);
    if (promtool === undefined) return;
    const { spec } = renderPrometheusRule(
      { prometheusRule: { alertLabels: { team: 'platform' }, errorRatioThreshold: 0.2 } },
      releaseName,
      releaseNamespace,
    );
    const dir = mkdtempSync(join(tmpdir(), 'hiw-rules-'));
    try {
      const file = join(dir, 'rules.yaml');
      writeFileSync(file, stringify(spec));
      assert.match(runPromtool(promtool, ['check', 'rules', file]), /SUCCESS: 6 rules found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes promtool check rules and its unit tests (promtool test rules) as the plain file', (t) => {
    const promtool = requirePromtool(t);
    if (promtool === undefined) return;
    assert.match(
      runPromtool(promtool, ['check', 'rules', PLAIN_RULES_FILE]),
      /SUCCESS: 6 rules found/,
    );
    assert.match(runPromtool(promtool, ['test', 'rules', RULES_TESTS_FILE]), /SUCCESS/);
  });
});

describe('the Grafana dashboard', () => {
  const dashboardFile = join(chartDir, 'files', 'grafana-dashboard.json');

  it('is rendered only when enabled, as a ConfigMap the Grafana sidecar picks up', () => {
    assert.deepEqual(
      allOf<ConfigMap>(render(), 'ConfigMap').filter((map) =>
        map.metadata.name.endsWith('dashboard'),
      ),
      [],
    );
    const map = oneOf<ConfigMap>(
      render({ grafanaDashboard: { enabled: true } }),
      'ConfigMap',
      `${fullname}-dashboard`,
    );
    assert.equal(map.metadata.namespace, releaseNamespace);
    assert.equal(map.metadata.labels?.['grafana_dashboard'], '1');
    assert.deepEqual(Object.keys(map.data), ['harbor-image-webhook.json']);
    assert.deepEqual(
      JSON.parse(map.data['harbor-image-webhook.json'] ?? ''),
      JSON.parse(readFileSync(dashboardFile, 'utf8')),
    );
  });

  it("takes the sidecar's label, folder annotation and namespace from the values", () => {
    const map = oneOf<ConfigMap>(
      render({
        grafanaDashboard: {
          enabled: true,
          namespace: 'monitoring',
          // Helm merges maps: null removes the default label.
          labels: { dashboards: 'platform', grafana_dashboard: null },
          annotations: { grafana_folder: 'Kubernetes' },
        },
      }),
      'ConfigMap',
      `${fullname}-dashboard`,
    );
    assert.equal(map.metadata.namespace, 'monitoring');
    assert.equal(map.metadata.labels?.['dashboards'], 'platform');
    assert.equal(map.metadata.labels?.['grafana_dashboard'], undefined);
    assert.deepEqual(map.metadata.annotations, { grafana_folder: 'Kubernetes' });
  });

  it('is a dashboard whose every panel queries the chosen data source, namespace and job', () => {
    interface Panel {
      id: number;
      type: string;
      title: string;
      gridPos: { x: number; y: number; w: number; h: number };
      datasource?: { uid: string };
      targets?: { expr: string; datasource: { uid: string } }[];
    }
    const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as {
      uid: string;
      panels: Panel[];
      templating: { list: { name: string }[] };
    };
    assert.equal(dashboard.uid, 'harbor-image-webhook');
    assert.deepEqual(
      dashboard.templating.list.map((variable) => variable.name),
      ['datasource', 'namespace', 'job'],
    );
    const ids = dashboard.panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    for (const panel of dashboard.panels) {
      assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${panel.title} fits the grid`);
      if (panel.type === 'row') continue;
      assert.equal(panel.datasource?.uid, '${datasource}', panel.title);
      assert.ok((panel.targets ?? []).length > 0, `${panel.title} has queries`);
      for (const target of panel.targets ?? []) {
        assert.equal(target.datasource.uid, '${datasource}', panel.title);
        assert.match(target.expr, /namespace=~"\$namespace",job=~"\$job"/, panel.title);
      }
    }
    const titles = dashboard.panels.map((panel) => panel.title);
    for (const title of [
      'Admission reviews by outcome',
      '/mutate latency',
      'Image decisions by outcome',
      'Errors',
      'Serving certificate expires in',
      'Pull-secret sync writes by result',
      'Memory',
      'Event-loop lag',
    ])
      assert.ok(titles.includes(title), title);
  });
});
