/**
 * The mutation: `(pod template, policy) → decisions, changes and a JSON Patch`.
 * Pure. Used by admission (a Pod at the root) and by the preview (a workload's
 * template at `/spec/template`), so both always agree.
 */
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import {
  explainDecision,
  finalImage,
  finalReference,
  type ImageDecision,
} from './image-decision.ts';
import { decideImageMemoized } from './image-decision-cache.ts';
import { escapePointerToken, sortByPointer, toPointer } from './json-pointer.ts';
import type { Policy } from './policy.ts';
import {
  ORIGINAL_IMAGES_ANNOTATION,
  readPodTemplate,
  type ContainerView,
  type PodTemplateView,
  type SecretReference,
} from './pod-template.ts';
import { decidePullPolicy } from './pull-policy.ts';
import { containerKey, projectTemplate, type TemplateEdits } from './template-projection.ts';

const { compare } = fastJsonPatch;

/** Stable codes for every entry of {@link TemplateMutation.changes}. */
export const ChangeReason = {
  rewritten: 'rewritten',
  alreadyOnHarbor: 'already-on-harbor',
  excluded: 'excluded',
  noRule: 'no-rule',
  invalidReference: 'invalid-reference',
  pullPolicy: 'pull-policy',
  pullSecrets: 'pull-secrets',
  originalImages: 'original-images',
  /** Reported by the preview when the namespace lacks an injected pull Secret. */
  secretMissing: 'secret-missing',
} as const;
export type ChangeReason = (typeof ChangeReason)[keyof typeof ChangeReason];

/**
 * One decision at one path. Image decisions that leave the image alone are
 * listed too (`from` equals `to`), so the preview can say why.
 */
export interface TemplateChange {
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
  readonly reason: ChangeReason;
  readonly message: string;
}

/** A decision about one container's image. */
export interface ContainerDecision {
  readonly container: ContainerView;
  readonly decision: ImageDecision;
}

export interface TemplateMutation {
  readonly decisions: readonly ContainerDecision[];
  readonly changes: readonly TemplateChange[];
  /** RFC 6902 operations against the object the template sits in. */
  readonly patch: readonly Operation[];
  readonly warnings: readonly string[];
}

/**
 * Which containers to touch. A Pod CREATE touches all of them and the Pod's
 * pull secrets and annotation; an update of `pods/ephemeralcontainers` only
 * the ephemeral containers it adds, since the apiserver keeps the rest of the
 * Pod from that subresource.
 */
export type MutationScope =
  | { readonly kind: 'whole-pod' }
  | { readonly kind: 'new-ephemeral-containers'; readonly existing: ReadonlySet<string> };

export interface MutationOptions {
  /** JSON Pointer tokens of the template inside the object: `[]` for a Pod, `['spec', 'template']` for a Deployment. */
  readonly basePath?: readonly string[];
  readonly scope?: MutationScope;
}

export type MutationResult =
  | { readonly ok: true; readonly mutation: TemplateMutation }
  | { readonly ok: false; readonly problem: string };

const WHOLE_POD: MutationScope = { kind: 'whole-pod' };

/**
 * Far above any real Pod (the apiserver's 3 MiB request limit allows about
 * 10,000 tiny containers); bounds the work one request can ask for.
 */
export const MAX_CONTAINERS = 1000;

/** Mutates a Pod or pod template under `policy`. Never throws on any JSON input. */
export function mutatePodTemplate(
  template: unknown,
  policy: Policy,
  options: MutationOptions = {},
): MutationResult {
  const read = readPodTemplate(template);
  if (!read.ok) return read;
  const view = read.view;
  if (view.containers.length > MAX_CONTAINERS) {
    return {
      ok: false,
      problem: `the Pod has ${view.containers.length} containers; at most ${MAX_CONTAINERS} are processed`,
    };
  }
  const base = toPointer(options.basePath ?? []);
  const scope = options.scope ?? WHOLE_POD;
  const planned = planContainers(view, policy, scope, base);
  const edits: TemplateEdits = {
    images: planned.images,
    pullPolicies: planned.pullPolicies,
    ...(scope.kind === 'whole-pod' ? planPodLevel(view, policy, planned, base) : {}),
  };
  // Sorted by path: the same input always gives the same patch, readable top-down.
  const patch = sortByPointer(
    compare(projectTemplate(view), projectTemplate(view, edits)).map((operation) => ({
      ...operation,
      path: base + operation.path,
    })),
  );
  return {
    ok: true,
    mutation: {
      decisions: planned.decisions,
      changes: planned.changes,
      patch,
      warnings: planned.warnings,
    },
  };
}

interface ContainerPlan {
  readonly decisions: ContainerDecision[];
  readonly changes: TemplateChange[];
  readonly warnings: string[];
  readonly images: Map<string, string>;
  readonly pullPolicies: Map<string, string>;
  /** Container name → image before rewriting, for the annotation. */
  readonly originals: Map<string, string>;
}

function planContainers(
  view: PodTemplateView,
  policy: Policy,
  scope: MutationScope,
  base: string,
): ContainerPlan {
  const plan: ContainerPlan = {
    decisions: [],
    changes: [],
    warnings: [],
    images: new Map(),
    pullPolicies: new Map(),
    originals: new Map(),
  };
  for (const container of view.containers) {
    if (!isInScope(container, scope)) continue;
    planContainer(plan, container, policy, `${base}/spec/${container.list}/${container.index}`);
  }
  return plan;
}

function planContainer(
  plan: ContainerPlan,
  container: ContainerView,
  policy: Policy,
  containerPath: string,
): void {
  const image = container.image;
  // Kubernetes requires an image; a template without one (a kustomize base) has nothing to decide.
  if (image === undefined) return;
  const decision = decideImageMemoized(image, policy);
  const key = containerKey(container.list, container.index);
  const to = finalImage(decision);
  plan.decisions.push({ container, decision });
  plan.changes.push({
    path: `${containerPath}/image`,
    from: image,
    to,
    reason: decision.outcome,
    message: explainDecision(decision),
  });
  if (to !== image) {
    plan.images.set(key, to);
    if (container.name !== undefined) plan.originals.set(container.name, image);
  }
  if (decision.outcome === 'invalid-reference') {
    plan.warnings.push(`${describeContainer(container)}: ${explainDecision(decision)}`);
  }
  const reference = finalReference(decision);
  if (reference === undefined) return;
  const pullPolicy = decidePullPolicy(policy.imagePullPolicy, container.imagePullPolicy, reference);
  if (pullPolicy === undefined) return;
  plan.pullPolicies.set(key, pullPolicy.to);
  plan.changes.push({
    path: `${containerPath}/imagePullPolicy`,
    from: container.imagePullPolicy ?? null,
    to: pullPolicy.to,
    reason: ChangeReason.pullPolicy,
    message: `${pullPolicy.to}: ${pullPolicy.because} (imagePullPolicy: ${policy.imagePullPolicy})`,
  });
}

function isInScope(container: ContainerView, scope: MutationScope): boolean {
  if (scope.kind === 'whole-pod') return true;
  return (
    container.list === 'ephemeralContainers' &&
    (container.name === undefined || !scope.existing.has(container.name))
  );
}

function planPodLevel(
  view: PodTemplateView,
  policy: Policy,
  plan: ContainerPlan,
  base: string,
): Pick<TemplateEdits, 'imagePullSecrets' | 'originalImagesAnnotation'> {
  const secrets = mergePullSecrets(view.imagePullSecrets, policy.imagePullSecrets);
  const annotation = mergeOriginalImages(view.originalImagesAnnotation, plan.originals);
  if (secrets !== undefined) {
    plan.changes.push({
      path: `${base}/spec/imagePullSecrets`,
      from: secretNames(view.imagePullSecrets ?? []),
      to: secretNames(secrets.merged),
      reason: ChangeReason.pullSecrets,
      message: `added pull secrets: ${secrets.added.join(', ')}`,
    });
  }
  if (annotation !== undefined) {
    plan.changes.push({
      path: `${base}/metadata/annotations/${escapePointerToken(ORIGINAL_IMAGES_ANNOTATION)}`,
      from: view.originalImagesAnnotation ?? null,
      to: annotation.value,
      reason: ChangeReason.originalImages,
      message: 'recorded the original images of rewritten containers',
    });
    if (annotation.warning !== undefined) plan.warnings.push(annotation.warning);
  }
  return {
    ...(secrets === undefined ? {} : { imagePullSecrets: secrets.merged }),
    ...(annotation === undefined ? {} : { originalImagesAnnotation: annotation.value }),
  };
}

/** The Pod's own secrets in their order, then the policy's missing ones; undefined when nothing is added. */
function mergePullSecrets(
  existing: readonly SecretReference[] | undefined,
  wanted: readonly string[],
): { merged: SecretReference[]; added: string[] } | undefined {
  const present = new Set(secretNames(existing ?? []));
  const added = wanted.filter((name) => !present.has(name));
  if (added.length === 0) return undefined;
  return { merged: [...(existing ?? []), ...added.map((name) => ({ name }))], added };
}

function secretNames(secrets: readonly SecretReference[]): string[] {
  return secrets.flatMap((secret) => (typeof secret.name === 'string' ? [secret.name] : []));
}

/** Adds new originals to the recorded ones; earlier records win, so a re-run never forgets the first image. */
function mergeOriginalImages(
  current: string | undefined,
  originals: ReadonlyMap<string, string>,
): { value: string; warning?: string } | undefined {
  if (originals.size === 0) return undefined;
  const recorded = parseRecordedImages(current);
  // A Map, not an object: names come from untrusted input and may be "__proto__".
  const merged = new Map(Object.entries(recorded.images));
  for (const [name, image] of originals) if (!merged.has(name)) merged.set(name, image);
  const value = JSON.stringify(Object.fromEntries(merged));
  if (value === current) return undefined;
  return recorded.warning === undefined ? { value } : { value, warning: recorded.warning };
}

function parseRecordedImages(current: string | undefined): {
  images: Record<string, string>;
  warning?: string;
} {
  if (current === undefined) return { images: {} };
  try {
    const parsed: unknown = JSON.parse(current);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const entries = Object.entries(parsed).filter(([, image]) => typeof image === 'string');
      return { images: Object.fromEntries(entries) as Record<string, string> };
    }
  } catch {
    // Fall through: a hand-edited annotation is replaced, and the user told so.
  }
  return {
    images: {},
    warning: `annotation ${ORIGINAL_IMAGES_ANNOTATION} was not a JSON object and has been replaced`,
  };
}

function describeContainer(container: ContainerView): string {
  const name = container.name === undefined ? '' : ` "${container.name}"`;
  return `${container.list}[${container.index}]${name}`;
}
