/**
 * The bench corpus: AdmissionReviews shaped like what a kube-apiserver sends
 * for a Pod CREATE (defaults filled in, a service-account volume, an owner),
 * generated here so no large fixture is committed. Images mix the policy's
 * outcomes: rewritten, already on Harbor, excluded, with tag and with digest.
 */
import { buildContainer, buildPod, type ContainerShape } from './pod-builder.ts';

/** One request body the bench sends, the same bytes to every server. */
export interface CorpusCase {
  readonly name: string;
  readonly description: string;
  readonly uid: string;
  readonly body: Buffer;
}

export const CASE_NAMES = ['small', 'typical', 'large'] as const;
export type CaseName = (typeof CASE_NAMES)[number];

const IMAGES = [
  'nginx:1.25',
  'ghcr.io/acme/shop-api:v4.2.0',
  'quay.io/prometheus/node-exporter@sha256:4cb2b9019f1757be8482419002cb7afe028fdba35d47958829e4cfeaf6246d80',
  'busybox',
  'registry.k8s.io/pause:3.9',
  'harbor.example.com/dockerhub-proxy/library/redis:7.2',
  'docker.io/bitnami/postgresql:16.1.0@sha256:8d3be8f6b2a2f8fe1e2c7e0b6a4f7a6c6b3c1e4d2a0f9e8d7c6b5a4f3e2d1c0b',
] as const;

const image = (index: number): string => IMAGES[index % IMAGES.length] ?? 'nginx';

/** 1 container, almost nothing but what the apiserver's defaulting adds. */
function smallPod(): Record<string, unknown> {
  return buildPod({
    name: 'web',
    initContainers: [],
    containers: [buildContainer({ name: 'web', image: 'nginx:1.25', envCount: 0, probes: false })],
    configVolumes: 0,
  });
}

/** An init container and 3 containers with env, probes and volumes: about 6 KB. */
function typicalPod(): Record<string, unknown> {
  const shape = (name: string, index: number, envCount: number): ContainerShape => ({
    name,
    image: image(index),
    envCount,
    probes: true,
  });
  return buildPod({
    name: 'shop-api',
    initContainers: [buildContainer({ ...shape('migrate', 1, 2), probes: false })],
    containers: [
      buildContainer(shape('api', 1, 4)),
      buildContainer(shape('proxy', 0, 2)),
      buildContainer(shape('metrics', 2, 1)),
    ],
    configVolumes: 2,
  });
}

/** 50 containers with long environments: about 150 KB, a batch or sidecar-heavy Pod. */
function largePod(): Record<string, unknown> {
  const containers = Array.from({ length: 50 }, (_, index) =>
    buildContainer({ name: `worker-${index}`, image: image(index), envCount: 22, probes: true }),
  );
  return buildPod({ name: 'batch-fleet', initContainers: [], containers, configVolumes: 10 });
}

const BUILDERS: Readonly<Record<CaseName, [string, () => Record<string, unknown>]>> = {
  small: ['1 container', smallPod],
  typical: ['init + 3 containers, env, probes, volumes', typicalPod],
  large: ['50 containers', largePod],
};

/** Wraps a Pod in the AdmissionReview the apiserver sends for its CREATE. */
export function toAdmissionReview(pod: Record<string, unknown>, uid: string): unknown {
  const metadata = pod['metadata'] as { name: string; namespace: string };
  const group = (resource: string) => ({ group: '', version: 'v1', resource });
  return {
    kind: 'AdmissionReview',
    apiVersion: 'admission.k8s.io/v1',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: group('pods'),
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: group('pods'),
      name: metadata.name,
      namespace: metadata.namespace,
      operation: 'CREATE',
      userInfo: {
        username: 'system:serviceaccount:kube-system:replicaset-controller',
        uid: 'a7e0ab33-2c5d-4c1f-9a1e-3f5b5b1c2d3e',
        groups: ['system:serviceaccounts', 'system:authenticated'],
      },
      object: pod,
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    },
  };
}

/** The corpus, smallest first. */
export function buildCorpus(): CorpusCase[] {
  return CASE_NAMES.map((name, index) => {
    const [description, build] = BUILDERS[name];
    const uid = `b3a0c1d2-0000-4000-8000-00000000000${index}`;
    const body = Buffer.from(JSON.stringify(toAdmissionReview(build(), uid)));
    return { name, description, uid, body };
  });
}
