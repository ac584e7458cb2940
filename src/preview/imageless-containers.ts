/**
 * Containers the preview has nothing to decide about because they name no
 * image (a partial manifest, a kustomize base, a typo in "image"). Admission
 * never sees these (the apiserver requires an image); the preview lists them
 * with the reason, so nobody wonders why a container is missing from it.
 */
import { toPointer } from '../core/json-pointer.ts';
import { ChangeReason, type TemplateChange } from '../core/mutate.ts';
import { readPodTemplate } from '../core/pod-template.ts';

/** One `no-image` entry per container of `template` without an image, at the image's path. */
export function imagelessContainers(
  template: unknown,
  basePath: readonly string[],
): TemplateChange[] {
  const read = readPodTemplate(template);
  if (!read.ok) return [];
  return read.view.containers
    .filter((container) => container.image === undefined || container.image === '')
    .map((container) => ({
      path: toPointer([...basePath, 'spec', container.list, String(container.index), 'image']),
      from: null,
      to: null,
      reason: ChangeReason.noImage,
      message: `container ${container.name === undefined ? `#${container.index}` : JSON.stringify(container.name)} has no image; nothing to rewrite`,
    }));
}
