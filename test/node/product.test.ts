/**
 * The product as users get it, on a real node (issue 13's scenarios 1, 2,
 * 3 and 9): the image built from the Dockerfile and the chart installed
 * from an OCI registry; a Deployment naming Docker Hub runs only because
 * the webhook rewrote it to Harbor, injected the pull secret and the chart's
 * node trust made containerd trust Harbor's CA; uninstall leaves nothing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kubectl } from '../e2e/support/tools.ts';
import { pollUntil } from '../e2e/support/wait.ts';
import type { ClusterInfo } from '../cluster/cluster-info.ts';
import { paths } from '../cluster/layout.ts';
import {
  buildImage,
  helmOnNode,
  installChart,
  nodeValues,
  pushChart,
  pushImage,
  RELEASE,
  RELEASE_NAMESPACE,
  writeValues,
  type PushedProduct,
} from '../cluster/product.ts';
import { untrustRegistry } from '../cluster/registry.ts';
import { copiesOfSourceSelector } from '../../src/kube/pull-secret-copy.ts';
import { servedManifests } from '../cluster/registry-log.ts';
import { pushTestImage, type PushedImage } from '../cluster/test-image.ts';
import { nodeSkipReason, useNodeCluster } from './node-cluster.ts';

const OPTED_IN = 'product-app';
const PLAIN = 'product-plain';
const NO_SECRET = 'product-no-secret';
const FULLNAME = `${RELEASE}-harbor-image-webhook`;
/** The pull Secret the user keeps in the release namespace, source of the synced copies. */
const SOURCE = 'harbor-pull-source';
/** A tag of this run only: the node must pull it now, whatever an earlier run left cached. */
const TAG = `run-${Date.now()}`;
const DOCKER_HUB_IMAGE = `docker.io/library/hiw-hello:${TAG}`;

interface PodStatus {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    containers: { image: string; imagePullPolicy: string }[];
    imagePullSecrets?: { name: string }[];
  };
  status: {
    phase: string;
    containerStatuses?: {
      imageID: string;
      state: { waiting?: { reason: string; message?: string } };
    }[];
  };
}

type EphemeralPod = PodStatus & {
  spec: { ephemeralContainers?: { image: string }[] };
  status: { ephemeralContainerStatuses?: { imageID: string }[] };
};

function deployment(namespace: string, image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'hello', namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'hello' } },
      template: {
        metadata: { labels: { app: 'hello' } },
        spec: {
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'hello',
              image,
              securityContext: {
                runAsNonRoot: true,
                readOnlyRootFilesystem: true,
                allowPrivilegeEscalation: false,
              },
            },
          ],
        },
      },
    },
  });
}

describe('the shipped image and chart on a real node', { skip: nodeSkipReason }, () => {
  const cluster = useNodeCluster(OPTED_IN);
  const kube = (args: string[], input?: string): Promise<string> => cluster.kube(args, input);
  const applyAll = (items: object[]): Promise<string> =>
    kube(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  let info: ClusterInfo;
  let image: PushedProduct;
  let chartUrl: string;
  let workload: PushedImage;
  let harborCa: string;

  async function podsOf(namespace: string): Promise<PodStatus[]> {
    const text = await kube(['get', 'pods', '-n', namespace, '-l', 'app=hello', '-o', 'json']);
    return (JSON.parse(text) as { items: PodStatus[] }).items;
  }

  async function events(namespace: string, selector: string): Promise<string> {
    return kube([
      'get',
      'events',
      '-n',
      namespace,
      `--field-selector=${selector}`,
      '-o',
      'jsonpath={range .items[*]}{.involvedObject.name} {.reason}: {.message}{"\\n"}{end}',
    ]);
  }

  before(
    async () => {
      info = cluster.info();
      // A reused cluster may hold an earlier run's release; this run starts from none.
      for (const namespace of [PLAIN, NO_SECRET]) {
        await kubectl(info.kubeconfig, ['delete', 'namespace', namespace, '--ignore-not-found']);
      }
      await helmOnNode(info, [
        'uninstall',
        RELEASE,
        '-n',
        RELEASE_NAMESPACE,
        '--ignore-not-found',
        '--wait',
      ]);
      await untrustRegistry(info.registries.harbor.host);
      await kube(['create', 'namespace', PLAIN]);
      // The sync's source is the user's own Secret, not the chart's: uninstall must leave it.
      const pull = info.registries.harbor.users.pull!;
      const auth = { username: pull.username, password: pull.password };
      const dockerConfig = { auths: { [info.registries.harbor.host]: auth } };
      await applyAll([
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: RELEASE_NAMESPACE } },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'kubernetes.io/dockerconfigjson',
          metadata: { name: SOURCE, namespace: RELEASE_NAMESPACE },
          stringData: { '.dockerconfigjson': JSON.stringify(dockerConfig) },
        },
      ]);
      harborCa = await readFile(info.registries.harbor.caFile, 'utf8');
      image = await pushImage(info, await buildImage());
      chartUrl = await pushChart(info);
      // Only Harbor holds it, under the proxy-cache project's path; Docker Hub is unreachable.
      workload = await pushTestImage(info, {
        registry: info.registries.harbor,
        repository: 'dockerhub-proxy/library/hiw-hello',
        tag: TAG,
        message: 'pulled through Harbor',
      });
    },
    { timeout: 40 * 60_000 },
  );

  after(
    async () => {
      for (const namespace of [PLAIN, NO_SECRET]) {
        await kubectl(info.kubeconfig, ['delete', 'namespace', namespace, '--wait=false']);
      }
    },
    { timeout: 60_000 },
  );

  it(
    'before install the node does not trust Harbor: a pull from it fails with an x509 error',
    { timeout: 90_000 },
    async () => {
      await kube(
        ['apply', '-f', '-'],
        deployment(PLAIN, workload.reference).replace('"name":"hello"', '"name":"untrusted"'),
      );
      const failed = await pollUntil(
        'the kubelet reports the failed pull',
        async () => {
          const text = await events(PLAIN, 'reason=Failed');
          return /x509/.test(text) ? text : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
      assert.match(failed, /x509: certificate signed by unknown authority/);
      await kube(['delete', 'deployment', 'untrusted', '-n', PLAIN, '--wait=false']);
    },
  );

  it(
    'helm install from the OCI chart: 2 webhook replicas Available, cert hook Jobs completed, webhook registered with a CA bundle',
    { timeout: 6 * 60_000 },
    async () => {
      const base = nodeValues(info, image, harborCa);
      const values = await writeValues('values.json', {
        ...base,
        policy: {
          ...(base['policy'] as object),
          pullSecretSync: { source: `${RELEASE_NAMESPACE}/${SOURCE}`, name: 'harbor-pull' },
        },
        pullSecret: { create: false },
      });
      await installChart(info, chartUrl, values);
      const available = await kube([
        'get',
        'deployment',
        FULLNAME,
        '-n',
        RELEASE_NAMESPACE,
        '-o',
        'jsonpath={.status.availableReplicas}',
      ]);
      assert.equal(available, '2');
      const pods = JSON.parse(
        await kube([
          'get',
          'pods',
          '-n',
          RELEASE_NAMESPACE,
          '-l',
          'app.kubernetes.io/component=webhook',
          '-o',
          'json',
        ]),
      ) as { items: PodStatus[] };
      for (const pod of pods.items) {
        assert.ok(
          pod.status.containerStatuses?.[0]?.imageID.endsWith(image.digest),
          pod.metadata.name,
        );
      }
      // The hook Jobs are deleted once they succeed (hook-succeeded); their events stay.
      const completed = await events(RELEASE_NAMESPACE, 'involvedObject.kind=Job,reason=Completed');
      for (const step of ['create', 'patch']) {
        assert.match(completed, new RegExp(`^${FULLNAME}-cert-${step} Completed`, 'm'), completed);
      }
      const caBundle = await kube([
        'get',
        'mutatingwebhookconfiguration',
        FULLNAME,
        '-o',
        'jsonpath={.webhooks[0].clientConfig.caBundle}',
      ]);
      const secretCa = await kube([
        'get',
        'secret',
        `${FULLNAME}-tls`,
        '-n',
        RELEASE_NAMESPACE,
        '-o',
        'jsonpath={.data.ca\\.crt}',
      ]);
      assert.match(Buffer.from(caBundle, 'base64').toString(), /BEGIN CERTIFICATE/);
      assert.equal(caBundle, secretCa);
    },
  );

  it(
    "helm test: the chart's check Pod, pulled from the shipped image, gets the patch from the Service over TLS",
    { timeout: 4 * 60_000 },
    async () => {
      const output = await helmOnNode(info, [
        'test',
        RELEASE,
        '-n',
        RELEASE_NAMESPACE,
        '--timeout',
        '3m',
        '--logs',
      ]);
      assert.match(output, /^Phase:\s+Succeeded$/m, output);
      assert.match(output, /admission-check passed against https:\/\//, output);
    },
  );

  it(
    "node trust writes Harbor's hosts.toml and CA into containerd's certs.d",
    { timeout: 90_000 },
    async () => {
      await kube([
        'rollout',
        'status',
        `daemonset/${FULLNAME}-node-trust`,
        '-n',
        RELEASE_NAMESPACE,
        '--timeout=60s',
      ]);
      const dir = join(paths.certsD, info.registries.harbor.host);
      const ca = await pollUntil(
        'node trust writes ca.crt',
        async () =>
          existsSync(join(dir, 'hosts.toml')) ? readFile(join(dir, 'ca.crt'), 'utf8') : undefined,
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      assert.equal(ca.trim(), harborCa.trim());
      assert.match(
        await readFile(join(dir, 'hosts.toml'), 'utf8'),
        /ca = ".*\/harbor\.test\/ca\.crt"/,
      );
    },
  );

  it(
    `a Deployment of ${DOCKER_HUB_IMAGE} in an opted-in namespace runs: rewritten to Harbor, pulled with the injected secret`,
    { timeout: 4 * 60_000 },
    async () => {
      await kube(['label', 'namespace', OPTED_IN, 'harbor-image-webhook/enabled=true']);
      // policy.pullSecretSync copies the release's pull Secret into the opted-in namespace.
      await pollUntil(
        'the pull secret is synced into the namespace',
        async () => {
          const result = await kubectl(info.kubeconfig, [
            'get',
            'secret',
            'harbor-pull',
            '-n',
            OPTED_IN,
          ]);
          return result.code === 0 ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
      const logBefore = (await readFile(info.registries.harbor.logFile, 'utf8')).length;
      await kube(['apply', '-f', '-'], deployment(OPTED_IN, DOCKER_HUB_IMAGE));
      await kube(['rollout', 'status', 'deployment/hello', '-n', OPTED_IN, '--timeout=150s']);
      const [pod] = await podsOf(OPTED_IN);
      assert.ok(pod);
      assert.equal(pod.status.phase, 'Running');
      assert.equal(
        pod.spec.containers[0]!.image,
        `harbor.test/dockerhub-proxy/library/hiw-hello:${TAG}`,
      );
      assert.deepEqual(pod.spec.imagePullSecrets, [{ name: 'harbor-pull' }]);
      assert.match(
        pod.metadata.annotations?.['harbor-image-webhook/original-images'] ?? '',
        /docker\.io\/library\/hiw-hello/,
      );
      assert.ok(pod.status.containerStatuses?.[0]?.imageID.endsWith(workload.digest));
      // The registry's log names the user each manifest was served to (registry-log.ts): the
      // run's tag and its digest went to the pull user, the injected secret's, and no one else.
      const served = servedManifests(
        (await readFile(info.registries.harbor.logFile, 'utf8')).slice(logBefore),
        'dockerhub-proxy/library/hiw-hello',
      );
      const seen = served.map((r) => `${r.method} ${r.uri} ${r.status} ${r.user}`).join('\n');
      const pullUser = info.registries.harbor.users.pull!.username;
      assert.ok(
        served.some((r) => r.uri.endsWith(`/manifests/${TAG}`) && r.user === pullUser),
        `the tag's manifest served to ${pullUser}, in:\n${seen}`,
      );
      assert.ok(
        served.some((r) => r.uri.endsWith(`/manifests/${workload.digest}`)),
        `the digest's manifest served, in:\n${seen}`,
      );
      assert.deepEqual(new Set(served.map((r) => r.user)), new Set([pullUser]), seen);
    },
  );

  it(
    'the same Deployment in a namespace not opted in is left alone and cannot pull: ErrImagePull',
    { timeout: 2 * 60_000 },
    async () => {
      await kube(['apply', '-f', '-'], deployment(PLAIN, DOCKER_HUB_IMAGE));
      const pod = await pollUntil(
        'the Pod fails to pull',
        async () => {
          const [found] = await podsOf(PLAIN);
          const reason = found?.status.containerStatuses?.[0]?.state.waiting?.reason;
          return reason === 'ErrImagePull' || reason === 'ImagePullBackOff' ? found : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 1_000 },
      );
      assert.equal(pod.spec.containers[0]!.image, DOCKER_HUB_IMAGE);
      assert.equal(pod.spec.imagePullSecrets, undefined);
      assert.match(await events(PLAIN, 'reason=Failed'), /ErrImagePull|docker\.io/);
    },
  );

  it(
    'pull policy on the real node: :latest pushed again runs the new digest in a new Pod; a pinned tag is not pulled again',
    { timeout: 3 * 60_000 },
    async () => {
      const harbor = info.registries.harbor;
      const runPod = async (name: string, image: string): Promise<PodStatus> => {
        await kube([
          'run',
          name,
          '-n',
          OPTED_IN,
          `--image=${image}`,
          '--overrides={"spec":{"automountServiceAccountToken":false}}',
        ]);
        await kube([
          'wait',
          '-n',
          OPTED_IN,
          '--for=condition=Ready',
          `pod/${name}`,
          '--timeout=90s',
        ]);
        return JSON.parse(
          await kube(['get', 'pod', name, '-n', OPTED_IN, '-o', 'json']),
        ) as PodStatus;
      };
      const latest = async (message: string): Promise<PushedImage> =>
        pushTestImage(info, {
          registry: harbor,
          repository: 'dockerhub-proxy/library/hiw-hello',
          tag: 'latest',
          message,
        });
      const first = await latest(`first ${TAG}`);
      const pod1 = await runPod('latest-1', 'docker.io/library/hiw-hello');
      assert.equal(pod1.spec.containers[0]!.imagePullPolicy, 'Always');
      assert.ok(pod1.status.containerStatuses?.[0]?.imageID.endsWith(first.digest));
      const second = await latest(`second ${TAG}`);
      assert.notEqual(second.digest, first.digest);
      const pod2 = await runPod('latest-2', 'docker.io/library/hiw-hello:latest');
      assert.ok(pod2.status.containerStatuses?.[0]?.imageID.endsWith(second.digest));
      // The run's pinned tag is on the node since scenario 2: IfNotPresent, no request at all.
      const logBefore = (await readFile(harbor.logFile, 'utf8')).length;
      const pinned = await runPod('pinned', DOCKER_HUB_IMAGE);
      assert.equal(pinned.spec.containers[0]!.imagePullPolicy, 'IfNotPresent');
      const requests = (await readFile(harbor.logFile, 'utf8'))
        .slice(logBefore)
        .split('\n')
        .filter((line) => line.includes(`/hiw-hello/manifests/${TAG} HTTP`));
      assert.deepEqual(requests, []);
    },
  );

  it(
    'kubectl debug adds an ephemeral container whose Docker Hub image is pulled through Harbor',
    { timeout: 2 * 60_000 },
    async () => {
      const [pod] = await podsOf(OPTED_IN);
      assert.ok(pod);
      await kube([
        'debug',
        '-n',
        OPTED_IN,
        `pod/${pod.metadata.name}`,
        `--image=${DOCKER_HUB_IMAGE}`,
        '--container=debugger',
        '--profile=restricted',
      ]);
      const debugged = await pollUntil(
        'the ephemeral container is created',
        async () => {
          const found = JSON.parse(
            await kube(['get', 'pod', pod.metadata.name, '-n', OPTED_IN, '-o', 'json']),
          ) as EphemeralPod;
          const status = found.status.ephemeralContainerStatuses?.[0];
          return status?.imageID ? found : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 1_000 },
      );
      assert.equal(
        debugged.spec.ephemeralContainers?.[0]?.image,
        `harbor.test/dockerhub-proxy/library/hiw-hello:${TAG}`,
      );
      assert.ok(debugged.status.ephemeralContainerStatuses?.[0]?.imageID.endsWith(workload.digest));
    },
  );

  it(
    'an opted-in namespace whose Pods name a pull Secret it lacks: kubectl prints the warning, the pull gets 401, ImagePullBackOff',
    { timeout: 2 * 60_000 },
    async () => {
      await kube(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: {
            name: NO_SECRET,
            labels: { 'harbor-image-webhook/enabled': 'true' },
            annotations: { 'harbor-image-webhook/image-pull-secrets': 'harbor-missing' },
          },
        }),
      );
      // A tag the node has not pulled yet: a cached image would start without any secret.
      const tag = `${TAG}-no-secret`;
      await pushTestImage(info, {
        registry: info.registries.harbor,
        repository: 'dockerhub-proxy/library/hiw-hello',
        tag,
      });
      const run = [
        'run',
        'hello',
        '-n',
        NO_SECRET,
        `--image=docker.io/library/hiw-hello:${tag}`,
        '--overrides={"spec":{"automountServiceAccountToken":false}}',
      ];
      // The webhook learns of the namespace's annotation from its watch: wait for it.
      const warning = await pollUntil(
        'the webhook applies the namespace annotation',
        async () => {
          const result = await kubectl(info.kubeconfig, [...run, '--dry-run=server', '-o', 'name']);
          return /harbor-missing/.test(result.stderr) ? result.stderr : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 1_000 },
      );
      assert.match(
        warning,
        /Warning: imagePullSecret "harbor-missing" does not exist in namespace/,
      );
      const created = await kubectl(info.kubeconfig, run);
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stderr, /Warning: imagePullSecret "harbor-missing" does not exist/);
      const failed = await pollUntil(
        'the pull is refused',
        async () => {
          const text = await events(NO_SECRET, 'involvedObject.name=hello,reason=Failed');
          return /401|nauthorized/.test(text) ? text : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
      assert.match(failed, /401 Unauthorized|unauthorized/i);
      await pollUntil(
        'the Pod backs off',
        async () => {
          const pod = JSON.parse(
            await kube(['get', 'pod', 'hello', '-n', NO_SECRET, '-o', 'json']),
          ) as PodStatus;
          const reason = pod.status.containerStatuses?.[0]?.state.waiting?.reason;
          return reason === 'ImagePullBackOff' ? reason : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
    },
  );

  it(
    'helm upgrade to a new image tag and helm rollback while Pods are created every 0.5 s: none admitted without the rewrite, none refused',
    { timeout: 8 * 60_000 },
    async () => {
      const layout = await buildImage();
      const next = await pushImage(info, layout, `${image.tag}-next`);
      let stop = false;
      const answers: string[] = [];
      const load = (async () => {
        for (let i = 0; !stop && i < 1200; i++) {
          const result = await kubectl(info.kubeconfig, [
            'run',
            'load',
            '-n',
            OPTED_IN,
            `--image=${DOCKER_HUB_IMAGE}`,
            '--dry-run=server',
            '-o',
            'jsonpath={.spec.containers[0].image}',
          ]);
          answers.push(result.code === 0 ? result.stdout : `exit ${result.code}: ${result.stderr}`);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      })();
      try {
        const upgrade = ['--reuse-values', '--wait', '--timeout', '4m', '-n', RELEASE_NAMESPACE];
        await helmOnNode(info, [
          'upgrade',
          RELEASE,
          chartUrl,
          '--version',
          image.tag,
          '--ca-file',
          info.registries.artifacts.caFile,
          '--set',
          `image.tag=${next.tag}`,
          ...upgrade,
        ]);
        const running = await kube([
          'get',
          'deployment',
          FULLNAME,
          '-n',
          RELEASE_NAMESPACE,
          '-o',
          'jsonpath={.spec.template.spec.containers[0].image}',
        ]);
        assert.match(running, new RegExp(`:${next.tag}@`));
        await helmOnNode(info, [
          'rollback',
          RELEASE,
          '1',
          '--wait',
          '--timeout',
          '4m',
          '-n',
          RELEASE_NAMESPACE,
        ]);
        await kube([
          'rollout',
          'status',
          `deployment/${FULLNAME}`,
          '-n',
          RELEASE_NAMESPACE,
          '--timeout=120s',
        ]);
      } finally {
        stop = true;
        await load;
      }
      const rewritten = `harbor.test/dockerhub-proxy/library/hiw-hello:${TAG}`;
      assert.ok(answers.length > 20, `${answers.length} Pods created during upgrade and rollback`);
      assert.deepEqual(
        answers.filter((answer) => answer !== rewritten),
        [],
        `of ${answers.length} Pods created during upgrade and rollback`,
      );
    },
  );

  it(
    "certificate renewal as the chart runs it (the CronJob's Job) replaces a lost certificate and CA key with a new CA: the caBundle changes and the webhook answers throughout",
    { timeout: 4 * 60_000 },
    async () => {
      const tlsSecret = `${FULLNAME}-tls`;
      const caBundle = (): Promise<string> =>
        kube([
          'get',
          'mutatingwebhookconfiguration',
          FULLNAME,
          '-o',
          'jsonpath={.webhooks[0].clientConfig.caBundle}',
        ]);
      const before = await caBundle();
      // A fit serving certificate is kept and one due is reissued by the same CA (caBundle
      // unchanged). With the certificate and the CA's key lost, create makes a new CA, keeping
      // the old one in ca.crt while it is valid, and patch writes both to caBundle: the Pods'
      // certificate (old CA) stays trusted until the kubelet brings them the new one.
      // (tls.crt cannot be removed from a kubernetes.io/tls Secret: the CA certificate stands
      // in for a lost one; it does not name the Service, so create must replace it.)
      await kube([
        'patch',
        'secret',
        tlsSecret,
        '-n',
        RELEASE_NAMESPACE,
        '--type=json',
        '-p',
        JSON.stringify([
          { op: 'remove', path: '/data/ca.key' },
          { op: 'replace', path: '/data/tls.crt', value: before },
        ]),
      ]);
      await kube([
        'create',
        'job',
        'renew-now',
        `--from=cronjob/${FULLNAME}-cert-renewal`,
        '-n',
        RELEASE_NAMESPACE,
      ]);
      const probe = [
        'run',
        'probe',
        '-n',
        OPTED_IN,
        `--image=${DOCKER_HUB_IMAGE}`,
        '--dry-run=server',
        '-o',
        'jsonpath={.spec.containers[0].image}',
      ];
      const answers: string[] = [];
      let completeAt: number | undefined;
      // Every 0.5 s through the renewal and 20 s after it (the kubelet's Secret volume sync
      // brings the new serving certificate to the Pods meanwhile).
      for (const deadline = Date.now() + 150_000; Date.now() < deadline;) {
        const result = await kubectl(info.kubeconfig, probe);
        answers.push(result.code === 0 ? result.stdout : `exit ${result.code}: ${result.stderr}`);
        if (completeAt === undefined) {
          const status = await kubectl(info.kubeconfig, [
            'get',
            'job',
            'renew-now',
            '-n',
            RELEASE_NAMESPACE,
            '-o',
            'jsonpath={.status.succeeded}',
          ]);
          if (status.stdout === '1') completeAt = Date.now();
        } else if (Date.now() - completeAt > 20_000) {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      assert.ok(completeAt, 'the renewal Job completed');
      const rewritten = `harbor.test/dockerhub-proxy/library/hiw-hello:${TAG}`;
      assert.deepEqual(
        answers.filter((answer) => answer !== rewritten),
        [],
        `${answers.length} Pods admitted during the renewal`,
      );
      const after = await caBundle();
      assert.notEqual(after, before);
      const certificates = Buffer.from(after, 'base64')
        .toString()
        .match(/BEGIN CERTIFICATE/g);
      assert.equal(certificates?.length, 2, 'the new CA and the old one, still valid');
    },
  );

  it(
    "helm uninstall leaves no webhook configuration, node trust files or Secret of ours in any namespace (the user's stay), and Pods still create",
    { timeout: 4 * 60_000 },
    async () => {
      // The user's Secrets stay: one without labels, and a copy another release made.
      const userSecret = (name: string, labels: Record<string, string>): object => ({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: OPTED_IN, labels },
        stringData: { note: 'not ours' },
      });
      await applyAll([
        userSecret('user-own', {}),
        userSecret('other-release-copy', {
          'app.kubernetes.io/managed-by': 'harbor-image-webhook',
          'harbor-image-webhook/pull-secret-source': 'other-system.harbor-pull',
        }),
      ]);
      const ourCopies = copiesOfSourceSelector(RELEASE_NAMESPACE, SOURCE);
      const copiesBefore = await kube(['get', 'secrets', '-A', '-l', ourCopies, '-o', 'name']);
      assert.match(copiesBefore, /secret\/harbor-pull/, 'the sync made copies to clean up');
      // helm waits for the post-delete hook Job (cleanupOnUninstall) and fails if it fails.
      await helmOnNode(info, [
        'uninstall',
        RELEASE,
        '-n',
        RELEASE_NAMESPACE,
        '--wait',
        '--timeout',
        '2m',
      ]);
      const configurations = await kube(['get', 'mutatingwebhookconfigurations', '-o', 'name']);
      assert.doesNotMatch(configurations, new RegExp(FULLNAME));
      const dir = join(paths.certsD, info.registries.harbor.host);
      await pollUntil(
        'node trust removes its files',
        async () => (existsSync(dir) ? undefined : true),
        {
          timeoutMs: 60_000,
          intervalMs: 500,
        },
      );
      const completed = await events(RELEASE_NAMESPACE, 'involvedObject.kind=Job,reason=Completed');
      assert.match(completed, new RegExp(`^${FULLNAME}-uninstall Completed`, 'm'), completed);
      // No copy anywhere, no Secret of the release (chart-made or hook-made) in its namespace:
      // only the user's source there, and the user's own Secrets next to the copies.
      assert.equal(await kube(['get', 'secrets', '-A', '-l', ourCopies, '-o', 'name']), '');
      const secretsIn = async (namespace: string): Promise<string[]> =>
        (await kube(['get', 'secrets', '-n', namespace, '-o', 'name']))
          .split('\n')
          .filter(Boolean)
          .sort();
      assert.deepEqual(await secretsIn(RELEASE_NAMESPACE), [`secret/${SOURCE}`]);
      assert.deepEqual(await secretsIn(OPTED_IN), ['secret/other-release-copy', 'secret/user-own']);
      const ours = await kube([
        'get',
        'secrets',
        '-A',
        '-l',
        `app.kubernetes.io/managed-by in (harbor-image-webhook,Helm),app.kubernetes.io/instance=${RELEASE}`,
        '-o',
        'name',
      ]);
      assert.equal(ours, '');
      // The hook's Job, ServiceAccount and RBAC went with it.
      const hookLeft = await kube([
        'get',
        'job,serviceaccount,role,rolebinding',
        '-n',
        RELEASE_NAMESPACE,
        '-o',
        'name',
        '--ignore-not-found',
        '--field-selector',
        `metadata.name=${FULLNAME}-uninstall`,
      ]);
      const clusterHookLeft = await kube([
        'get',
        'clusterrole,clusterrolebinding',
        '-o',
        'name',
        '--field-selector',
        `metadata.name=${FULLNAME}-uninstall`,
      ]);
      assert.equal(hookLeft + clusterHookLeft, '');
      await kube(['delete', 'deployment', 'hello', '-n', OPTED_IN, '--wait=false']);
      await kube(
        ['apply', '-f', '-'],
        deployment(OPTED_IN, DOCKER_HUB_IMAGE).replace('"name":"hello"', '"name":"after"'),
      );
      const pod = await pollUntil(
        'a Pod is created without the webhook',
        async () =>
          (await podsOf(OPTED_IN)).find((found) => found.metadata.name.startsWith('after-')),
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      assert.equal(pod.spec.containers[0]!.image, DOCKER_HUB_IMAGE);
    },
  );
});
