/**
 * Scenario 7: certificate rotation without a failed Pod creation. The cert
 * bootstrap renews the TLS Secret; the new files are written where `serve`
 * reads them (as a Secret volume update would), `serve` swaps them within
 * its 1 s reload interval, and Pods created back to back meanwhile all pass
 * through the webhook (failurePolicy Fail: any failed call is a refused Pod).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { startCluster, type E2eCluster } from './support/cluster.ts';
import { makeTempDir, type TempDir } from './support/exit-cleanup.ts';
import { startContinuousAdmission, type AdmissionTally } from './support/continuous-admission.ts';
import { imagesByContainer } from './support/pods.ts';
import { localOnlySkipReason, settings } from './support/settings.ts';
import { certificateFingerprint, servedCertificateFingerprint } from './support/tls-probes.ts';
import { assertSucceeded, certBootstrap } from './support/tools.ts';
import { pollUntil, sleep } from './support/wait.ts';
import { applyRegistration, waitUntilRewriting } from './support/registration.ts';
import {
  deployWebhook,
  SCENARIO_LABEL,
  type DeployedWebhook,
} from './support/webhook-under-test.ts';

const { harborHost, dockerHubProject } = settings.expected;
const REWRITTEN = `${harborHost}/${dockerHubProject}/library/nginx:1.25`;
const SECRET = 'webhook-tls';
/** 127.0.0.1 for the registration's URL; localhost for the fresh-connection check. */
const EXTRA_SANS = ['--extra-san', '127.0.0.1', '--extra-san', 'localhost'];

interface TlsFiles {
  readonly 'tls.crt': string;
  readonly 'tls.key': string;
  readonly 'ca.crt': string;
}

describe('Certificate rotation', { skip: localOnlySkipReason() }, () => {
  let cluster: E2eCluster | undefined;
  let dir: TempDir | undefined;
  const webhooks: DeployedWebhook[] = [];

  before(async () => {
    dir = await makeTempDir('harbor-e2e-rotation-');
    cluster = await startCluster();
  });

  after(async () => {
    for (const webhook of webhooks) await webhook.stop();
    await cluster?.stop();
    await dir?.remove();
  });

  /** The Secret's files, read from the apiserver. */
  async function readSecret(namespace: string): Promise<TlsFiles> {
    const secret = await cluster!.core.readNamespacedSecret({ name: SECRET, namespace });
    const decode = (key: string): string =>
      Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
    return {
      'tls.crt': decode('tls.crt'),
      'tls.key': decode('tls.key'),
      'ca.crt': decode('ca.crt'),
    };
  }

  /** Writes tls.crt and tls.key into `to`, each by an atomic rename, as the kubelet updates a Secret volume. */
  async function writeServingFiles(to: string, files: TlsFiles): Promise<void> {
    for (const key of ['tls.key', 'tls.crt'] as const) {
      const temporary = join(to, `.${key}.${randomBytes(4).toString('hex')}`);
      await writeFile(temporary, files[key], { mode: 0o600 });
      await rename(temporary, join(to, key));
    }
  }

  /**
   * Creates the Secret with `initialArgs`, serves it, and returns what is
   * needed to rotate it while Pods are being created.
   */
  async function serveFromSecret(scenario: string, initialArgs: readonly string[]) {
    const { namespaces, kubeconfigFile } = cluster!;
    const secretNamespace = await namespaces.create(`${scenario}-certs`, { optIn: false });
    const created = await certBootstrap(kubeconfigFile, [
      ...['create', '--namespace', secretNamespace, '--secret-name', SECRET],
      ...['--service', 'harbor-image-webhook', ...EXTRA_SANS, ...initialArgs],
    ]);
    assertSucceeded('cert-bootstrap create', created);
    const filesDir = join(dir!.path, scenario);
    await mkdir(filesDir);
    const initial = await readSecret(secretNamespace);
    await writeServingFiles(filesDir, initial);
    const webhook = await deployWebhook(cluster!, {
      scenario,
      tls: {
        certFile: join(filesDir, 'tls.crt'),
        keyFile: join(filesDir, 'tls.key'),
        caPem: initial['ca.crt'],
      },
    });
    webhooks.push(webhook);
    const podNamespace = await namespaces.create(scenario, {
      optIn: true,
      labels: webhook.namespaceLabels,
    });
    return { secretNamespace, filesDir, webhook, podNamespace, initial };
  }

  /** Waits until the webhook presents `certificatePem`; returns when it did. */
  async function waitUntilServing(
    webhook: DeployedWebhook,
    certificatePem: string,
    caPem: string,
  ): Promise<number> {
    const wanted = certificateFingerprint(certificatePem);
    await pollUntil(
      'the webhook serves the renewed certificate',
      async () =>
        (await servedCertificateFingerprint(webhook.process!.port, caPem)) === wanted
          ? true
          : undefined,
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    return Date.now();
  }

  /**
   * The apiserver keeps its HTTP/2 connection to the webhook open while
   * traffic flows, so the Pods above may all have used a TLS session from
   * before the swap. A registration for https://localhost:PORT makes it open
   * a new connection (its pool is per host:port), which must verify the new
   * certificate against the registration's current caBundle.
   */
  async function assertFreshConnectionWorks(
    webhook: DeployedWebhook,
    scenario: string,
  ): Promise<void> {
    const { admissionregistration, core, namespaces } = cluster!;
    const primary = await admissionregistration.readMutatingWebhookConfiguration({
      name: webhook.registrationName!,
    });
    const labels = { [SCENARIO_LABEL]: `${scenario}-fresh` };
    await applyRegistration(admissionregistration, {
      name: `e2e-${scenario}-fresh-connection`,
      url: `https://localhost:${webhook.process!.port}/mutate`,
      caBundle: primary.webhooks![0]!.clientConfig.caBundle!,
      namespaceLabels: labels,
    });
    const namespace = await namespaces.create(`${scenario}-fresh`, { optIn: true, labels });
    await waitUntilRewriting(core, namespace);
  }

  function assertNoFailure(tally: AdmissionTally, switchedAt: number): void {
    assert.deepEqual(tally.failures, []);
    const afterSwitch = tally.admittedAt.filter((at) => at > switchedAt).length;
    assert.ok(
      tally.admitted - afterSwitch >= 5,
      `at least 5 Pods before the switch (of ${tally.admitted})`,
    );
    assert.ok(
      afterSwitch >= 5,
      `at least 5 Pods after the switch (${afterSwitch} of ${tally.admitted})`,
    );
  }

  const accept = (pod: V1Pod): boolean => imagesByContainer(pod)['web'] === REWRITTEN;

  it('admits every Pod while the serving certificate is reissued from the same CA and swapped on disk', async (t) => {
    const { core, kubeconfigFile } = cluster!;
    const { secretNamespace, filesDir, webhook, podNamespace, initial } = await serveFromSecret(
      'rotate-serving',
      [...['--validity-days', '10', '--renew-before-days', '1']],
    );
    const load = startContinuousAdmission(core, podNamespace, { accept });
    await sleep(1_500);

    // The certificate now expires within the renewal window: create reissues it from the same CA.
    const renewed = await certBootstrap(kubeconfigFile, [
      ...['create', '--namespace', secretNamespace, '--secret-name', SECRET],
      ...['--service', 'harbor-image-webhook', ...EXTRA_SANS, '--renew-before-days', '20'],
    ]);
    assertSucceeded('cert-bootstrap create (renewal)', renewed);
    const next = await readSecret(secretNamespace);
    await writeServingFiles(filesDir, next);
    const switchedAt = await waitUntilServing(webhook, next['tls.crt'], initial['ca.crt']);
    await sleep(1_500);
    const tally = await load.stop();

    assert.equal(renewed.json?.['action'], 'reissue-serving');
    assert.equal(next['ca.crt'], initial['ca.crt']);
    assert.notEqual(next['tls.crt'], initial['tls.crt']);
    assertNoFailure(tally, switchedAt);
    await assertFreshConnectionWorks(webhook, 'rotate-serving');
    t.diagnostic(
      `${tally.admitted} Pods admitted, ${tally.failures.length} failed, across the swap`,
    );
  });

  it('admits every Pod while the CA is rotated: patch puts the old and new CA into caBundle, then the new certificate is swapped in', async (t) => {
    const { core, kubeconfigFile } = cluster!;
    const { secretNamespace, filesDir, webhook, podNamespace, initial } = await serveFromSecret(
      'rotate-ca',
      [...['--validity-days', '5', '--ca-validity-days', '10', '--renew-before-days', '1']],
    );
    const load = startContinuousAdmission(core, podNamespace, { accept });
    await sleep(1_500);

    // The CA now expires within the renewal window: create makes a new CA and keeps the old one in ca.crt.
    const rotated = await certBootstrap(kubeconfigFile, [
      ...['create', '--namespace', secretNamespace, '--secret-name', SECRET],
      ...['--service', 'harbor-image-webhook', ...EXTRA_SANS, '--renew-before-days', '20'],
    ]);
    const patched = await certBootstrap(kubeconfigFile, [
      ...['patch', '--namespace', secretNamespace, '--secret-name', SECRET],
      ...['--webhook-name', webhook.registrationName!],
    ]);
    assertSucceeded('cert-bootstrap create (CA rotation)', rotated);
    assertSucceeded('cert-bootstrap patch', patched);
    // The kubelet takes up to a minute to update a Secret volume, the apiserver's informer
    // sees the new caBundle within milliseconds: a second stands in for that order.
    await sleep(1_000);
    const next = await readSecret(secretNamespace);
    await writeServingFiles(filesDir, next);
    const switchedAt = await waitUntilServing(webhook, next['tls.crt'], next['ca.crt']);
    await sleep(1_500);
    const tally = await load.stop();

    assert.equal(rotated.json?.['action'], 'rotate-ca');
    assert.equal(rotated.json?.['caCertificates'], 2);
    assert.ok(next['ca.crt'].includes(initial['ca.crt'].trim()), 'the old CA stays in ca.crt');
    assertNoFailure(tally, switchedAt);
    await assertFreshConnectionWorks(webhook, 'rotate-ca');
    t.diagnostic(
      `${tally.admitted} Pods admitted, ${tally.failures.length} failed, across the CA rotation`,
    );
  });
});
