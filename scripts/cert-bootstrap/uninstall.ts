/**
 * `cert-bootstrap uninstall`: the chart's post-delete hook. `helm uninstall`
 * deletes what the release rendered, never what its programs made at run
 * time: the TLS Secret (made by `create`, or by cert-manager) and the
 * pull-secret copies the webhook wrote into opted-in namespaces. This
 * deletes those: the Secrets of the release namespace by name, and the
 * copies by the labels the webhook puts on them (`src/kube/pull-secret-copy.ts`)
 * for this release's source only, so the source itself, Secrets without the
 * labels and another release's copies are never touched.
 *
 * Copies go with one `deletecollection` per namespace carrying the label
 * selector: the hook needs no `list`/`get` on Secrets, which would let its
 * token read every Secret in the cluster, only `list` on Namespaces.
 * Idempotent: the hook Job reruns it after any failure.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { copiesOfSourceSelector } from '../../src/kube/pull-secret-copy.ts';
import { HttpStatus, hasHttpStatus } from './api-status.ts';

/** The CoreV1Api calls `uninstall` makes; tests pass a fake. */
export type UninstallClient = Pick<
  CoreV1Api,
  'deleteNamespacedSecret' | 'deleteCollectionNamespacedSecret' | 'listNamespace'
>;

/** `namespace/name` of a Secret, split. */
export interface SecretRef {
  namespace: string;
  name: string;
}

/** Flags of `uninstall`. */
export interface UninstallOptions {
  namespace: string;
  /** Secrets of `namespace` to delete by name (the TLS Secret). */
  secretNames: string[];
  /** Source of the pull-secret copies to delete; undefined: the release syncs none. */
  pullSecretSource: SecretRef | undefined;
  /** Send the deletes with `dryRun=All`. */
  dryRun: boolean;
}

/** What `uninstall` did, printed as one JSON line. */
export interface UninstallResult {
  command: 'uninstall';
  /** `namespace/name` of each named Secret: deleted, or already gone. */
  secrets: Record<string, 'deleted' | 'absent'>;
  /** The copies' label selector and how many namespaces it was applied in. */
  copies: { selector: string; namespaces: number } | undefined;
  dryRun: boolean;
}

/** Namespaces per list page; a bound on the pages keeps a misbehaving server from looping us. */
const PAGE_SIZE = 500;
const MAX_PAGES = 1000;
/** Namespaces swept at once: quick on thousands of namespaces, gentle on the apiserver. */
const SWEEP_CONCURRENCY = 8;

export async function uninstallRelease(
  client: UninstallClient,
  options: UninstallOptions,
): Promise<UninstallResult> {
  const dryRun = options.dryRun ? { dryRun: 'All' } : {};
  const secrets: UninstallResult['secrets'] = {};
  for (const name of options.secretNames) {
    const key = `${options.namespace}/${name}`;
    secrets[key] = await ignoringNotFound(
      client.deleteNamespacedSecret({ name, namespace: options.namespace, ...dryRun }),
    );
  }
  let copies: UninstallResult['copies'];
  if (options.pullSecretSource !== undefined) {
    const { namespace, name } = options.pullSecretSource;
    const selector = copiesOfSourceSelector(namespace, name);
    const namespaces = await listNamespaces(client);
    await forEachConcurrently(namespaces, SWEEP_CONCURRENCY, async (target) => {
      try {
        await ignoringNotFound(
          client.deleteCollectionNamespacedSecret({
            namespace: target,
            labelSelector: selector,
            ...dryRun,
          }),
        );
      } catch (error) {
        throw new Error(`cannot delete the pull-secret copies in namespace ${target}`, {
          cause: error,
        });
      }
    });
    copies = { selector, namespaces: namespaces.length };
  }
  return { command: 'uninstall', secrets, copies, dryRun: options.dryRun };
}

/** 404 means already gone (or its namespace is): that is the state we want. */
async function ignoringNotFound(request: Promise<unknown>): Promise<'deleted' | 'absent'> {
  try {
    await request;
    return 'deleted';
  } catch (error) {
    if (hasHttpStatus(error, HttpStatus.notFound)) return 'absent';
    throw error;
  }
}

async function listNamespaces(client: UninstallClient): Promise<string[]> {
  const names: string[] = [];
  let next: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const list = await client.listNamespace({
      limit: PAGE_SIZE,
      ...(next === undefined ? {} : { _continue: next }),
    });
    for (const item of list.items) {
      if (item.metadata?.name !== undefined) names.push(item.metadata.name);
    }
    next = list.metadata?._continue || undefined;
    if (next === undefined) return names;
  }
  throw new Error(`the namespace list did not end within ${MAX_PAGES} pages`);
}

/** Runs `work` on every item, at most `limit` at a time; rejects with the first failure. */
async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
