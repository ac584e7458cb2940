/**
 * Reads what `inventory` needs from the live cluster: Namespaces (metadata
 * only) and the Pods that have not finished, page by page (`limit` and
 * `continue`), each page handed on before the next is asked for, so memory
 * holds one page. Failures become {@link ClusterReadError}s that say what to
 * do, never a stack.
 */
import type { InventoryBuilder, InventoryNamespaceInput } from '../core/inventory.ts';
import { NamespaceAnnotation } from '../core/namespace-policy.ts';
import type { ApiTransport } from './api-transport.ts';
import { ApiStatusError, collectionListWatch, type Collection } from './list-watch.ts';
import { field, readMetadata, stringField } from './object-metadata.ts';
import { optInState } from './opt-in-label.ts';

/** Which namespaces: one by name, or all of them. */
export type InventoryScope =
  { readonly kind: 'namespace'; readonly name: string } | { readonly kind: 'all' };

export interface InventoryReadOptions {
  readonly transport: ApiTransport;
  readonly scope: InventoryScope;
  /** `key=value`, checked. */
  readonly optInLabel: string;
  /** The API server's URL, for messages. */
  readonly server: string;
  /** Items per list page (default 500, kubectl's chunk size). */
  readonly pageSize?: number;
  /** Abort each request after this long (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** At most this many pages per collection (default 10,000), so a server that never ends a list cannot hold us. */
  readonly maxPages?: number;
}

/** A cluster read that failed for a reason the user can act on. */
export class ClusterReadError extends Error {
  override readonly name = 'ClusterReadError';
}

/** Pods that still run or wait to: those a rollout touches. */
const UNFINISHED = 'status.phase!=Succeeded,status.phase!=Failed';

const KEPT_ANNOTATIONS: readonly string[] = Object.values(NamespaceAnnotation);

/** Feeds the Namespaces and Pods of `options.scope` into `builder`. */
export async function readInventory(
  builder: InventoryBuilder,
  options: InventoryReadOptions,
): Promise<void> {
  const { scope } = options;
  const namespaces: Collection = {
    path: '/api/v1/namespaces',
    ...(scope.kind === 'namespace' ? { fieldSelector: `metadata.name=${scope.name}` } : {}),
    metadataOnly: true,
  };
  let found = 0;
  await forEachItem(namespaces, options, (item) => {
    found += 1;
    builder.addNamespace(toNamespaceInput(item, options.optInLabel));
  });
  if (scope.kind === 'namespace' && found === 0) {
    throw new ClusterReadError(`namespace "${scope.name}" not found on ${options.server}`);
  }
  const pods: Collection = {
    path:
      scope.kind === 'namespace'
        ? `/api/v1/namespaces/${encodeURIComponent(scope.name)}/pods`
        : '/api/v1/pods',
    fieldSelector: UNFINISHED,
    metadataOnly: false,
  };
  await forEachItem(pods, options, (item) => {
    const namespace = stringField(field(item, 'metadata'), 'namespace');
    if (namespace !== undefined) builder.addPod(namespace, item);
  });
}

async function forEachItem(
  collection: Collection,
  options: InventoryReadOptions,
  onItem: (item: unknown) => void,
): Promise<void> {
  const source = collectionListWatch(options.transport, collection, {
    pageSize: options.pageSize ?? 500,
  });
  const maxPages = options.maxPages ?? 10_000;
  let continueToken: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const signal = AbortSignal.timeout(options.requestTimeoutMs ?? 30_000);
    let listed;
    try {
      listed = await source.list(continueToken, signal);
    } catch (error) {
      throw describeFailure(error, collection, options.server);
    }
    for (const item of listed.items) onItem(item);
    continueToken = listed.continue;
    if (continueToken === undefined) return;
  }
  throw new ClusterReadError(
    `listing ${collection.path} did not end after ${maxPages} pages; is ${options.server} a Kubernetes API server?`,
  );
}

function toNamespaceInput(item: unknown, optInLabel: string): InventoryNamespaceInput {
  const metadata = readMetadata(item);
  // Only the annotations the policy reads: a namespace's other annotations can be large.
  const kept: Record<string, string> = {};
  for (const key of KEPT_ANNOTATIONS) {
    const value = metadata?.annotations[key];
    if (value !== undefined) kept[key] = value;
  }
  return {
    name: metadata?.name ?? '',
    optIn: optInState(optInLabel, metadata?.labels),
    annotations: kept,
  };
}

const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
]);

/** The failure of listing `collection`, in words that say what to check. */
export function describeFailure(
  error: unknown,
  collection: Collection,
  server: string,
): ClusterReadError {
  const what = `list ${collection.path.replace(/^\/api\/v1\//, '')}`;
  if (error instanceof ApiStatusError) {
    const detail = error.message.replace(/^GET \S+: /, '');
    if (error.code === 401) {
      return new ClusterReadError(
        `${server} refused the credentials of the kubeconfig (${detail}); log in again or pick another context`,
        { cause: error },
      );
    }
    if (error.code === 403) {
      return new ClusterReadError(
        `forbidden to ${what} on ${server} (${detail}); inventory needs list on namespaces and pods`,
        { cause: error },
      );
    }
    return new ClusterReadError(`cannot ${what} on ${server}: ${detail}`, { cause: error });
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const name = (error as Error | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ClusterReadError(`${server} did not answer "${what}" in time; is it reachable?`, {
      cause: error,
    });
  }
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  const hint =
    code !== undefined && UNREACHABLE_CODES.has(code)
      ? 'is the cluster running, and is this the right context?'
      : 'check the server address and certificate in the kubeconfig';
  return new ClusterReadError(`cannot reach the Kubernetes API at ${server} (${reason}); ${hint}`, {
    cause: error,
  });
}
