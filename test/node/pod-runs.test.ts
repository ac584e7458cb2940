/**
 * The real node: a Pod whose image was pushed to the node's trusted registry
 * starts and serves, the node reaches it through its Service (the path the
 * apiserver takes to a webhook), and the Harbor stand-in is not trusted
 * until something trusts it.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { pollUntil } from '../e2e/support/wait.ts';
import type { ClusterInfo } from '../cluster/cluster-info.ts';
import { onNode } from '../cluster/node-shell.ts';
import { trustRegistry, untrustRegistry } from '../cluster/registry.ts';
import { servedManifests } from '../cluster/registry-log.ts';
import { pushTestImage } from '../cluster/test-image.ts';
import { nodeSkipReason, useNodeCluster } from './node-cluster.ts';

const NAMESPACE = 'node-smoke';
const MESSAGE = 'served from artifacts.test by a real kubelet';

function podManifest(name: string, image: string, pullSecret?: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, labels: { app: name } },
    spec: {
      automountServiceAccountToken: false,
      ...(pullSecret === undefined ? {} : { imagePullSecrets: [{ name: pullSecret }] }),
      containers: [
        {
          name: 'hello',
          image,
          ports: [{ containerPort: 8080 }],
          securityContext: {
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
          },
        },
      ],
    },
  });
}

const serviceManifest = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'hello', namespace: NAMESPACE },
  spec: { selector: { app: 'hello' }, ports: [{ port: 80, targetPort: 8080 }] },
});

describe('a real node', { skip: nodeSkipReason }, () => {
  const cluster = useNodeCluster(NAMESPACE);
  const kube = (args: string[], input?: string): Promise<string> => cluster.kube(args, input);
  let info: ClusterInfo;
  before(() => {
    info = cluster.info();
  });

  it(
    'runs a Pod from an image pushed to the trusted artifact registry',
    { timeout: 180_000 },
    async () => {
      const image = await pushTestImage(info, {
        registry: info.registries.artifacts,
        repository: 'library/hello',
        tag: '1.0.0',
        message: MESSAGE,
      });
      // By digest: a reused cluster may hold an older image under the same tag.
      await kube(['apply', '-f', '-'], podManifest('hello', image.byDigest));
      await kube(['wait', '-n', NAMESPACE, '--for=condition=Ready', 'pod/hello', '--timeout=120s']);
      const pod = JSON.parse(await kube(['get', '-n', NAMESPACE, 'pod/hello', '-o', 'json'])) as {
        status: { podIP: string; containerStatuses: { imageID: string }[] };
      };
      assert.ok(pod.status.containerStatuses[0]!.imageID.endsWith(image.digest));
      const served = await onNode(info, [
        'curl',
        '-sS',
        '--max-time',
        '5',
        `http://${pod.status.podIP}:8080/`,
      ]);
      assert.equal(served.stdout.trim(), MESSAGE, served.stderr);
    },
  );

  it(
    'reaches the Pod through its Service ClusterIP from the node (kube-proxy in iptables mode)',
    { timeout: 60_000 },
    async () => {
      await kube(['apply', '-f', '-'], serviceManifest);
      const clusterIp = await kube([
        'get',
        '-n',
        NAMESPACE,
        'service/hello',
        '-o',
        'jsonpath={.spec.clusterIP}',
      ]);
      const body = await pollUntil(
        `http://${clusterIp}/ answers through kube-proxy`,
        async () => {
          const result = await onNode(
            info,
            ['curl', '-sS', '--max-time', '2', `http://${clusterIp.trim()}/`],
            10_000,
          );
          return result.code === 0 ? result.stdout.trim() : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      assert.equal(body, MESSAGE);
    },
  );

  it('the apiserver reaches the Pod through its Service, as it reaches a webhook', async () => {
    const body = await kube([
      'get',
      '--raw',
      `/api/v1/namespaces/${NAMESPACE}/services/hello:80/proxy/`,
    ]);
    assert.equal(body.trim(), MESSAGE);
  });

  it(
    "a Pod calls the apiserver through the kubernetes Service with its ServiceAccount token, as the chart's Jobs do",
    { timeout: 120_000 },
    async () => {
      const image = await pushTestImage(info, {
        registry: info.registries.artifacts,
        repository: 'library/hello',
        tag: '1.0.0',
        message: MESSAGE,
      });
      const manifest = JSON.parse(podManifest('in-cluster-client', image.byDigest)) as {
        spec: Record<string, unknown> & { containers: Record<string, unknown>[] };
      };
      manifest.spec.automountServiceAccountToken = true;
      manifest.spec.restartPolicy = 'Never';
      manifest.spec.containers[0]!.args = ['apiserver-version'];
      await kube(['apply', '-f', '-'], JSON.stringify(manifest));
      await kube([
        'wait',
        `--namespace=${NAMESPACE}`,
        '--for=jsonpath={.status.phase}=Succeeded',
        'pod/in-cluster-client',
        '--timeout=90s',
      ]);
      const logs = await kube(['logs', `--namespace=${NAMESPACE}`, 'pod/in-cluster-client']);
      assert.match(logs, /"gitVersion": "v1\.34\.\d+"/);
    },
  );

  it(
    'does not trust the Harbor stand-in at start: a pull from it fails with an x509 error',
    { timeout: 90_000 },
    async () => {
      const harbor = info.registries.harbor;
      const image = await pushTestImage(info, {
        registry: harbor,
        repository: 'dockerhub-proxy/library/hello',
        tag: '1.0.0',
      });
      const pull = harbor.users.pull!;
      await kube([
        'create',
        'secret',
        'docker-registry',
        'harbor-pull',
        `--namespace=${NAMESPACE}`,
        `--docker-server=${harbor.host}`,
        `--docker-username=${pull.username}`,
        `--docker-password=${pull.password}`,
      ]);
      await kube(['apply', '-f', '-'], podManifest('untrusted', image.reference, 'harbor-pull'));
      const messages = await pollUntil(
        'the kubelet reports the failed pull',
        async () => {
          const events = await kube([
            'get',
            'events',
            `--namespace=${NAMESPACE}`,
            '--field-selector=involvedObject.name=untrusted,reason=Failed',
            '-o',
            'jsonpath={.items[*].message}',
          ]);
          return events.trim() === '' ? undefined : events;
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
      assert.match(messages, /x509: certificate signed by unknown authority/);
    },
  );

  it(
    "pulls from the Harbor stand-in with the Pod's secret once the node trusts it (certs.d, as the chart's node trust writes it)",
    { timeout: 120_000 },
    async () => {
      const harbor = info.registries.harbor;
      const image = await pushTestImage(info, {
        registry: harbor,
        repository: 'dockerhub-proxy/library/hello',
        tag: '1.0.0',
      });
      await trustRegistry(harbor.host, harbor.caFile);
      const logBefore = (await readFile(harbor.logFile, 'utf8')).length;
      try {
        const manifest = JSON.parse(podManifest('trusted', image.byDigest, 'harbor-pull')) as {
          spec: { containers: Record<string, unknown>[] };
        };
        // Always: a reused cluster may hold the image already; the pull must happen here.
        manifest.spec.containers[0]!.imagePullPolicy = 'Always';
        await kube(['apply', '-f', '-'], JSON.stringify(manifest));
        await kube([
          'wait',
          `--namespace=${NAMESPACE}`,
          '--for=condition=Ready',
          'pod/trusted',
          '--timeout=90s',
        ]);
        // The registry's log names the user each manifest was served to (registry-log.ts):
        // the pull user, whose credentials only the Pod's secret holds on the node.
        const served = servedManifests(
          (await readFile(harbor.logFile, 'utf8')).slice(logBefore),
          'dockerhub-proxy/library/hello',
        );
        const users = served
          .filter((request) => request.uri.endsWith(`/manifests/${image.digest}`))
          .map((request) => request.user);
        assert.ok(users.length > 0, `no manifest served in ${harbor.logFile}`);
        assert.deepEqual(new Set(users), new Set([harbor.users.pull!.username]));
      } finally {
        // Untrusted again: a reused cluster starts the next run as this one did.
        await untrustRegistry(harbor.host);
      }
    },
  );
});
