/**
 * The JSON Patch for a mutation, built straight from the edits. The webhook
 * only ever changes four kinds of field, and for each the right operation is
 * known from the view: `replace` where the field holds a string, `add` where
 * it is absent (or holds something else, which `add` replaces), `add` of the
 * whole parent where the parent is missing, and `remove` for a record that
 * can no longer be kept. Building it directly costs a
 * fraction of diffing two projections (BENCHMARKS.md, finding 8).
 */
import type { Operation } from 'fast-json-patch';
import {
  ORIGINAL_IMAGES_ANNOTATION,
  ORIGINAL_IMAGES_POINTER,
  type ContainerList,
  type ContainerView,
  type PodTemplateView,
  type SecretReference,
} from './pod-template.ts';

/** New values for one container; an absent field stays as it is. */
export interface ContainerEdit {
  readonly container: ContainerView;
  readonly image?: string;
  readonly imagePullPolicy?: string;
}

/** What the mutation wants different; absent entries stay as they are. */
export interface TemplateEdits {
  /** In the view's order: by list, then by index. */
  readonly containers: readonly ContainerEdit[];
  /** Appended after the template's own `imagePullSecrets`. */
  readonly addedPullSecrets?: readonly SecretReference[];
  /** The record's new value; `null` removes it. */
  readonly originalImagesAnnotation?: string | null;
}

/**
 * `spec` keys in pointer order. Operations come out sorted by path, so the
 * same Pod always gets the same patch, readable top-down.
 */
const SPEC_ORDER = ['containers', 'ephemeralContainers', 'imagePullSecrets', 'initContainers'];

/** The patch that applies `edits` to the template at pointer `base` (`''` for a Pod). */
export function patchTemplate(
  view: PodTemplateView,
  edits: TemplateEdits,
  base: string,
): Operation[] {
  const patch: Operation[] = [];
  const annotation = edits.originalImagesAnnotation;
  if (annotation === null) patch.push(...annotationRemoval(view, base));
  else if (annotation !== undefined) patch.push(annotationOperation(view, annotation, base));
  const secrets = edits.addedPullSecrets ?? [];
  if (!view.hasSpec) {
    // No spec means no containers: only pull secrets can be added, with the spec around them.
    if (secrets.length > 0) {
      patch.push({ op: 'add', path: `${base}/spec`, value: { imagePullSecrets: [...secrets] } });
    }
    return patch;
  }
  for (const key of SPEC_ORDER) {
    if (key === 'imagePullSecrets') patch.push(...secretOperations(view, secrets, base));
    else pushContainerOperations(patch, edits.containers, key as ContainerList, base);
  }
  return patch;
}

function annotationOperation(view: PodTemplateView, value: string, base: string): Operation {
  if (!view.hasMetadata) {
    return {
      op: 'add',
      path: `${base}/metadata`,
      value: { annotations: { [ORIGINAL_IMAGES_ANNOTATION]: value } },
    };
  }
  if (view.annotations === undefined) {
    return {
      op: 'add',
      path: `${base}/metadata/annotations`,
      value: { [ORIGINAL_IMAGES_ANNOTATION]: value },
    };
  }
  return {
    op: view.originalImagesAnnotation === undefined ? 'add' : 'replace',
    path: `${base}${ORIGINAL_IMAGES_POINTER}`,
    value,
  };
}

function annotationRemoval(view: PodTemplateView, base: string): Operation[] {
  const present =
    view.annotations !== undefined && Object.hasOwn(view.annotations, ORIGINAL_IMAGES_ANNOTATION);
  return present ? [{ op: 'remove', path: `${base}${ORIGINAL_IMAGES_POINTER}` }] : [];
}

function secretOperations(
  view: PodTemplateView,
  added: readonly SecretReference[],
  base: string,
): Operation[] {
  if (added.length === 0) return [];
  const existing = view.imagePullSecrets;
  if (existing === undefined) {
    return [{ op: 'add', path: `${base}/spec/imagePullSecrets`, value: [...added] }];
  }
  return added.map((secret, offset) => ({
    op: 'add',
    path: `${base}/spec/imagePullSecrets/${existing.length + offset}`,
    value: secret,
  }));
}

function pushContainerOperations(
  patch: Operation[],
  edits: readonly ContainerEdit[],
  list: ContainerList,
  base: string,
): void {
  for (const { container, image, imagePullPolicy } of edits) {
    if (container.list !== list) continue;
    const path = `${base}/spec/${list}/${container.index}`;
    // The container's image was read as a string, so it is there to replace.
    if (image !== undefined) patch.push({ op: 'replace', path: `${path}/image`, value: image });
    if (imagePullPolicy !== undefined) {
      patch.push({
        op: container.imagePullPolicy === undefined ? 'add' : 'replace',
        path: `${path}/imagePullPolicy`,
        value: imagePullPolicy,
      });
    }
  }
}
