/**
 * Namespaces of one test run: unique names (`e2e-<run>-<purpose>`), opted in
 * or not, all deleted at the end. The run id is random per process, so runs
 * against an existing cluster never collide.
 */
import { randomBytes } from 'node:crypto';
import type { CoreV1Api, V1Namespace } from '@kubernetes/client-node';
import { apiStatus } from './api-errors.ts';
import { settings } from './settings.ts';

/** Random per test process: part of every namespace name and label of the run. */
export const RUN_ID = randomBytes(3).toString('hex');

/** Labels every namespace of the suite carries, so leftovers can be found. */
export const RUN_LABELS = {
  'app.kubernetes.io/part-of': 'harbor-image-webhook-e2e',
  'e2e.harbor-image-webhook/run': RUN_ID,
} as const;

/** Namespace deletions in flight at once. */
const DELETE_BATCH = 10;

export interface NamespaceOptions {
  /** Carry the opt-in label (`harbor-image-webhook/enabled=true` by default). */
  readonly optIn: boolean;
  /** More labels, e.g. the one a test's own registration selects on. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Creates and deletes the namespaces of one test file. */
export class NamespaceTracker {
  readonly #core: CoreV1Api;
  readonly #created: string[] = [];

  constructor(core: CoreV1Api) {
    this.#core = core;
  }

  /**
   * Creates `e2e-<run>-<purpose>` (purpose: lowercase letters, digits and `-`)
   * and returns its name.
   */
  async create(purpose: string, options: NamespaceOptions): Promise<string> {
    const name = `e2e-${RUN_ID}-${purpose}`.slice(0, 63).replace(/-+$/, '');
    const { key, value } = settings.expected.optInLabel;
    const body: V1Namespace = {
      metadata: {
        name,
        labels: { ...RUN_LABELS, ...(options.optIn ? { [key]: value } : {}), ...options.labels },
      },
    };
    await this.#core.createNamespace({ body });
    this.#created.push(name);
    return name;
  }

  /** Deletes every namespace this tracker created, a few at a time; a missing one is fine. */
  async deleteAll(): Promise<void> {
    const names = this.#created.splice(0);
    for (let start = 0; start < names.length; start += DELETE_BATCH) {
      await Promise.all(names.slice(start, start + DELETE_BATCH).map((name) => this.#delete(name)));
    }
  }

  async #delete(name: string): Promise<void> {
    try {
      await this.#core.deleteNamespace({ name });
    } catch (error) {
      if (apiStatus(error) !== 404) throw error;
    }
  }
}

/** Adds (or overwrites) `labels` on namespace `name`, by JSON Patch. */
export async function labelNamespace(
  core: CoreV1Api,
  name: string,
  labels: Readonly<Record<string, string>>,
): Promise<void> {
  const escape = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');
  await core.patchNamespace({
    name,
    body: Object.entries(labels).map(([key, value]) => ({
      op: 'add',
      path: `/metadata/labels/${escape(key)}`,
      value,
    })),
  });
}
