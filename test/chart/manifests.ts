// The parts of Kubernetes objects the chart tests read, and lookups over rendered objects.
// Types are hand-written and partial: only what the assertions touch.
import assert from 'node:assert/strict';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}

export interface Probe {
  httpGet?: { path: string; port: number | string; scheme?: string };
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  securityContext?: SecurityContext;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface Volume {
  name: string;
  configMap?: { name: string; items?: { key: string; path: string }[] };
  secret?: { secretName: string; items?: { key: string; path: string }[] };
  emptyDir?: object;
  hostPath?: { path: string; type?: string };
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  priorityClassName?: string;
  terminationGracePeriodSeconds?: number;
  restartPolicy?: string;
  securityContext?: SecurityContext & { fsGroup?: number };
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
  affinity?: {
    podAntiAffinity?: {
      preferredDuringSchedulingIgnoredDuringExecution?: {
        weight: number;
        podAffinityTerm: {
          topologyKey: string;
          labelSelector: { matchLabels: Record<string, string> };
        };
      }[];
      requiredDuringSchedulingIgnoredDuringExecution?: { topologyKey: string }[];
    };
  };
  topologySpreadConstraints?: {
    topologyKey: string;
    whenUnsatisfiable: string;
    maxSkew: number;
    labelSelector?: { matchLabels: Record<string, string> };
  }[];
}

export interface PodTemplate {
  metadata: ObjectMeta;
  spec: PodSpec;
}

/** A bare Pod: the chart renders one only as the `helm test` hook. */
export interface Pod extends KubeObject {
  spec: PodSpec;
}

export interface Deployment extends KubeObject {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: PodTemplate;
  };
}

export interface Job extends KubeObject {
  spec: { backoffLimit?: number; template: PodTemplate };
}

export interface CronJob extends KubeObject {
  spec: { schedule: string; concurrencyPolicy?: string; jobTemplate: { spec: Job['spec'] } };
}

export interface Service extends KubeObject {
  spec: {
    selector: Record<string, string>;
    ports: { name?: string; port: number; targetPort: number | string }[];
  };
}

export interface ConfigMap extends KubeObject {
  data: Record<string, string>;
}

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface Role extends KubeObject {
  rules: PolicyRule[];
}

export interface Binding extends KubeObject {
  roleRef: { kind: string; name: string };
  subjects: { kind: string; name: string; namespace?: string }[];
}

export interface Webhook {
  name: string;
  admissionReviewVersions: string[];
  sideEffects: string;
  failurePolicy: string;
  matchPolicy: string;
  reinvocationPolicy: string;
  timeoutSeconds: number;
  clientConfig: {
    service: { name: string; namespace: string; path: string; port: number };
    caBundle?: string;
  };
  rules: {
    operations: string[];
    apiGroups: string[];
    apiVersions: string[];
    resources: string[];
    scope: string;
  }[];
  namespaceSelector: { matchExpressions: LabelSelectorRequirement[] };
  objectSelector: { matchExpressions: LabelSelectorRequirement[] };
}

export interface MutatingWebhookConfiguration extends KubeObject {
  webhooks: Webhook[];
}

export interface PodDisruptionBudget extends KubeObject {
  spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
}

export interface Certificate extends KubeObject {
  spec: {
    secretName: string;
    isCA?: boolean;
    dnsNames?: string[];
    issuerRef: { name: string; kind: string; group?: string };
  };
}

export interface NetworkPolicy extends KubeObject {
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress: { ports: { port: number; protocol: string }[]; from?: object[] }[];
  };
}

export interface ServiceMonitor extends KubeObject {
  spec: {
    endpoints: {
      port: string;
      scheme: string;
      path: string;
      tlsConfig: {
        insecureSkipVerify?: boolean;
        serverName?: string;
        ca?: { secret: { name: string; key: string } };
      };
    }[];
  };
}

/** Every rendered object of `kind`. */
export function allOf<T extends KubeObject>(objects: readonly KubeObject[], kind: string): T[] {
  return objects.filter((object) => object.kind === kind) as T[];
}

/** The one rendered object of `kind` (named `name` when given); fails the test otherwise. */
export function oneOf<T extends KubeObject>(
  objects: readonly KubeObject[],
  kind: string,
  name?: string,
): T {
  const matches = allOf<T>(objects, kind).filter(
    (object) => name === undefined || object.metadata.name === name,
  );
  assert.equal(
    matches.length,
    1,
    `expected exactly one ${kind}${name === undefined ? '' : ` named ${name}`}, found ${matches.length}`,
  );
  return matches[0]!;
}

/** Every Pod template the chart renders: the Deployment's, each Job's, the CronJob's and bare Pods' (helm test). */
export function podTemplates(
  objects: readonly KubeObject[],
): { owner: string; template: PodTemplate }[] {
  const templates: { owner: string; template: PodTemplate }[] = [];
  for (const object of objects) {
    const owner = `${object.kind}/${object.metadata.name}`;
    if (object.kind === 'Deployment' || object.kind === 'Job') {
      templates.push({ owner, template: (object as Deployment | Job).spec.template });
    } else if (object.kind === 'CronJob') {
      templates.push({ owner, template: (object as CronJob).spec.jobTemplate.spec.template });
    } else if (object.kind === 'Pod') {
      templates.push({
        owner,
        template: { metadata: object.metadata, spec: (object as Pod).spec },
      });
    }
  }
  return templates;
}

/** The container named `name` of a Pod spec; fails the test when there is not exactly one. */
export function containerOf(spec: PodSpec, name: string): Container {
  const matches = spec.containers.filter((container) => container.name === name);
  assert.equal(matches.length, 1, `expected exactly one container named ${name}`);
  return matches[0]!;
}
