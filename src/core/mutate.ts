/**
 * The mutation: `(pod template, policy) → decisions, changes and a JSON Patch`.
 * Pure. Used by admission (a Pod at the root) and by the preview (a workload's
 * template at `/spec/template`), so both always agree.
 */
import type { Operation } from 'fast-json-patch';
import { deniesPod, finalReference, warnsAuthor, type ImageDecision } from './image-decision.ts';
import {
  decideImageMemoized,
  verifiedWith,
  type MemoizedDecision,
} from './image-decision-cache.ts';
import { toPointer } from './json-pointer.ts';
import { planOriginalImages, type RecordPlan } from './original-images.ts';
import type { Policy } from './policy.ts';
import type { ImageReference } from './reference.ts';
import type { LookupStatus } from './registry-lookup.ts';
import { isPinnedForm, lookupTarget, type LookupResults } from './verification.ts';
import {
  containerKey,
  ORIGINAL_IMAGES_POINTER,
  readPodTemplate,
  type ContainerView,
  type PodTemplateView,
  type SecretReference,
} from './pod-template.ts';
import { decidePullPolicy, type PullPolicyChange } from './pull-policy.ts';
import { patchTemplate, type ContainerEdit, type TemplateEdits } from './template-patch.ts';

/** Stable codes for every entry of {@link TemplateMutation.changes}. */
export const ChangeReason = {
  rewritten: 'rewritten',
  alreadyOnHarbor: 'already-on-harbor',
  excluded: 'excluded',
  noRule: 'no-rule',
  invalidReference: 'invalid-reference',
  rewriteInvalid: 'rewrite-invalid',
  keptMissing: 'kept-missing',
  keptUnavailable: 'kept-unavailable',
  deniedMissing: 'denied-missing',
  deniedUnavailable: 'denied-unavailable',
  pullPolicy: 'pull-policy',
  pullSecrets: 'pull-secrets',
  originalImages: 'original-images',
  /** Reported by the preview when the namespace lacks an injected pull Secret. */
  secretMissing: 'secret-missing',
  /** Reported by the preview for a container that names no image. */
  noImage: 'no-image',
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
  /** What Harbor said about the rewritten image, on image changes when the policy verifies. */
  readonly verify?: LookupStatus;
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
  /** Why verification refuses the Pod, one line per image (`verify.onMissing/onUnavailable: deny`); empty when admitted. */
  readonly denials: readonly string[];
}

/**
 * Which containers to touch. A Pod CREATE touches all of them and the Pod's
 * pull secrets and annotation; an update of `pods/ephemeralcontainers` only
 * the ephemeral containers it adds, since the apiserver keeps the rest of the
 * Pod from that subresource; a Pod UPDATE only the containers whose image it
 * changes, and the annotation.
 */
export type MutationScope =
  | { readonly kind: 'whole-pod' }
  | { readonly kind: 'new-ephemeral-containers'; readonly existing: ReadonlySet<string> }
  | { readonly kind: 'changed-images'; readonly previous: PreviousPod };

/** What a Pod UPDATE's `oldObject` held. */
export interface PreviousPod {
  /** Image of each container, by {@link containerKey}. */
  readonly images: ReadonlyMap<string, string | undefined>;
  readonly originalImagesAnnotation: string | undefined;
}

export interface MutationOptions {
  /** JSON Pointer tokens of the template inside the object: `[]` for a Pod, `['spec', 'template']` for a Deployment. */
  readonly basePath?: readonly string[];
  readonly scope?: MutationScope;
  /**
   * What Harbor said about the rewritten references, when the policy
   * verifies; a reference without a result counts as unavailable. Without
   * it nothing is verified (the offline preview).
   */
  readonly lookups?: LookupResults;
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
  const read = readTemplate(template);
  if (!read.ok) return read;
  return { ok: true, mutation: mutateView(read.view, policy, options) };
}

/**
 * The template's view, or why it cannot be mutated: what {@link mutateView}
 * and {@link referencesToVerify} work on, so a verified admission reads the
 * Pod once for both.
 */
export function readTemplate(
  template: unknown,
):
  | { readonly ok: true; readonly view: PodTemplateView }
  | { readonly ok: false; readonly problem: string } {
  const read = readPodTemplate(template);
  if (!read.ok) return read;
  const count = read.view.containers.length;
  if (count > MAX_CONTAINERS) {
    return {
      ok: false,
      problem: `the Pod has ${count} containers; at most ${MAX_CONTAINERS} are processed`,
    };
  }
  return read;
}

/**
 * {@link mutatePodTemplate} of a template already read by {@link readTemplate};
 * `decided` when its images were decided already (a verified admission's
 * first step did, to know what to look up).
 */
export function mutateView(
  view: PodTemplateView,
  policy: Policy,
  options: MutationOptions = {},
  decided: ContainerDecisions = decideContainers(view, policy, options.scope),
): TemplateMutation {
  const base = toPointer(options.basePath ?? []);
  const scope = options.scope ?? WHOLE_POD;
  const planned = planContainers(view, policy, decided, { scope, base, lookups: options.lookups });
  const patch = patchTemplate(
    view,
    {
      containers: planned.edits,
      ...(scope.kind === 'whole-pod' ? planPullSecrets(view, policy, planned, base) : {}),
      ...planRecord(view, policy, planned, { scope, base }),
    },
    base,
  );
  return {
    decisions: planned.decisions,
    changes: planned.changes,
    patch,
    warnings: planned.warnings,
    denials: planned.denials,
  };
}

/**
 * The memoized decision for each container's image, aligned with
 * `view.containers`: undefined for a container out of scope or without an
 * image.
 */
export type ContainerDecisions = readonly (MemoizedDecision | undefined)[];

export function decideContainers(
  view: PodTemplateView,
  policy: Policy,
  scope: MutationScope = WHOLE_POD,
): ContainerDecisions {
  return view.containers.map((container) =>
    container.image === undefined || !isInScope(container, scope)
      ? undefined
      : decideImageMemoized(container.image, policy),
  );
}

/**
 * The references whose lookups verifying these decisions needs, each once:
 * the rewrites, when the policy verifies (only then do decisions carry a
 * lookup key).
 */
export function referencesToVerify(decided: ContainerDecisions): ImageReference[] {
  // The memoized keys are the same strings every time, their hashes already computed.
  const keys = new Set<string>();
  const targets: ImageReference[] = [];
  for (const memoized of decided) {
    if (memoized?.lookupKey === undefined || keys.has(memoized.lookupKey)) continue;
    const target = lookupTarget(memoized.decision);
    if (target === undefined) continue;
    keys.add(memoized.lookupKey);
    targets.push(target);
  }
  return targets;
}

interface ContainerPlan {
  readonly decisions: ContainerDecision[];
  readonly changes: TemplateChange[];
  readonly warnings: string[];
  readonly denials: string[];
  /** Containers whose image or pull policy changes. */
  readonly edits: ContainerEdit[];
  /** Container name → image before rewriting, for the annotation. */
  readonly originals: Map<string, string>;
  /** False on a Pod UPDATE: the apiserver refuses any change of `imagePullPolicy` there. */
  readonly setsPullPolicy: boolean;
}

interface ContainerScope {
  readonly scope: MutationScope;
  readonly base: string;
  readonly lookups: LookupResults | undefined;
}

function planContainers(
  view: PodTemplateView,
  policy: Policy,
  decided: ContainerDecisions,
  where: ContainerScope,
): ContainerPlan {
  const { scope, base } = where;
  const plan: ContainerPlan = {
    decisions: [],
    changes: [],
    warnings: [],
    denials: [],
    edits: [],
    originals: new Map(),
    setsPullPolicy: scope.kind !== 'changed-images',
  };
  // Without lookups nothing is verified; mode off never reaches the lookup code at all.
  const lookups = policy.verify.mode === 'off' ? undefined : where.lookups;
  for (const [index, container] of view.containers.entries()) {
    const memoized = decided[index];
    if (memoized === undefined) continue;
    planContainer(plan, container, policy, {
      path: `${base}/spec/${container.list}/${container.index}`,
      decided: lookups === undefined ? memoized : verifiedWith(memoized, lookups, policy.verify),
      verified: lookups !== undefined,
    });
  }
  return plan;
}

function planContainer(
  plan: ContainerPlan,
  container: ContainerView,
  policy: Policy,
  at: {
    readonly path: string;
    /** The decision for the container's image, verified when `verified`. */
    readonly decided: MemoizedDecision;
    readonly verified: boolean;
  },
): void {
  const { decision, finalImage: to, explanation } = at.decided;
  const image = decision.image;
  const containerPath = at.path;
  plan.decisions.push({ container, decision });
  plan.changes.push({
    path: `${containerPath}/image`,
    from: image,
    to,
    reason: decision.outcome,
    message: explanation,
    ...(at.verified ? verifyField(decision) : {}),
  });
  const rewritten = to !== image;
  if (rewritten && container.name !== undefined) plan.originals.set(container.name, image);
  reportToAuthor(plan, container, decision, explanation);
  const pullPolicy = planPullPolicy(plan, container, policy, finalReference(decision));
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

/** The pull policy to write, if any; on a Pod UPDATE one the mode wants is a warning instead. */
function planPullPolicy(
  plan: ContainerPlan,
  container: ContainerView,
  policy: Policy,
  reference: ImageReference | undefined,
): PullPolicyChange | undefined {
  if (reference === undefined) return undefined;
  const wanted = decidePullPolicy(policy.imagePullPolicy, container.imagePullPolicy, reference);
  if (wanted === undefined || plan.setsPullPolicy) return wanted;
  plan.warnings.push(
    `${describeContainer(container)}: imagePullPolicy stays ${container.imagePullPolicy ?? 'unset'}, ` +
      `since a Pod update may not change it (imagePullPolicy: ${policy.imagePullPolicy} ` +
      `would set ${wanted.to}: ${wanted.because})`,
  );
  return undefined;
}

/** The warning or the refusal the Pod's author gets for a decision, if any. */
function reportToAuthor(
  plan: ContainerPlan,
  container: ContainerView,
  decision: ImageDecision,
  explanation: string,
): void {
  if (warnsAuthor(decision)) {
    plan.warnings.push(`${describeContainer(container)}: ${explanation}`);
  } else if (deniesPod(decision)) {
    plan.denials.push(`${describeContainer(container)}: image "${decision.image}": ${explanation}`);
  }
}

/** The change's `verify` field: Harbor's answer, when the decision was verified. */
function verifyField(decision: ImageDecision): { verify?: LookupStatus } {
  const verification = 'verification' in decision ? decision.verification : undefined;
  return verification === undefined ? {} : { verify: verification.status };
}

function isInScope(container: ContainerView, scope: MutationScope): boolean {
  switch (scope.kind) {
    case 'whole-pod':
      return true;
    case 'new-ephemeral-containers':
      return (
        container.list === 'ephemeralContainers' &&
        (container.name === undefined || !scope.existing.has(container.name))
      );
    case 'changed-images':
      return scope.previous.images.get(containerKey(container)) !== container.image;
  }
}

function planPullSecrets(
  view: PodTemplateView,
  policy: Policy,
  plan: ContainerPlan,
  base: string,
): Pick<TemplateEdits, 'addedPullSecrets'> {
  const present = secretNames(view.imagePullSecrets);
  const added = policy.imagePullSecrets.filter((name) => !present.includes(name));
  if (added.length === 0) return {};
  plan.changes.push({
    path: `${base}/spec/imagePullSecrets`,
    from: present,
    to: [...present, ...added],
    reason: ChangeReason.pullSecrets,
    message: `added pull secrets: ${added.join(', ')}`,
  });
  // The Pod's own secrets keep their order; the policy's missing ones are appended.
  return { addedPullSecrets: added.map((name) => ({ name })) };
}

/**
 * The record annotation's edit. Not on `pods/ephemeralcontainers` (the
 * apiserver keeps metadata from that subresource), and not on an UPDATE that
 * changes neither an image nor the annotation: such an UPDATE gets no patch.
 */
function planRecord(
  view: PodTemplateView,
  policy: Policy,
  plan: ContainerPlan,
  where: { scope: MutationScope; base: string },
): Pick<TemplateEdits, 'originalImagesAnnotation'> {
  const { scope, base } = where;
  if (scope.kind === 'new-ephemeral-containers') return {};
  const previous = scope.kind === 'changed-images' ? scope.previous : undefined;
  const current = view.originalImagesAnnotation;
  if (previous !== undefined && plan.decisions.length === 0) {
    if (current === previous.originalImagesAnnotation) return {};
  }
  const record: RecordPlan = planOriginalImages({
    current,
    previous: previous?.originalImagesAnnotation,
    rewritten: plan.originals,
    annotations: view.annotations,
    verify: verifier(view, policy),
  });
  plan.warnings.push(...record.warnings);
  const { edit } = record;
  if (edit.kind === 'keep') return {};
  plan.changes.push({
    path: `${base}${ORIGINAL_IMAGES_POINTER}`,
    from: current ?? null,
    to: edit.kind === 'write' ? edit.value : null,
    reason: ChangeReason.originalImages,
    message:
      edit.kind === 'write'
        ? 'recorded the original images of rewritten containers'
        : `removed the record: ${edit.because}`,
  });
  return { originalImagesAnnotation: edit.kind === 'write' ? edit.value : null };
}

/**
 * True when container `name` runs what the policy makes of `original`: the
 * record's claim holds. Containers rewritten now are never asked about.
 */
function verifier(
  view: PodTemplateView,
  policy: Policy,
): (name: string, original: string) => boolean {
  let images: Map<string, string[]> | undefined;
  return (name, original) => {
    images ??= imagesByName(view);
    const running = images.get(name);
    if (running === undefined) return false;
    const to = decideImageMemoized(original, policy).finalImage;
    if (to === original) return false;
    if (running.includes(to)) return true;
    return policy.verify.mode === 'pin' && running.some((image) => isPinnedForm(image, to));
  };
}

/** Kubernetes requires names unique over all three lists; a template need not be valid yet. */
function imagesByName(view: PodTemplateView): Map<string, string[]> {
  const images = new Map<string, string[]>();
  for (const { name, image } of view.containers) {
    if (name === undefined || image === undefined) continue;
    const known = images.get(name);
    if (known === undefined) images.set(name, [image]);
    else known.push(image);
  }
  return images;
}

function secretNames(secrets: readonly SecretReference[] | undefined): string[] {
  const names: string[] = [];
  for (const secret of secrets ?? []) if (typeof secret.name === 'string') names.push(secret.name);
  return names;
}

function describeContainer(container: ContainerView): string {
  const name = container.name === undefined ? '' : ` "${container.name}"`;
  return `${container.list}[${container.index}]${name}`;
}
