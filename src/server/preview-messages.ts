/**
 * The messages between the server's main thread and its preview worker
 * (preview-runner.ts ⇄ preview-worker.ts). Plain data only: they cross
 * threads by structured clone, and bodies by transfer (no copy).
 */
import type { NamespaceFacts } from '../core/namespace-policy.ts';
import type { PreviewLimits } from '../preview/preview-limits.ts';
import type { ImageReference } from '../core/reference.ts';
import type { RegistryLookup } from '../core/registry-lookup.ts';

/** Main → worker. */
export type ToPreviewWorker =
  /** The policy text the main thread's current policy was compiled from; the worker compiles its own. */
  | { readonly type: 'policy'; readonly text: string }
  | {
      readonly type: 'job';
      readonly id: number;
      readonly body: Uint8Array;
      readonly namespace: string | undefined;
      readonly limits: PreviewLimits;
      /** True when the server watches namespaces: the worker asks for the facts of those the input names. */
      readonly withNamespaces: boolean;
      /** True when the server verifies with Harbor: the worker asks for the lookups the input needs. */
      readonly withLookups: boolean;
    }
  | {
      readonly type: 'lookups';
      readonly id: number;
      /** By lookup key; a Map survives structured clone. */
      readonly lookups: ReadonlyMap<string, RegistryLookup>;
    }
  | {
      readonly type: 'facts';
      readonly id: number;
      readonly facts: readonly NamespaceFacts[];
    };

/** Worker → main. */
export type FromPreviewWorker =
  /** The job's deadline runs from here: a new worker loads its modules first. */
  | { readonly type: 'started'; readonly id: number }
  | { readonly type: 'facts-needed'; readonly id: number; readonly namespaces: readonly string[] }
  /**
   * Lookups run on the main thread, with the client admission uses: one
   * cache and one connection pool for both, and the credentials never leave
   * the main thread. Its event loop only waits on sockets meanwhile.
   */
  | {
      readonly type: 'lookups-needed';
      readonly id: number;
      readonly references: readonly ImageReference[];
    }
  | { readonly type: 'done'; readonly id: number; readonly reply: PreviewReply };

/** A preview's HTTP answer: the JSON response body as UTF-8 bytes, or a status and message. */
export type PreviewReply =
  | { readonly status: 200; readonly body: Uint8Array }
  | { readonly status: 400 | 413 | 500 | 503; readonly message: string };
