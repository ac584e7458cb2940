/**
 * The mutation: `(pod template, policy) → decisions, changes and a JSON Patch`.
 * Pure. Used by admission (a Pod at the root) and by the preview (a workload's
 * template at `/spec/template`), so both always agree.
 */
import type { Operation } from 'fast-json-patch';
import { finalReference, warnsAuthor, type ImageDecision } from './image-decision.ts';
import { decideImageMemoized } from './image-decision-cache.ts';
import { toPointer } from './json-pointer.ts';
import type { Policy } from './policy.ts';
import {
  ORIGINAL_IMAGES_ANNOTATION,
  ORIGINAL_IMAGES_POINTER,
  readPodTemplate,
  type ContainerView,
  type PodTemplateView,
  type SecretReference,
} from './pod-template.ts';
import { decidePullPolicy } from './pull-policy.ts';
import { patchTemplate, type ContainerEdit, type TemplateEdits } from './template-patch.ts';

/** Stable codes for every entry of {@link TemplateMutation.changes}. */
export const ChangeReason = {
  rewritten: 'rewritten',
  alreadyOnHarbor: 'already-on-harbor',
  excluded: 'excluded',
  noRule: 'no-rule',
  invalidReference: 'invalid-reference',
  rewriteInvalid: 'rewrite-invalid',
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
  const patch = patchTemplate(
    view,
    {
      containers: planned.edits,
      ...(scope.kind === 'whole-pod' ? planPodLevel(view, policy, planned, base) : {}),
    },
    base,
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
  /** Containers whose image or pull policy changes. */
  readonly edits: ContainerEdit[];
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
    edits: [],
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
  const { decision, finalImage: to, explanation } = decideImageMemoized(image, policy);
  plan.decisions.push({ container, decision });
  plan.changes.push({
    path: `${containerPath}/image`,
    from: image,
    to,
    reason: decision.outcome,
    message: explanation,
  });
  const rewritten = to !== image;
  if (rewritten && container.name !== undefined) plan.originals.set(container.name, image);
  if (warnsAuthor(decision)) {
    plan.warnings.push(`${describeContainer(container)}: ${explanation}`);
  }
  const reference = finalReference(decision);
  const pullPolicy =
    reference === undefined
      ? undefined
      : decidePullPolicy(policy.imagePullPolicy, container.imagePullPolicy, reference);
  if (rewritten || pullPolicy !== undefined) {
    plan.edits.push({
      container,
      ...(rewritten ? { image: to } : {}),
      ...(pullPolicy === undefined ? {} : { imagePullPolicy: pullPolicy.to }),
    });
  }
  if (pullPolicy === undefined) return;
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
): Pick<TemplateEdits, 'addedPullSecrets' | 'originalImagesAnnotation'> {
  const present = secretNames(view.imagePullSecrets);
  const added = policy.imagePullSecrets.filter((name) => !present.includes(name));
  const annotation = mergeOriginalImages(view.originalImagesAnnotation, plan.originals);
  if (added.length > 0) {
    plan.changes.push({
      path: `${base}/spec/imagePullSecrets`,
      from: present,
      to: [...present, ...added],
      reason: ChangeReason.pullSecrets,
      message: `added pull secrets: ${added.join(', ')}`,
    });
  }
  if (annotation !== undefined) {
    plan.changes.push({
      path: `${base}${ORIGINAL_IMAGES_POINTER}`,
      from: view.originalImagesAnnotation ?? null,
      to: annotation.value,
      reason: ChangeReason.originalImages,
      message: 'recorded the original images of rewritten containers',
    });
    if (annotation.warning !== undefined) plan.warnings.push(annotation.warning);
  }
  return {
    // The Pod's own secrets keep their order; the policy's missing ones are appended.
    ...(added.length === 0 ? {} : { addedPullSecrets: added.map((name) => ({ name })) }),
    ...(annotation === undefined ? {} : { originalImagesAnnotation: annotation.value }),
  };
}

function secretNames(secrets: readonly SecretReference[] | undefined): string[] {
  const names: string[] = [];
  for (const secret of secrets ?? []) if (typeof secret.name === 'string') names.push(secret.name);
  return names;
}

/** Adds new originals to the recorded ones; earlier records win, so a re-run never forgets the first image. */
function mergeOriginalImages(
  current: string | undefined,
  originals: ReadonlyMap<string, string>,
): { value: string; warning?: string } | undefined {
  if (originals.size === 0) return undefined;
  // The common case, a Pod seen for the first time. Object.fromEntries defines own
  // properties, so a container named "__proto__" is recorded, not assigned to the prototype.
  if (current === undefined) return { value: JSON.stringify(Object.fromEntries(originals)) };
  const recorded = parseRecordedImages(current);
  // A Map, not an object: names come from untrusted input and may be "__proto__".
  const merged = new Map(Object.entries(recorded.images));
  for (const [name, image] of originals) if (!merged.has(name)) merged.set(name, image);
  const value = JSON.stringify(Object.fromEntries(merged));
  if (value === current) return undefined;
  return recorded.warning === undefined ? { value } : { value, warning: recorded.warning };
}

function parseRecordedImages(current: string): {
  images: Record<string, string>;
  warning?: string;
} {
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
