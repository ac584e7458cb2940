/**
 * Test Pods. There is no scheduler in the suite's cluster, and on an existing
 * cluster a nodeSelector no node carries keeps them Pending: no image is ever
 * pulled, whatever the webhook wrote.
 */
import type { CoreV1Api, V1Container, V1Pod } from '@kubernetes/client-node';

/** The annotation the webhook records the rewritten containers' original images in. */
export const ORIGINAL_IMAGES_ANNOTATION = 'harbor-image-webhook/original-images';

/** Keeps test Pods off every node of an existing cluster. */
const UNSCHEDULABLE = { 'e2e.harbor-image-webhook/never-schedule': 'true' } as const;

/** A Pod named `name` with `containers` (and optional init containers), never scheduled. */
export function buildPod(
  name: string,
  containers: readonly V1Container[],
  initContainers: readonly V1Container[] = [],
): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { 'app.kubernetes.io/part-of': 'harbor-image-webhook-e2e' } },
    spec: {
      containers: [...containers],
      ...(initContainers.length > 0 ? { initContainers: [...initContainers] } : {}),
      nodeSelector: { ...UNSCHEDULABLE },
      terminationGracePeriodSeconds: 0,
    },
  };
}

/** The Pod `waitUntilRewriting` sends as a dry run: one Docker Hub image with a pinned tag. */
export function probePod(): V1Pod {
  return buildPod('registration-probe', [
    { name: 'probe', image: 'docker.io/library/busybox:1.36' },
  ]);
}

/** Creates `pod` in `namespace`; with `dryRun` the apiserver runs admission and stores nothing. */
export function createPod(
  core: CoreV1Api,
  namespace: string,
  pod: V1Pod,
  options: { dryRun?: boolean } = {},
): Promise<V1Pod> {
  return core.createNamespacedPod({
    namespace,
    body: structuredClone(pod),
    ...(options.dryRun === true ? { dryRun: 'All' } : {}),
  });
}

/** The original-images annotation, parsed: container name → image before rewriting. */
export function readOriginalImages(pod: V1Pod): Record<string, string> | undefined {
  const value = pod.metadata?.annotations?.[ORIGINAL_IMAGES_ANNOTATION];
  return value === undefined ? undefined : (JSON.parse(value) as Record<string, string>);
}

/** Container name → image, over containers, initContainers and ephemeralContainers. */
export function imagesByContainer(pod: V1Pod): Record<string, string | undefined> {
  const spec = pod.spec;
  const all = [
    ...(spec?.initContainers ?? []),
    ...(spec?.containers ?? []),
    ...(spec?.ephemeralContainers ?? []),
  ];
  return Object.fromEntries(all.map((container) => [container.name, container.image]));
}

/** Container name → imagePullPolicy, over containers, initContainers and ephemeralContainers. */
export function pullPoliciesByContainer(pod: V1Pod): Record<string, string | undefined> {
  const spec = pod.spec;
  const all = [
    ...(spec?.initContainers ?? []),
    ...(spec?.containers ?? []),
    ...(spec?.ephemeralContainers ?? []),
  ];
  return Object.fromEntries(all.map((container) => [container.name, container.imagePullPolicy]));
}

/** Names of the Pod's imagePullSecrets, in order. */
export function pullSecretNames(pod: V1Pod): (string | undefined)[] {
  return (pod.spec?.imagePullSecrets ?? []).map((secret) => secret.name);
}
