/**
 * Where each kind of workload keeps the pod template its Pods are made from.
 * The preview mutates the template at that path with the same engine that
 * mutates Pods at admission, so both always agree.
 */

/** JSON Pointer tokens of the pod template, by kind; a Pod is its own template. */
export const POD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  PodTemplate: ['template'],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** The template of `object` and its path, or undefined for kinds that make no Pods. */
export function findPodTemplate(
  kind: string,
  object: Record<string, unknown>,
): { readonly path: readonly string[]; readonly template: unknown } | undefined {
  const path = POD_TEMPLATE_PATHS[kind];
  if (path === undefined) return undefined;
  let node: unknown = object;
  for (const token of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  return node === undefined ? undefined : { path, template: node };
}
