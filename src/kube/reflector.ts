/**
 * The list/watch loop that keeps one in-memory store in step with one API
 * collection, as client-go's reflector does, but handing the store only the
 * small record `toRecord` keeps of each object (client-node's informer cache
 * would hold whole objects).
 *
 * - List (paged), replace the store, then watch from the list's resourceVersion.
 * - A watch that ends or breaks resumes from the last resourceVersion seen
 *   (bookmarks included), without a relist.
 * - "410 Gone" (HTTP status, or a watch ERROR event) means that resourceVersion
 *   was compacted away: relist.
 * - Failures wait an exponential, capped, jittered delay; the delay starts over
 *   only after a watch stayed up for `healthyWatchMs`, so a watch that fails
 *   at once can never spin.
 */
import type { Logger } from '../server/logger.ts';
import { createBackoff, sleep as realSleep, type BackoffOptions, type Sleep } from './backoff.ts';
import { isGone, statusError, type ListWatchSource, type WatchEvent } from './list-watch.ts';
import { readResourceVersion } from './object-metadata.ts';

/** Where a reflector puts what it sees. Called synchronously, in event order. */
export interface ReflectorStore<R> {
  /** The whole collection, after a (re)list. */
  replace(records: ReadonlyMap<string, R>): void;
  upsert(key: string, record: R): void;
  remove(key: string, record: R): void;
}

/** Why the loop lists or watches again: for logs and metrics. */
export type RestartReason = 'closed' | 'gone' | 'error';

export interface ReflectorOptions<R> {
  /** For logs, e.g. "namespaces". */
  readonly name: string;
  readonly source: ListWatchSource;
  /** The key and the record kept of an API object; undefined skips the object. */
  readonly toRecord: (object: unknown) => { key: string; record: R } | undefined;
  readonly store: ReflectorStore<R>;
  readonly logger: Logger;
  /** Aborting it ends the loop. */
  readonly signal: AbortSignal;
  readonly backoff?: BackoffOptions;
  /** A watch that stayed up this long resets the backoff (default 10 s). */
  readonly healthyWatchMs?: number;
  /** Called once, after the first complete list. */
  readonly onSynced?: () => void;
  readonly onRestart?: (reason: RestartReason) => void;
  /** Injected by tests. */
  readonly sleep?: Sleep;
  readonly now?: () => number;
}

interface Cycle {
  /** Where to resume; undefined means relist. */
  readonly resourceVersion: string | undefined;
  readonly healthy: boolean;
  readonly reason: RestartReason;
}

/** Runs until `options.signal` aborts; never rejects. */
export async function runReflector<R>(options: ReflectorOptions<R>): Promise<void> {
  const { signal, logger } = options;
  const backoff = createBackoff(options.backoff);
  const wait = options.sleep ?? realSleep;
  const log = logger.child({ collection: options.name });
  let synced = false;
  const markSynced = () => {
    if (synced) return;
    synced = true;
    options.onSynced?.();
  };
  let resourceVersion: string | undefined;
  while (!signal.aborted) {
    const cycle = await runCycle(options, resourceVersion, markSynced, log);
    if (signal.aborted) break;
    resourceVersion = cycle.resourceVersion;
    options.onRestart?.(cycle.reason);
    if (cycle.healthy) {
      backoff.reset();
      log.debug({ reason: cycle.reason }, 'watch ended; continuing');
      continue;
    }
    const delayMs = backoff.next();
    log.debug({ reason: cycle.reason, delayMs, failures: backoff.failures }, 'waiting to retry');
    await wait(delayMs, signal);
  }
}

/** One (re)list if needed, then one watch. */
async function runCycle<R>(
  options: ReflectorOptions<R>,
  resumeFrom: string | undefined,
  markSynced: () => void,
  log: Logger,
): Promise<Cycle> {
  const now = options.now ?? Date.now;
  const position = { resourceVersion: resumeFrom };
  try {
    position.resourceVersion ??= await relist(options, log);
    markSynced();
    const startedAt = now();
    await options.source.watch(
      position.resourceVersion,
      (event) => applyEvent(options, event, position),
      options.signal,
    );
    const healthy = now() - startedAt >= (options.healthyWatchMs ?? 10_000);
    return { resourceVersion: position.resourceVersion, healthy, reason: 'closed' };
  } catch (error) {
    const gone = isGone(error);
    if (!options.signal.aborted) {
      log.warn(
        { err: error, resourceVersion: position.resourceVersion },
        gone ? 'resourceVersion expired; relisting' : 'list or watch failed',
      );
    }
    return {
      resourceVersion: gone ? undefined : position.resourceVersion,
      healthy: false,
      reason: gone ? 'gone' : 'error',
    };
  }
}

async function relist<R>(options: ReflectorOptions<R>, log: Logger): Promise<string> {
  const startedAt = performance.now();
  const records = new Map<string, R>();
  let continueToken: string | undefined;
  let resourceVersion: string;
  let pages = 0;
  do {
    const page = await options.source.list(continueToken, options.signal);
    for (const item of page.items) {
      const entry = options.toRecord(item);
      if (entry !== undefined) records.set(entry.key, entry.record);
    }
    resourceVersion = page.resourceVersion;
    continueToken = page.continue;
    pages += 1;
  } while (continueToken !== undefined);
  options.store.replace(records);
  log.info(
    {
      records: records.size,
      pages,
      resourceVersion,
      durationMs: Math.round(performance.now() - startedAt),
    },
    'listed',
  );
  return resourceVersion;
}

function applyEvent<R>(
  options: ReflectorOptions<R>,
  event: WatchEvent,
  position: { resourceVersion: string | undefined },
): void {
  // Throwing ends the watch; runCycle decides between resuming and relisting.
  if (event.type === 'ERROR') throw statusError(event.object);
  if (event.type !== 'BOOKMARK') {
    const entry = options.toRecord(event.object);
    if (entry !== undefined && event.type === 'DELETED')
      options.store.remove(entry.key, entry.record);
    else if (entry !== undefined) options.store.upsert(entry.key, entry.record);
  }
  position.resourceVersion = readResourceVersion(event.object) ?? position.resourceVersion;
}
