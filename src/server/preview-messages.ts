/**
 * The messages between the server's main thread and its preview worker
 * (preview-runner.ts ⇄ preview-worker.ts). Plain data only: they cross
 * threads by structured clone, and bodies by transfer (no copy).
 */
import type { NamespaceFacts } from '../core/namespace-policy.ts';
import type { PreviewLimits } from '../preview/preview-limits.ts';

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
  | { readonly type: 'done'; readonly id: number; readonly reply: PreviewReply };

/** A preview's HTTP answer: the JSON response body as UTF-8 bytes, or a status and message. */
export type PreviewReply =
  | { readonly status: 200; readonly body: Uint8Array }
  | { readonly status: 400 | 413 | 500 | 503; readonly message: string };
