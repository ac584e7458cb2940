/**
 * `harbor-image-webhook inventory` as a user runs it: the built CLI, a child
 * process, a kubeconfig, the real kube-apiserver. Three namespaces: one opted
 * in (its Pod already on Harbor, as the webhook left it), one in audit, one
 * plain; no webhook is registered, the inventory only reads.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InventoryDocument } from '../../src/cli/inventory-output.ts';
import { AUDIT_VALUE } from '../../src/kube/opt-in-label.ts';
import { startCluster, type E2eCluster } from './support/cluster.ts';
import { makeTempDir, type TempDir } from './support/exit-cleanup.ts';
import { CLI_ENTRY, requireBuilt } from './support/paths.ts';
import { buildPod, createPod } from './support/pods.ts';
import { runProcess } from './support/processes.ts';
import { localOnlySkipReason, settings } from './support/settings.ts';
import { e2ePolicy } from './support/webhook-under-test.ts';

const { harborHost, dockerHubProject, optInLabel } = settings.expected;
const onHarbor = (repository: string) => `${harborHost}/${dockerHubProject}/${repository}`;

describe('inventory against the real apiserver', { skip: localOnlySkipReason() }, () => {
  let cluster: E2eCluster | undefined;
  let dir: TempDir | undefined;
  let policyFile = '';
  const names = { enabled: '', audit: '', plain: '' };

  const inventory = async (args: readonly string[]) => {
    const run = await runProcess(
      process.execPath,
      [requireBuilt(CLI_ENTRY), 'inventory', '--config', policyFile, ...args],
      { env: { ...process.env, KUBECONFIG: cluster!.kubeconfigFile }, timeoutMs: 60_000 },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    return run.stdout;
  };

  before(async () => {
    cluster = await startCluster();
    dir = await makeTempDir('hiw-e2e-inventory-');
    policyFile = join(dir.path, 'policy.json');
    await writeFile(policyFile, JSON.stringify(e2ePolicy()));
    const { core, namespaces } = cluster;
    names.enabled = await namespaces.create('inv-enabled', { optIn: true });
    names.audit = await namespaces.create('inv-audit', {
      optIn: false,
      labels: { [optInLabel.key]: AUDIT_VALUE },
    });
    names.plain = await namespaces.create('inv-plain', { optIn: false });
    await createPod(
      core,
      names.enabled,
      buildPod('web', [{ name: 'web', image: onHarbor('library/nginx:1.25') }]),
    );
    for (const [index, name] of ['a', 'b'].entries()) {
      await createPod(
        core,
        names.audit,
        buildPod(`shop-${name}`, [
          { name: 'web', image: 'nginx:1.25' },
          { name: 'metrics', image: `quay.io/prometheus/node-exporter:v1.${index}` },
        ]),
      );
    }
    await createPod(
      core,
      names.plain,
      buildPod(
        'tool',
        [{ name: 'tool', image: 'ghcr.io/acme/tool:2' }],
        [{ name: 'pause', image: 'registry.k8s.io/pause:3.9' }],
      ),
    );
  });

  after(async () => {
    await dir?.remove();
    await cluster?.stop();
  });

  it('prints the table of an audit namespace: images to rewrite, counted once each, and those left with the reason', async () => {
    const table = await inventory(['-n', names.audit]);
    const ns = names.audit.padEnd(Math.max(names.audit.length, 'NAMESPACE'.length));
    const image = (text: string) => text.padEnd('quay.io/prometheus/node-exporter:v1.0'.length);
    assert.equal(
      table,
      [
        `${'NAMESPACE'.padEnd(ns.length)}   OPT-IN   ${image('IMAGE')}   CONTAINERS   ACTION    DETAIL`,
        `${ns}   audit    ${image('nginx:1.25')}   2            rewrite   to ${onHarbor('library/nginx:1.25')}`,
        `${ns}   audit    ${image('quay.io/prometheus/node-exporter:v1.0')}   1            leave     no rule matches "quay.io/prometheus/node-exporter"; left unchanged`,
        `${ns}   audit    ${image('quay.io/prometheus/node-exporter:v1.1')}   1            leave     no rule matches "quay.io/prometheus/node-exporter"; left unchanged`,
        '',
        '1 namespace, 2 Pods: 1 image to rewrite (2 containers), 2 images left (2 containers)',
        '',
      ].join('\n'),
    );
  });

  it('prints JSON for every namespace with -A: the opted-in one on Harbor, the audit one and the plain one', async () => {
    const document = JSON.parse(await inventory(['-A', '-o', 'json'])) as InventoryDocument;
    assert.equal(document.kind, 'Inventory');
    assert.equal(document.apiVersion, 'inventory.harbor-image-webhook.io/v1');
    const byName = new Map(document.namespaces.map((namespace) => [namespace.name, namespace]));

    assert.deepEqual(byName.get(names.enabled), {
      name: names.enabled,
      optIn: 'enabled',
      pods: 1,
      images: [
        {
          image: onHarbor('library/nginx:1.25'),
          action: 'leave',
          to: onHarbor('library/nginx:1.25'),
          reason: 'already-on-harbor',
          message: 'already on the Harbor host; left unchanged',
          containers: 1,
        },
      ],
    });
    assert.equal(byName.get(names.audit)?.optIn, 'audit');
    assert.deepEqual(
      byName
        .get(names.audit)
        ?.images.map(({ image, action, containers }) => [image, action, containers]),
      [
        ['nginx:1.25', 'rewrite', 2],
        ['quay.io/prometheus/node-exporter:v1.0', 'leave', 1],
        ['quay.io/prometheus/node-exporter:v1.1', 'leave', 1],
      ],
    );
    assert.deepEqual(byName.get(names.plain), {
      name: names.plain,
      optIn: 'off',
      pods: 1,
      images: [
        {
          image: 'ghcr.io/acme/tool:2',
          action: 'rewrite',
          to: `${harborHost}/ghcr-proxy/acme/tool:2`,
          reason: 'rewritten',
          message: 'rewritten by rules[1] "ghcr.io/**" to Harbor project "ghcr-proxy"',
          containers: 1,
        },
        {
          image: 'registry.k8s.io/pause:3.9',
          action: 'leave',
          to: 'registry.k8s.io/pause:3.9',
          reason: 'excluded',
          message: 'excluded by "registry.k8s.io/pause"; left unchanged',
          containers: 1,
        },
      ],
    });
    assert.ok(byName.has('kube-system'), 'every namespace is listed with -A');
  });

  it('reads the namespace of the kubeconfig context when given neither -n nor -A', async () => {
    const contextual = join(dir!.path, 'contextual.kubeconfig');
    const exported = JSON.parse(cluster!.kubeConfig.exportConfig()) as {
      contexts: { context: Record<string, unknown> }[];
    };
    for (const { context } of exported.contexts) context['namespace'] = names.plain;
    await writeFile(contextual, JSON.stringify(exported));
    const run = await runProcess(
      process.execPath,
      [
        requireBuilt(CLI_ENTRY),
        'inventory',
        '--config',
        policyFile,
        '--kubeconfig',
        contextual,
        '-o',
        'json',
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(run.code, 0, run.stderr);
    const document = JSON.parse(run.stdout) as InventoryDocument;
    assert.deepEqual(
      document.namespaces.map((namespace) => namespace.name),
      [names.plain],
    );
  });
});
