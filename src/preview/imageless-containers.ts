/**
 * Containers the preview has nothing to decide about because they name no
 * image (a partial manifest, a kustomize base, a typo in "image"). Admission
 * never sees these (the apiserver requires an image); the preview lists them
 * with the reason, so nobody wonders why a container is missing from it.
 */
import { isJsonObject } from '../core/json-object.ts';
import { toPointer } from '../core/json-pointer.ts';
import { ChangeReason, type TemplateChange } from '../core/mutate.ts';
import { CONTAINER_LISTS } from '../core/pod-template.ts';

/**
 * One `no-image` entry per container of `template` without an image, at the
 * image's path. Called after planPod accepted the template's shape, so this
 * only looks, without checking it again.
 */
export function imagelessContainers(
  template: unknown,
  basePath: readonly string[],
): TemplateChange[] {
  const spec = isJsonObject(template) ? template['spec'] : undefined;
  if (!isJsonObject(spec)) return [];
  return CONTAINER_LISTS.flatMap((list) => {
    const containers = spec[list];
    if (!Array.isArray(containers)) return [];
    return containers.flatMap((container: unknown, index) => {
      if (!isJsonObject(container)) return [];
      const { image, name } = container;
      if (typeof image === 'string' && image !== '') return [];
      const label = typeof name === 'string' ? JSON.stringify(name) : `#${index}`;
      return [
        {
          path: toPointer([...basePath, 'spec', list, index, 'image']),
          from: null,
          to: null,
          reason: ChangeReason.noImage,
          message: `container ${label} has no image; nothing to rewrite`,
        },
      ];
    });
  });
}
