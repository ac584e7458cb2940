/**
 * Scenario 6: the Helm chart's objects as a real apiserver sees them, and the
 * cert bootstrap run with the exact arguments of the chart's hook Jobs. The
 * registration's Service path needs a cluster network the suite does not
 * have, so the last step re-points its clientConfig at a URL: the caBundle
 * is still the one `cert-bootstrap patch` wrote. The tests build on each
 * other, in order.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import { startCluster, type E2eCluster } from './support/cluster.ts';
import { makeTempDir, type TempDir } from './support/exit-cleanup.ts';
import {
  buildPod,
  createPod,
  imagesByContainer,
  pullSecretNames,
  readOriginalImages,
} from './support/pods.ts';
import { waitUntilRewriting } from './support/registration.ts';
import { writeServiceAccountKubeconfig } from './support/service-account.ts';
import { localOnlySkipReason } from './support/settings.ts';
import { CHART_DIR } from './support/paths.ts';
import { assertSucceeded, certBootstrap, helm, kubectl } from './support/tools.ts';
import { startWebhookProcess, type WebhookProcess } from './support/webhook-process.ts';

const RELEASE = 'hiw';

interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}

/** The rendered object of `kind` whose name ends with `suffix`. */
function findRendered(
  objects: readonly RenderedObject[],
  kind: string,
  suffix = '',
): RenderedObject {
  const found = objects.find(
    (object) => object.kind === kind && object.metadata.name.endsWith(suffix),
  );
  assert.ok(found, `helm template rendered no ${kind} named *${suffix}`);
  return found;
}

interface JobSpec {
  template: { spec: { serviceAccountName: string; containers: { args: string[] }[] } };
}

/** The `args` of the one container of a rendered Job: the chart's cert-bootstrap command line. */
function jobArgs(job: RenderedObject): string[] {
  return (job['spec'] as JobSpec).template.spec.containers[0]!.args;
}

function jobServiceAccount(job: RenderedObject): string {
  return (job['spec'] as JobSpec).template.spec.serviceAccountName;
}

const skip = localOnlySkipReason();

describe('The Helm chart and the cert bootstrap on a real apiserver', { skip }, () => {
  let cluster: E2eCluster | undefined;
  let releaseNamespace = '';
  let manifest = '';
  let rendered: RenderedObject[] = [];
  let webhook: WebhookProcess | undefined;
  let workDir: TempDir | undefined;

  before(async () => {
    workDir = await makeTempDir('harbor-e2e-chart-');
    cluster = await startCluster();
    releaseNamespace = await cluster.namespaces.create('chart', { optIn: false });
    const template = await helm([
      ...['template', RELEASE, CHART_DIR, '--namespace', releaseNamespace],
      ...[
        '--set',
        'image.repository=example.invalid/harbor-image-webhook',
        '--set',
        'image.tag=e2e',
      ],
      // Fail, so a caBundle that does not match shows up as an error instead of an unmutated Pod.
      ...['--set', 'webhook.failurePolicy=Fail'],
      ...['--set-json', 'policy.imagePullSecrets=["harbor-pull"]'],
      // Every optional object that needs no CRD.
      ...['--set', 'networkPolicy.enabled=true', '--set', 'pullSecret.create=true'],
      ...['--set', 'pullSecret.username=robot$e2e', '--set', 'pullSecret.password=not-a-secret'],
    ]);
    assertSucceeded('helm template', template);
    manifest = template.stdout;
    rendered = parseAllDocuments(manifest)
      .map((document) => document.toJS() as RenderedObject | null)
      .filter((object): object is RenderedObject => object !== null);
  });

  after(async () => {
    await webhook?.stop();
    await workDir?.remove();
    await cluster?.stop();
  });

  it('has every object of helm template accepted by server-side apply, including the webhook registration and RBAC', async () => {
    const { kubeconfigFile } = cluster!;
    const kinds = new Set(rendered.map((object) => object.kind));
    for (const kind of [
      'MutatingWebhookConfiguration',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
    ]) {
      assert.ok(kinds.has(kind), `helm template renders a ${kind}`);
    }

    const apply = await kubectl(
      kubeconfigFile,
      [
        'apply',
        '--server-side',
        '--field-manager=e2e-helm',
        '--namespace',
        releaseNamespace,
        '-f',
        '-',
      ],
      manifest,
    );
    assertSucceeded('kubectl apply --server-side', apply);

    const stored = await kubectl(
      kubeconfigFile,
      ['get', '--namespace', releaseNamespace, '-o', 'name', '-f', '-'],
      manifest,
    );
    assertSucceeded('kubectl get -f -', stored);
    assert.equal(stored.stdout.trim().split('\n').length, rendered.length);
    const registration = await readRegistration();
    const selector = registration.webhooks?.[0]?.namespaceSelector?.matchExpressions ?? [];
    assert.deepEqual(
      { ...selector.find((expression) => expression.key === 'kubernetes.io/metadata.name') },
      {
        key: 'kubernetes.io/metadata.name',
        operator: 'NotIn',
        values: ['kube-system', releaseNamespace],
      },
    );
  });

  it("runs the chart's cert-create and cert-patch hook commands as their Jobs' ServiceAccount: a TLS Secret, then its CA in the registration's caBundle", async () => {
    const { core } = cluster!;
    const createJob = findRendered(rendered, 'Job', '-cert-create');
    const createArgs = jobArgs(createJob);
    const patchArgs = jobArgs(findRendered(rendered, 'Job', '-cert-patch'));
    // Only what the chart's Role and ClusterRole grant the hook Jobs.
    const kubeconfigFile = await writeServiceAccountKubeconfig(
      cluster!,
      { namespace: releaseNamespace, name: jobServiceAccount(createJob) },
      workDir!.path,
    );

    const created = await certBootstrap(kubeconfigFile, [
      ...createArgs,
      '--extra-san',
      '127.0.0.1',
    ]);
    const patched = await certBootstrap(kubeconfigFile, patchArgs);
    assertSucceeded('cert-bootstrap create', created);
    assertSucceeded('cert-bootstrap patch', patched);

    assert.equal(created.json?.['write'], 'created');
    // Every entry of the registration gets the CA: the webhook and its audit entry.
    const webhookNames = (
      findRendered(rendered, 'MutatingWebhookConfiguration')['webhooks'] as { name: string }[]
    ).map((webhook) => webhook.name);
    assert.equal(webhookNames.length, 2);
    assert.deepEqual(patched.json?.['changedWebhooks'], webhookNames);
    const secret = await core.readNamespacedSecret({
      name: secretName(),
      namespace: releaseNamespace,
    });
    assert.equal(secret.type, 'kubernetes.io/tls');
    assert.deepEqual(Object.keys(secret.data ?? {}).sort(), [
      'ca.crt',
      'ca.key',
      'tls.crt',
      'tls.key',
    ]);
    const serving = new X509Certificate(Buffer.from(secret.data!['tls.crt']!, 'base64'));
    assert.match(serving.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.match(
      serving.subjectAltName ?? '',
      new RegExp(`DNS:${RELEASE}-harbor-image-webhook\\.${releaseNamespace}\\.svc`),
    );
    const registration = await readRegistration();
    assert.equal(registration.webhooks?.[0]?.clientConfig.caBundle, secret.data!['ca.crt']);
    // Both steps are idempotent: a second run changes nothing.
    const again = await certBootstrap(kubeconfigFile, [...createArgs, '--extra-san', '127.0.0.1']);
    const patchedAgain = await certBootstrap(kubeconfigFile, patchArgs);
    assert.equal(again.json?.['write'], 'none');
    assert.deepEqual(patchedAgain.json?.['changedWebhooks'], []);
  });

  it("rewrites a Pod through the patched registration, served with the Secret's certificate and the chart's policy", async () => {
    const { core, admissionregistration, namespaces } = cluster!;
    const secret = await core.readNamespacedSecret({
      name: secretName(),
      namespace: releaseNamespace,
    });
    const policyMap = findRendered(rendered, 'ConfigMap', '-policy');
    const stored = await core.readNamespacedConfigMap({
      name: policyMap.metadata.name,
      namespace: releaseNamespace,
    });
    const tlsDir = join(workDir!.path, 'tls');
    await mkdir(tlsDir);
    const decode = (key: string): string =>
      Buffer.from(secret.data![key]!, 'base64').toString('utf8');
    await writeFile(join(tlsDir, 'tls.crt'), decode('tls.crt'));
    await writeFile(join(tlsDir, 'tls.key'), decode('tls.key'), { mode: 0o600 });
    webhook = await startWebhookProcess({
      name: 'webhook-chart',
      policy: parse(stored.data!['policy.yaml']!) as object,
      tls: {
        certFile: join(tlsDir, 'tls.crt'),
        keyFile: join(tlsDir, 'tls.key'),
        caPem: decode('ca.crt'),
      },
    });
    const registration = await readRegistration();
    const entry = registration.webhooks![0]!;
    entry.clientConfig = { url: webhook.url, caBundle: entry.clientConfig.caBundle! };
    await admissionregistration.replaceMutatingWebhookConfiguration({
      name: registration.metadata!.name!,
      body: registration,
    });
    const namespace = await namespaces.create('chart-opted-in', { optIn: true });
    await waitUntilRewriting(core, namespace, 'harbor.example.com');

    const pod = await createPod(
      core,
      namespace,
      buildPod('app', [{ name: 'web', image: 'nginx:1.25' }]),
    );

    assert.deepEqual(imagesByContainer(pod), {
      web: 'harbor.example.com/dockerhub-proxy/library/nginx:1.25',
    });
    assert.deepEqual(pullSecretNames(pod), ['harbor-pull']);
    assert.deepEqual(readOriginalImages(pod), { web: 'nginx:1.25' });
  });

  async function readRegistration(): Promise<V1MutatingWebhookConfiguration> {
    const name = findRendered(rendered, 'MutatingWebhookConfiguration').metadata.name;
    return cluster!.admissionregistration.readMutatingWebhookConfiguration({ name });
  }

  function secretName(): string {
    const args = jobArgs(findRendered(rendered, 'Job', '-cert-create'));
    return args[args.indexOf('--secret-name') + 1]!;
  }
});
