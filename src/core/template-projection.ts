/**
 * The patch is made by diffing, but not of the whole Pod: of a projection that
 * holds only the fields the webhook may change, at the same paths as in the
 * Pod. Diffing a 150 KB Pod would cost more than everything else the webhook
 * does; the projection keeps array positions and parent presence, so every
 * pointer the diff produces is valid against the real object.
 */
import {
  CONTAINER_LISTS,
  ORIGINAL_IMAGES_ANNOTATION,
  type PodTemplateView,
  type SecretReference,
} from './pod-template.ts';

/** What the mutation wants different; absent entries stay as they are. */
export interface TemplateEdits {
  /** New image per container, keyed by {@link containerKey}. */
  readonly images: ReadonlyMap<string, string>;
  /** New imagePullPolicy per container, keyed by {@link containerKey}. */
  readonly pullPolicies: ReadonlyMap<string, string>;
  readonly imagePullSecrets?: readonly SecretReference[];
  readonly originalImagesAnnotation?: string;
}

export const containerKey = (list: string, index: number): string => `${list}/${index}`;

type Projection = Record<string, unknown>;

/** The changeable fields of `view`, with `edits` applied when given. */
export function projectTemplate(view: PodTemplateView, edits?: TemplateEdits): Projection {
  const projection: Projection = {};
  const annotation = edits?.originalImagesAnnotation ?? view.originalImagesAnnotation;
  if (view.hasMetadata || annotation !== undefined) {
    projection['metadata'] =
      view.hasAnnotations || annotation !== undefined
        ? {
            annotations:
              annotation === undefined ? {} : { [ORIGINAL_IMAGES_ANNOTATION]: annotation },
          }
        : {};
  }
  const secrets = edits?.imagePullSecrets ?? view.imagePullSecrets;
  if (view.hasSpec || secrets !== undefined) {
    projection['spec'] = projectSpec(view, secrets, edits);
  }
  return projection;
}

function projectSpec(
  view: PodTemplateView,
  secrets: readonly SecretReference[] | undefined,
  edits: TemplateEdits | undefined,
): Projection {
  const spec: Projection = {};
  if (secrets !== undefined) spec['imagePullSecrets'] = secrets;
  for (const list of CONTAINER_LISTS) {
    const length = view.listLengths[list];
    if (length !== undefined) spec[list] = Array.from({ length }, () => ({}));
  }
  for (const container of view.containers) {
    const key = containerKey(container.list, container.index);
    const image = edits?.images.get(key) ?? container.image;
    const pullPolicy = edits?.pullPolicies.get(key) ?? container.imagePullPolicy;
    const entry = (spec[container.list] as Projection[])[container.index] as Projection;
    if (image !== undefined) entry['image'] = image;
    if (pullPolicy !== undefined) entry['imagePullPolicy'] = pullPolicy;
  }
  return spec;
}
