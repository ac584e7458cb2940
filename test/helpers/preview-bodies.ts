/**
 * The costliest /preview bodies the review found, for flood tests: each is as
 * large as the body limit allows and shaped to cost the most per byte.
 */
import { loadJsonFixture } from './fixtures.ts';

const MiB = 1024 * 1024;

/** `a: 1` documents, ~800 000 of them in 8 MiB: ~20 s of YAML parsing on the event loop before the fix. */
export function tinyDocuments(bytes = 8 * MiB - 1024): string {
  return 'a: 1\n---\n'.repeat(Math.floor(bytes / 10));
}

/** One YAML (not JSON) flow sequence: a single document, so no document limit stops it. */
export function yamlFlowSequence(bytes = 2 * MiB - 1024): string {
  return `[${'a, '.repeat(Math.floor(bytes / 3) - 1)}a]`;
}

/** A List of `count` Pods with `containers` containers each: the most preview work per request. */
export function podList(count = 500, containers = 20): string {
  const { request } = loadJsonFixture<{ request: { object: { spec: { containers: object[] } } } }>(
    'pod-create-v1.json',
  );
  const pod = request.object;
  const [container] = pod.spec.containers;
  pod.spec.containers = Array.from({ length: containers }, (_, index) => ({
    ...container,
    name: `c${index}`,
    image: `nginx:1.${index}`,
  }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: Array(count).fill(pod) });
}

/** Every worst-case body, by name: the review's, and the costliest each limit lets through. */
export function worstCaseBodies(): ReadonlyMap<string, string> {
  return new Map([
    ['8 MiB of tiny documents', tinyDocuments()],
    ['2 MiB of tiny documents', tinyDocuments(2 * MiB - 1024)],
    ['YAML flow sequence', yamlFlowSequence()],
    ['500 Pods of 20 containers', podList()],
  ]);
}
