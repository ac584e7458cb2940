/**
 * Builds Pods the way they reach admission: every field the apiserver
 * defaults is present (terminationMessagePath, dnsPolicy, tolerations, the
 * projected service-account token volume...), so sizes and shapes are real.
 */

export interface ContainerShape {
  readonly name: string;
  readonly image: string;
  /** How many environment variables; a third of them come from a Secret. */
  readonly envCount: number;
  readonly probes: boolean;
}

export interface PodShape {
  readonly name: string;
  readonly initContainers: readonly Record<string, unknown>[];
  readonly containers: readonly Record<string, unknown>[];
  /** ConfigMap volumes besides the service-account token. */
  readonly configVolumes: number;
}

const TOKEN_VOLUME = 'kube-api-access-7xk2p';

function environment(container: string, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) =>
    index % 3 === 2
      ? {
          name: `${container.toUpperCase().replaceAll('-', '_')}_SECRET_${index}`,
          valueFrom: { secretKeyRef: { name: `${container}-secrets`, key: `key-${index}` } },
        }
      : {
          name: `${container.toUpperCase().replaceAll('-', '_')}_SETTING_${index}`,
          value: `value-${index}-${'x'.repeat(24)}`,
        },
  );
}

function probe(path: string): Record<string, unknown> {
  return {
    httpGet: { path, port: 8080, scheme: 'HTTP' },
    initialDelaySeconds: 5,
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  };
}

/** One container with the apiserver's defaults filled in. */
export function buildContainer(shape: ContainerShape): Record<string, unknown> {
  return {
    name: shape.name,
    image: shape.image,
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    ...(shape.envCount > 0 ? { env: environment(shape.name, shape.envCount) } : {}),
    resources: { limits: { memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
    volumeMounts: [
      { name: 'config', readOnly: true, mountPath: '/etc/app' },
      {
        name: TOKEN_VOLUME,
        readOnly: true,
        mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      },
    ],
    ...(shape.probes ? { livenessProbe: probe('/healthz'), readinessProbe: probe('/readyz') } : {}),
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
    },
  };
}

function volumes(configVolumes: number): Record<string, unknown>[] {
  const tokenVolume = {
    name: TOKEN_VOLUME,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [
              {
                path: 'namespace',
                fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' },
              },
            ],
          },
        },
      ],
      defaultMode: 420,
    },
  };
  const configs = Array.from({ length: configVolumes }, (_, index) => ({
    name: index === 0 ? 'config' : `config-${index}`,
    configMap: { name: `app-config-${index}`, defaultMode: 420 },
  }));
  return [tokenVolume, ...configs];
}

function metadata(name: string): Record<string, unknown> {
  return {
    name: `${name}-7d9c8b5f4-x2x9k`,
    generateName: `${name}-7d9c8b5f4-`,
    namespace: 'shop',
    creationTimestamp: null,
    labels: { app: name, 'app.kubernetes.io/part-of': 'shop', 'pod-template-hash': '7d9c8b5f4' },
    annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-21T10:00:00Z' },
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: `${name}-7d9c8b5f4`,
        uid: '7f3b2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  };
}

/** A Pod as the ReplicaSet controller creates it, before scheduling. */
export function buildPod(shape: PodShape): Record<string, unknown> {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: metadata(shape.name),
    spec: {
      volumes: volumes(Math.max(1, shape.configVolumes)),
      ...(shape.initContainers.length > 0 ? { initContainers: shape.initContainers } : {}),
      containers: shape.containers,
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      serviceAccount: 'default',
      securityContext: { runAsUser: 10001, fsGroup: 10001 },
      imagePullSecrets: [{ name: 'team-registry' }],
      schedulerName: 'default-scheduler',
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: {},
  };
}
