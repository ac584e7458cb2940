/**
 * A read-only view of the parts of a Pod (or a workload's pod template) that
 * the webhook reads: container images and pull policies, pull secrets, and its
 * own annotation. Input is untrusted JSON, so shapes are checked here, once.
 */

import { escapePointerToken } from './json-pointer.ts';
import { isJsonObject, type JsonObject } from './json-object.ts';

export const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;
export type ContainerList = (typeof CONTAINER_LISTS)[number];

/** The annotation that records what was rewritten: JSON, container name → original image. */
export const ORIGINAL_IMAGES_ANNOTATION = 'harbor-image-webhook/original-images';

/** Its JSON Pointer below the template (the `/` in the key spelled `~1`), escaped once. */
export const ORIGINAL_IMAGES_POINTER = `/metadata/annotations/${escapePointerToken(ORIGINAL_IMAGES_ANNOTATION)}`;

/** One container, where it sits, and the two fields the webhook may change. */
export interface ContainerView {
  readonly list: ContainerList;
  readonly index: number;
  readonly name: string | undefined;
  readonly image: string | undefined;
  readonly imagePullPolicy: string | undefined;
}

/**
 * Identifies a container across an UPDATE's old and new object: its list and
 * name (the apiserver refuses renaming one), or its index when it has no name.
 */
export function containerKey(container: ContainerView): string {
  return container.name === undefined
    ? `${container.list}#${container.index}`
    : `${container.list}/${container.name}`;
}

/** One `imagePullSecrets` entry, kept whole so nothing the user wrote is lost. */
export type SecretReference = Readonly<Record<string, unknown>> & { readonly name?: unknown };

export interface PodTemplateView {
  readonly hasMetadata: boolean;
  /** `metadata.annotations` when it is an object: where the record goes, and what counts towards its size limit. */
  readonly annotations: Readonly<JsonObject> | undefined;
  /** The current value of {@link ORIGINAL_IMAGES_ANNOTATION}, if any. */
  readonly originalImagesAnnotation: string | undefined;
  readonly hasSpec: boolean;
  readonly containers: readonly ContainerView[];
  readonly imagePullSecrets: readonly SecretReference[] | undefined;
}

export type ReadTemplate =
  | { readonly ok: true; readonly view: PodTemplateView }
  | { readonly ok: false; readonly problem: string };

const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** Reads a Pod or pod template (`{metadata, spec}`), refusing shapes Kubernetes would refuse. */
export function readPodTemplate(template: unknown): ReadTemplate {
  if (!isJsonObject(template)) return fail('pod template must be an object');
  const { metadata, spec } = template;
  const problem = checkShape(metadata, spec);
  if (problem !== undefined) return fail(problem);
  const containers = readContainers((spec as JsonObject | undefined) ?? {});
  if (!Array.isArray(containers)) return fail(containers.problem);
  return {
    ok: true,
    view: toView(metadata as JsonObject | undefined, spec as JsonObject | undefined, containers),
  };
}

function checkShape(metadata: unknown, spec: unknown): string | undefined {
  if (metadata !== undefined && !isJsonObject(metadata)) return 'metadata must be an object';
  if (spec !== undefined && !isJsonObject(spec)) return 'spec must be an object';
  if (!isAbsentOr(metadata?.['annotations'], isJsonObject))
    return 'metadata.annotations must be an object';
  if (!isAbsentOr(spec?.['imagePullSecrets'], isArrayOfObjects)) {
    return 'spec.imagePullSecrets must be a list of objects';
  }
  return undefined;
}

// `null` is how YAML and JSON spell "not set"; Kubernetes reads it as absent too.
function isAbsentOr(value: unknown, check: (value: unknown) => boolean): boolean {
  return value === undefined || value === null || check(value);
}

function toView(
  metadata: JsonObject | undefined,
  spec: JsonObject | undefined,
  containers: ContainerView[],
): PodTemplateView {
  const annotations = metadata?.['annotations'];
  const secrets = spec?.['imagePullSecrets'];
  return {
    hasMetadata: metadata !== undefined,
    annotations: isJsonObject(annotations) ? annotations : undefined,
    originalImagesAnnotation: isJsonObject(annotations)
      ? optionalString(annotations[ORIGINAL_IMAGES_ANNOTATION])
      : undefined,
    hasSpec: spec !== undefined,
    containers,
    imagePullSecrets: Array.isArray(secrets) ? (secrets as SecretReference[]) : undefined,
  };
}

function readContainers(spec: JsonObject): ContainerView[] | { problem: string } {
  const views: ContainerView[] = [];
  for (const list of CONTAINER_LISTS) {
    const entries = spec[list];
    if (entries === undefined || entries === null) continue;
    if (!isArrayOfObjects(entries)) return { problem: `spec.${list} must be a list of objects` };
    entries.forEach((container, index) => {
      views.push({
        list,
        index,
        name: optionalString(container['name']),
        image: optionalString(container['image']),
        imagePullPolicy: optionalString(container['imagePullPolicy']),
      });
    });
  }
  return views;
}

function isArrayOfObjects(value: unknown): value is JsonObject[] {
  return Array.isArray(value) && value.every(isJsonObject);
}

function fail(problem: string): ReadTemplate {
  return { ok: false, problem };
}
