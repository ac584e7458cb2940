/**
 * Runs /preview bodies on one worker thread (preview-worker.ts), so a large or
 * hostile manifest never holds the event loop that answers /mutate: the main
 * thread only moves bytes. One preview runs at a time, a few wait, and any
 * more are refused before their body is read. A preview past its deadline, or
 * one that exhausts the worker's heap, ends the worker; the next preview
 * starts a new one.
 */
import { Worker } from 'node:worker_threads';
import type { NamespaceDirectory, NamespaceFacts } from '../core/namespace-policy.ts';
import { PREVIEW_FLAG_DEFAULTS } from '../config/serve-config.ts';
import { DEFAULT_PREVIEW_LIMITS, type PreviewLimits } from '../preview/preview-limits.ts';
import type { ImageReference } from '../core/reference.ts';
import type { LiveState } from './live-state.ts';
import { lookUpWithin } from './registry-lookups.ts';
import type { Logger } from './logger.ts';
import type { FromPreviewWorker, PreviewReply, ToPreviewWorker } from './preview-messages.ts';

export type { PreviewReply };

/** What one preview may cost, and how many may wait. */
export interface PreviewSettings extends PreviewLimits {
  /** Largest request body, in bytes. */
  readonly maxBodyBytes: number;
  /** A preview still running after this is stopped (413). */
  readonly timeoutMs: number;
  /** Previews that may wait while one runs; more are refused with 503 before their body is read. */
  readonly maxQueued: number;
  /** The worker's heap limit; a preview needing more is refused (413). */
  readonly maxHeapMb: number;
}

/** The flags' defaults (serve-config.ts), and a queue and heap sized for the chart's 256 MiB limit. */
export const DEFAULT_PREVIEW_SETTINGS: PreviewSettings = Object.freeze({
  ...DEFAULT_PREVIEW_LIMITS,
  ...PREVIEW_FLAG_DEFAULTS,
  maxQueued: 1,
  maxHeapMb: 64,
});

export interface PreviewRunner {
  /** Takes a place for one request, before its body is read; false when every place is taken. */
  reserve(): boolean;
  /** Gives back a place taken by {@link reserve}. */
  release(): void;
  /** Previews `body` on the worker. Never rejects. */
  run(body: Buffer, namespace: string | undefined): Promise<PreviewReply>;
  /** Ends the worker; previews still waiting are answered 503. */
  close(): Promise<void>;
}

export interface PreviewRunnerOptions {
  readonly state: LiveState;
  readonly directory: NamespaceDirectory | undefined;
  readonly settings: PreviewSettings;
  readonly logger: Logger;
}

interface Pending {
  readonly id: number;
  readonly body: Buffer;
  readonly namespace: string | undefined;
  readonly answer: (reply: PreviewReply) => void;
}

interface Running {
  readonly worker: Worker;
  /** The policy text this worker compiled last. */
  policyText: string | undefined;
  crash: Error | undefined;
}

/** How long a new worker may take to load its modules, on top of a preview's deadline. */
const WORKER_START_ALLOWANCE_MS = 10_000;

// Type stripping runs the .ts sources (tests, `npm start` in development); the build emits .js.
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './preview-worker.ts' : './preview-worker.js',
  import.meta.url,
);

/** Creates the runner; the worker starts with the first preview, not with the server. */
export function createPreviewRunner(options: PreviewRunnerOptions): PreviewRunner {
  const { settings, logger } = options;
  const waiting: Pending[] = [];
  let current: Running | undefined;
  let job: { pending: Pending; timer: NodeJS.Timeout | undefined } | undefined;
  let reserved = 0;
  let nextId = 1;
  let closed = false;

  const finish = (reply: PreviewReply): void => {
    if (job === undefined) return;
    clearTimeout(job.timer);
    job.pending.answer(reply);
    job = undefined;
    startNext();
  };

  /** (Re)starts the running job's deadline: past it the worker is ended and the job answered 413. */
  const armDeadline = (running: Running, ms: number): void => {
    if (job === undefined) return;
    clearTimeout(job.timer);
    job.timer = setTimeout(() => {
      current = undefined;
      void running.worker.terminate();
      logger.warn({ timeoutMs: settings.timeoutMs }, 'preview stopped at its deadline');
      finish({
        status: 413,
        message: `the preview took longer than ${settings.timeoutMs / 1000} s, the most one preview may take; split the input`,
      });
    }, ms);
  };

  const startWorker = (): Running => {
    const worker = new Worker(WORKER_URL, {
      resourceLimits: { maxOldGenerationSizeMb: settings.maxHeapMb, maxYoungGenerationSizeMb: 8 },
    });
    worker.unref();
    const running: Running = { worker, policyText: undefined, crash: undefined };
    worker.on('message', (message: FromPreviewWorker) => {
      if (job?.pending.id !== message.id) return;
      if (message.type === 'done') finish(message.reply);
      else if (message.type === 'started') armDeadline(running, settings.timeoutMs);
      else if (message.type === 'lookups-needed') lookUp(running, message.id, message.references);
      else post(running, { type: 'facts', id: message.id, facts: factsOf(message.namespaces) });
    });
    worker.on('error', (error) => (running.crash = error));
    worker.on('exit', () => {
      if (current !== running) return;
      current = undefined;
      finish(crashReply(running.crash, settings, logger));
    });
    return running;
  };

  const factsOf = (namespaces: readonly string[]): NamespaceFacts[] =>
    namespaces.flatMap((name) => {
      const facts = options.directory?.lookup(name);
      // Copied field by field: the view's records may hold what structured clone refuses.
      return facts === undefined
        ? []
        : [{ name, annotations: { ...facts.annotations }, pullSecretNames: facts.pullSecretNames }];
    });

  /** Looks up for the worker's job, within the policy's budget; answers only if the job still runs there. */
  const lookUp = (running: Running, id: number, references: readonly ImageReference[]): void => {
    const { state } = options;
    void lookUpWithin(state.lookups, references, state.policy.verify.budgetMs).then(
      ({ lookups }) => {
        if (current === running && job?.pending.id === id) {
          post(running, { type: 'lookups', id, lookups });
        }
      },
    );
  };

  const startNext = (): void => {
    const pending = job === undefined && !closed ? waiting.shift() : undefined;
    if (pending === undefined) return;
    current ??= startWorker();
    const running = current;
    const policyText = options.state.policyText;
    if (running.policyText !== policyText) {
      post(running, { type: 'policy', text: policyText });
      running.policyText = policyText;
    }
    job = { pending, timer: undefined };
    // Until the worker says it started (a new one loads its modules first), the deadline allows for that.
    armDeadline(running, settings.timeoutMs + WORKER_START_ALLOWANCE_MS);
    const body = ownedBytes(pending.body);
    post(
      running,
      {
        type: 'job',
        id: pending.id,
        body,
        namespace: pending.namespace,
        limits: settings,
        withNamespaces: options.directory !== undefined,
        withLookups: options.state.policy.verify.mode !== 'off',
      },
      [body.buffer],
    );
  };

  return {
    reserve() {
      if (closed || reserved >= settings.maxQueued + 1) return false;
      reserved += 1;
      return true;
    },
    release() {
      reserved = Math.max(0, reserved - 1);
    },
    run(body, namespace) {
      if (closed) return Promise.resolve(unavailable('the server is stopping'));
      return new Promise((answer) => {
        waiting.push({ id: nextId++, body, namespace, answer });
        startNext();
      });
    },
    async close() {
      closed = true;
      for (const pending of waiting.splice(0))
        pending.answer(unavailable('the server is stopping'));
      const running = current;
      current = undefined;
      finish(unavailable('the server is stopping'));
      await running?.worker.terminate();
    },
  };
}

function post(running: Running, message: ToPreviewWorker, transfer: ArrayBuffer[] = []): void {
  running.worker.postMessage(message, transfer);
}

/**
 * The body's bytes in memory of their own, to transfer to the worker without
 * a copy: Fastify's body is a `Buffer.concat`, which owns its memory from
 * 4 KiB on; a smaller one may sit in Buffer's shared pool and is copied.
 * The request's Buffer is left detached (empty); nothing reads it after this.
 */
function ownedBytes(body: Buffer): Uint8Array<ArrayBuffer> {
  const memory = body.buffer;
  const owned = body.byteOffset === 0 && body.byteLength === memory.byteLength;
  return owned && memory instanceof ArrayBuffer ? new Uint8Array(memory) : new Uint8Array(body);
}

function unavailable(why: string): PreviewReply {
  return { status: 503, message: why };
}

function crashReply(
  crash: Error | undefined,
  settings: PreviewSettings,
  logger: Logger,
): PreviewReply {
  if ((crash as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    logger.warn({ maxHeapMb: settings.maxHeapMb }, 'preview ran out of memory; worker restarted');
    return {
      status: 413,
      message: `the preview needed more than ${settings.maxHeapMb} MiB, the most one preview may use; split the input`,
    };
  }
  logger.error({ err: crash }, 'preview worker stopped; restarted for the next preview');
  return { status: 500, message: 'internal error; see the webhook log' };
}
