/**
 * `npm run demo`: the product on a real node, told in plain words. Brings
 * the cluster up (or reuses a running one), builds the image, pushes it and
 * the chart to artifacts.test, installs the chart from there, creates a
 * Deployment naming Docker Hub in an opted-in namespace and shows what
 * happened to its Pod. The cluster is left running for a look around.
 */
import { readFile } from 'node:fs/promises';
import { kubectl } from '../e2e/support/tools.ts';
import { pollUntil } from '../e2e/support/wait.ts';
import { bringUp, findRunningCluster } from './bring-up.ts';
import type { ClusterInfo } from './cluster-info.ts';
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
} from './product.ts';
import { untrustRegistry } from './registry.ts';
import { servedManifests } from './registry-log.ts';
import { pushTestImage } from './test-image.ts';

const NAMESPACE = 'demo';
const say = (line: string): void => console.log(line);
const step = (line: string): void => console.error(`demo: ${line}`);

async function kube(info: ClusterInfo, args: string[], input?: string): Promise<string> {
  const result = await kubectl(info.kubeconfig, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function install(info: ClusterInfo): Promise<void> {
  step('building the image (npm run image; cached after the first run)');
  const layout = await buildImage();
  const image = await pushImage(info, layout);
  step(`pushed ${image.repository}:${image.tag}@${image.digest}`);
  const chart = await pushChart(info);
  step(`pushed the chart to ${chart}`);
  await helmOnNode(info, [
    'uninstall',
    RELEASE,
    '-n',
    RELEASE_NAMESPACE,
    '--ignore-not-found',
    '--wait',
  ]);
  await kubectl(info.kubeconfig, [
    'delete',
    'secret',
    `${RELEASE}-harbor-image-webhook-tls`,
    '-n',
    RELEASE_NAMESPACE,
    '--ignore-not-found',
  ]);
  await untrustRegistry(info.registries.harbor.host);
  const harborCa = await readFile(info.registries.harbor.caFile, 'utf8');
  const values = await writeValues('demo-values.json', nodeValues(info, image, harborCa));
  step(`helm install ${RELEASE} ${chart} (waits for the webhook and node trust)`);
  await installChart(info, chart, values);
}

interface DemoPod {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { containers: { image: string }[]; imagePullSecrets?: { name: string }[] };
  status: { phase: string; containerStatuses?: { imageID: string }[] };
}

async function runSample(info: ClusterInfo): Promise<DemoPod> {
  const tag = `demo-${Date.now()}`;
  await pushTestImage(info, {
    registry: info.registries.harbor,
    repository: 'dockerhub-proxy/library/hello',
    tag,
    message: 'hello from Harbor',
  });
  await kubectl(info.kubeconfig, ['delete', 'namespace', NAMESPACE, '--ignore-not-found']);
  await kube(info, ['create', 'namespace', NAMESPACE]);
  await kube(info, ['label', 'namespace', NAMESPACE, 'harbor-image-webhook/enabled=true']);
  await pollUntil(
    'the pull secret is copied into the namespace',
    async () =>
      (await kubectl(info.kubeconfig, ['get', 'secret', 'harbor-pull', '-n', NAMESPACE])).code === 0
        ? true
        : undefined,
    { timeoutMs: 60_000, intervalMs: 1_000 },
  );
  await kube(info, [
    'create',
    'deployment',
    'hello',
    `--image=docker.io/library/hello:${tag}`,
    '-n',
    NAMESPACE,
  ]);
  await kube(info, ['rollout', 'status', 'deployment/hello', '-n', NAMESPACE, '--timeout=150s']);
  const pods = JSON.parse(
    await kube(info, ['get', 'pods', '-n', NAMESPACE, '-l', 'app=hello', '-o', 'json']),
  ) as { items: DemoPod[] };
  return pods.items[0]!;
}

const running = await findRunningCluster();
const info = running ?? (await bringUp(step));
await install(info);
const pod = await runSample(info);
const original = JSON.parse(
  pod.metadata.annotations?.['harbor-image-webhook/original-images'] ?? '{}',
) as Record<string, string>;
say('');
say(`The Deployment asked for:   ${Object.values(original)[0] ?? '(no annotation)'}`);
say(`The webhook rewrote it to:  ${pod.spec.containers[0]!.image}`);
say(
  `and added the pull secret:  ${(pod.spec.imagePullSecrets ?? []).map((s) => s.name).join(', ')}`,
);
say(
  `The kubelet pulled it from ${info.registries.harbor.host} (the Harbor stand-in; Docker Hub is unreachable here),`,
);
say(`trusting its CA because the chart's node trust wrote it into containerd's certs.d.`);
say(
  `Pod ${NAMESPACE}/${pod.metadata.name} is ${pod.status.phase}, image ${pod.status.containerStatuses?.[0]?.imageID ?? '?'}`,
);
say('');
say(`Look around: export KUBECONFIG=${info.kubeconfig}; kubectl -n ${NAMESPACE} get pods -o yaml`);
const users = servedManifests(
  await readFile(info.registries.harbor.logFile, 'utf8'),
  'dockerhub-proxy/library/hello',
).map((request) => request.user ?? '(nobody)');
say(
  `Harbor served its manifest to user ${[...new Set(users)].join(', ') || '(none yet)'} (the secret's), as its log says: ${info.registries.harbor.logFile}`,
);
say('Done: npm run cluster:down');
