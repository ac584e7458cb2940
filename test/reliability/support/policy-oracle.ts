/**
 * Two valid policies the load test switches between, one invalid one, and a
 * hand-written oracle: for each image of the pool, what each policy must make
 * of it (README's rewriting contract, worked out by hand, not by the code
 * under test). A response is judged by applying its patch to the Pod and
 * comparing the result with what policy A and policy B would each produce.
 */
import jsonPatch, { type Operation } from 'fast-json-patch';

export const PolicyName = { a: 'A', b: 'B' } as const;
export type PolicyName = (typeof PolicyName)[keyof typeof PolicyName];

export const POLICY_YAML: Readonly<Record<PolicyName, string>> = {
  A: `harbor:
  host: harbor-a.example.com
rules:
  - match: 'docker.io/**'
    project: hub-a
  - match: 'ghcr.io/**'
    project: ghcr-a
exclude:
  - 'registry.k8s.io/pause'
imagePullSecrets: [pull-a]
imagePullPolicy: enforce
onError: allow
`,
  B: `harbor:
  host: 'harbor-b.example.com:5443'
rules:
  - match: 'docker.io/library/*'
    project: official-b
  - match: 'quay.io/**'
    project: quay-b
imagePullSecrets: [pull-b]
imagePullPolicy: 'off'
onError: allow
`,
};

/** Refused on reload: a project name Harbor does not allow, and an unknown mode. */
export const INVALID_POLICY_YAML = `harbor:
  host: harbor-c.example.com
rules:
  - match: 'docker.io/**'
    project: Not_A_Project
imagePullPolicy: sometimes
`;

const DIGEST = `sha256:${'4a'.repeat(32)}`;

/** The secret every policy appends after the Pod's own. */
const SECRET: Readonly<Record<PolicyName, string>> = { A: 'pull-a', B: 'pull-b' };

interface PoolImage {
  readonly image: string;
  /** The image after each policy; absent when the policy leaves it alone. */
  readonly rewritten: Partial<Record<PolicyName, string>>;
  /** imagePullPolicy under A (enforce): digest → IfNotPresent, latest or no tag → Always. */
  readonly pullPolicyA: 'Always' | 'IfNotPresent';
}

/** Always container 0, so every Pod is mutated and A and B always differ. */
const ANCHOR: PoolImage = {
  image: 'nginx:1.25',
  rewritten: {
    A: 'harbor-a.example.com/hub-a/library/nginx:1.25',
    B: 'harbor-b.example.com:5443/official-b/library/nginx:1.25',
  },
  pullPolicyA: 'IfNotPresent',
};

const POOL: readonly PoolImage[] = [
  {
    image: 'busybox',
    rewritten: {
      A: 'harbor-a.example.com/hub-a/library/busybox',
      B: 'harbor-b.example.com:5443/official-b/library/busybox',
    },
    pullPolicyA: 'Always',
  },
  {
    image: 'bitnami/redis:7.2',
    rewritten: { A: 'harbor-a.example.com/hub-a/bitnami/redis:7.2' },
    pullPolicyA: 'IfNotPresent',
  },
  {
    image: `ghcr.io/acme/app@${DIGEST}`,
    rewritten: { A: `harbor-a.example.com/ghcr-a/acme/app@${DIGEST}` },
    pullPolicyA: 'IfNotPresent',
  },
  {
    image: 'quay.io/prometheus/node-exporter:v1.8.0',
    rewritten: { B: 'harbor-b.example.com:5443/quay-b/prometheus/node-exporter:v1.8.0' },
    pullPolicyA: 'IfNotPresent',
  },
  { image: 'registry.k8s.io/pause:3.9', rewritten: {}, pullPolicyA: 'IfNotPresent' },
  {
    image: `docker.io/library/postgres:16.2@${DIGEST}`,
    rewritten: {
      A: `harbor-a.example.com/hub-a/library/postgres:16.2@${DIGEST}`,
      B: `harbor-b.example.com:5443/official-b/library/postgres:16.2@${DIGEST}`,
    },
    pullPolicyA: 'IfNotPresent',
  },
  {
    image: 'harbor-a.example.com/hub-a/library/alpine:latest',
    rewritten: {},
    pullPolicyA: 'Always',
  },
  { image: 'localhost:5000/team/tool:1', rewritten: {}, pullPolicyA: 'IfNotPresent' },
];

interface Container {
  name: string;
  image: string;
  imagePullPolicy: string;
}

interface Pod {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec: {
    initContainers?: Container[];
    containers: Container[];
    imagePullSecrets: { name: string }[];
  };
}

/** A Pod to send and the pool entries behind its containers, in order (init first). */
export interface GeneratedPod {
  readonly uid: string;
  readonly review: unknown;
  readonly pod: Pod;
  readonly images: readonly PoolImage[];
}

const ORIGINAL_IMAGES = 'harbor-image-webhook/original-images';

/** An AdmissionReview v1 for a Pod CREATE with nginx plus 1–4 images drawn from the pool by `seed`. */
export function generatePod(uid: string, seed: number): GeneratedPod {
  const picks = [ANCHOR];
  const extra = 1 + (seed % 4);
  for (let i = 0; i < extra; i++) picks.push(POOL[(seed * 7 + i * 3) % POOL.length]!);
  const withInit = seed % 3 === 0;
  const containers = picks.map((entry, index) => ({
    name: `c${index}`,
    image: entry.image,
    // Enforce raises IfNotPresent to Always for a mutable tag; it never lowers Always.
    imagePullPolicy: 'IfNotPresent',
  }));
  const pod: Pod = {
    metadata: { name: `load-${uid}`, namespace: 'shop' },
    spec: {
      ...(withInit
        ? { initContainers: containers.slice(-1).map((c) => ({ ...c, name: 'init' })) }
        : {}),
      containers,
      imagePullSecrets: [{ name: 'team-registry' }],
    },
  };
  const review = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'shop',
      name: pod.metadata.name,
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      object: pod,
      dryRun: false,
    },
  };
  const images = withInit ? [picks[picks.length - 1]!, ...picks] : picks;
  return { uid, review, pod, images };
}

/** What `policy` must make of `generated`'s Pod: [container fields by position, secrets, annotation]. */
function expectedUnder(generated: GeneratedPod, policy: PolicyName) {
  const names = [
    ...(generated.pod.spec.initContainers ?? []).map((c) => c.name),
    ...generated.pod.spec.containers.map((c) => c.name),
  ];
  const originals: Record<string, string> = {};
  const containers = generated.images.map((entry, index) => {
    const to = entry.rewritten[policy];
    if (to !== undefined) originals[names[index]!] = entry.image;
    return {
      image: to ?? entry.image,
      imagePullPolicy: policy === PolicyName.a ? entry.pullPolicyA : 'IfNotPresent',
    };
  });
  return {
    containers,
    secrets: ['team-registry', SECRET[policy]],
    originals,
  };
}

export type Verdict =
  | { readonly ok: true; readonly policy: PolicyName }
  | { readonly ok: false; readonly problem: string };

/** Judges a /mutate answer: which policy produced it, or what is wrong with it. */
export function judgeAnswer(generated: GeneratedPod, status: number, body: string): Verdict {
  if (status !== 200) return { ok: false, problem: `status ${status}: ${body.slice(0, 200)}` };
  let response: { uid?: unknown; allowed?: unknown; patch?: unknown; patchType?: unknown };
  try {
    response = (JSON.parse(body) as { response: typeof response }).response;
  } catch {
    return { ok: false, problem: `body is not JSON: ${body.slice(0, 200)}` };
  }
  if (response.uid !== generated.uid) return { ok: false, problem: `uid ${String(response.uid)}` };
  if (response.allowed !== true || response.patchType !== 'JSONPatch')
    return { ok: false, problem: 'not allowed with a JSONPatch' };
  if (typeof response.patch !== 'string') return { ok: false, problem: 'no patch' };
  let patched: Pod;
  try {
    const operations = JSON.parse(
      Buffer.from(response.patch, 'base64').toString('utf8'),
    ) as Operation[];
    patched = jsonPatch.applyPatch(
      structuredClone(generated.pod),
      operations,
      true,
      false,
    ).newDocument;
  } catch (error) {
    return { ok: false, problem: `patch does not apply: ${(error as Error).message}` };
  }
  for (const policy of [PolicyName.a, PolicyName.b]) {
    if (matches(patched, expectedUnder(generated, policy))) return { ok: true, policy };
  }
  return { ok: false, problem: `matches neither policy: ${JSON.stringify(patched.spec)}` };
}

function matches(patched: Pod, expected: ReturnType<typeof expectedUnder>): boolean {
  const all = [...(patched.spec.initContainers ?? []), ...patched.spec.containers];
  const actual = {
    containers: all.map((c) => ({ image: c.image, imagePullPolicy: c.imagePullPolicy })),
    secrets: patched.spec.imagePullSecrets.map((s) => s.name),
    originals: JSON.parse(patched.metadata.annotations?.[ORIGINAL_IMAGES] ?? '{}') as unknown,
  };
  return JSON.stringify(actual) === JSON.stringify(expected);
}
