/**
 * One filtered collection of the Kubernetes API seen as "list, then watch from
 * the list's resourceVersion": what a {@link runReflector} loop consumes. The
 * HTTP side is in api-transport.ts; tests hand the reflector a scripted fake.
 */
import type { ApiTransport } from './api-transport.ts';
import { field, readResourceVersion, stringField } from './object-metadata.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One line of a watch stream. For ERROR, `object` is a `Status`. */
export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: unknown;
}

/** One page of a list: `continue` is set while more pages follow. */
export interface ListPage {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
  readonly continue: string | undefined;
}

/** The API side of a reflector. */
export interface ListWatchSource {
  /** One page, from the start or from a `continue` token. */
  list(continueToken: string | undefined, signal: AbortSignal): Promise<ListPage>;
  /**
   * Streams events after `resourceVersion` until the server ends the watch
   * (resolves) or the connection fails (rejects; an HTTP error is an
   * {@link ApiStatusError}). Resolves when `signal` aborts.
   */
  watch(
    resourceVersion: string,
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

/** An HTTP error status from the apiserver, or the code of a watch ERROR event. */
export class ApiStatusError extends Error {
  override readonly name = 'ApiStatusError';
  readonly code: number;
  constructor(code: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** True for "410 Gone": the resourceVersion (or continue token) is too old; relist. */
export function isGone(error: unknown): boolean {
  return error instanceof ApiStatusError && error.code === 410;
}

/** The error a watch ERROR event carries. */
export function statusError(status: unknown): ApiStatusError {
  const code = field(status, 'code');
  return new ApiStatusError(
    typeof code === 'number' ? code : 500,
    stringField(status, 'message') ?? 'watch ERROR event without a message',
  );
}

/** Which collection, and how it is filtered. */
export interface Collection {
  /** e.g. `/api/v1/namespaces`, `/api/v1/secrets`, `/api/v1/namespaces/ns/secrets`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /**
   * Ask for `PartialObjectMetadata`: the apiserver sends no `data` or `spec`,
   * so Secret contents never reach this process.
   */
  readonly metadataOnly: boolean;
}

export interface CollectionOptions {
  /** Items per list page. */
  readonly pageSize?: number;
  /** Server-side watch timeout; randomized so replicas do not reconnect together. */
  readonly watchTimeoutSeconds?: () => number;
}

const ACCEPT_JSON = 'application/json';
const ACCEPT_METADATA_LIST = `application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,${ACCEPT_JSON}`;
const ACCEPT_METADATA = `application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,${ACCEPT_JSON}`;
const WATCH_EVENT_TYPES: ReadonlySet<string> = new Set([
  'ADDED',
  'MODIFIED',
  'DELETED',
  'BOOKMARK',
  'ERROR',
]);

/** A {@link ListWatchSource} over HTTP for `collection`. */
export function collectionListWatch(
  transport: ApiTransport,
  collection: Collection,
  options: CollectionOptions = {},
): ListWatchSource {
  const selectors = {
    labelSelector: collection.labelSelector,
    fieldSelector: collection.fieldSelector,
  };
  const watchTimeoutSeconds =
    options.watchTimeoutSeconds ?? (() => 300 + Math.floor(Math.random() * 300));
  return {
    async list(continueToken, signal) {
      const body = await transport.getJson({
        path: collection.path,
        query: { ...selectors, limit: String(options.pageSize ?? 500), continue: continueToken },
        accept: collection.metadataOnly ? ACCEPT_METADATA_LIST : ACCEPT_JSON,
        signal,
      });
      return parseListPage(body);
    },
    async watch(resourceVersion, onEvent, signal) {
      const timeoutSeconds = watchTimeoutSeconds();
      await transport.streamLines(
        {
          path: collection.path,
          query: {
            ...selectors,
            watch: 'true',
            resourceVersion,
            allowWatchBookmarks: 'true',
            timeoutSeconds: String(timeoutSeconds),
          },
          accept: collection.metadataOnly ? ACCEPT_METADATA : ACCEPT_JSON,
          signal,
          // A silent half-open connection would otherwise hang the watch forever.
          deadlineMs: (timeoutSeconds + 30) * 1000,
        },
        (line) => onEvent(parseWatchEvent(line)),
      );
    },
  };
}

function parseListPage(body: unknown): ListPage {
  // An empty PartialObjectMetadataList comes with `items` left out.
  const items = field(body, 'items') ?? [];
  const resourceVersion = readResourceVersion(body);
  if (!Array.isArray(items) || resourceVersion === undefined) {
    throw new Error(
      'the apiserver answered a list without an items array or metadata.resourceVersion',
    );
  }
  const next = stringField(field(body, 'metadata'), 'continue');
  return { items, resourceVersion, continue: next === '' ? undefined : next };
}

function parseWatchEvent(line: string): WatchEvent {
  const event: unknown = JSON.parse(line);
  const type = stringField(event, 'type');
  if (type === undefined || !WATCH_EVENT_TYPES.has(type)) {
    throw new Error(`unexpected watch event type ${JSON.stringify(type)}`);
  }
  return { type: type as WatchEventType, object: field(event, 'object') };
}
