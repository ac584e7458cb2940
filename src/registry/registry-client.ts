/**
 * The registry client of one Harbor host: {@link RegistryLookups} for the
 * admission path and the preview, a start-up {@link probeRegistry probe},
 * and `close()`. Built once per policy by `createRegistryClient`.
 *
 * How a lookup is answered, and why:
 * - From the cache when it can (lookup-cache.ts): found results for
 *   `cacheSeconds`, then served stale while one background request
 *   refreshes them; missing for at most 30 s; unavailable for 2 s.
 * - Otherwise by one request per reference, shared by every concurrent
 *   lookup of the same {@link lookupKey} (single flight): a Deployment's
 *   replicas admitted together ask Harbor once.
 * - `lookupAll` resolves by its budget whatever the registry does: an
 *   unanswered reference is `unavailable: "no answer within N ms"`. The
 *   request goes on, bounded by `requestTimeoutMs`, and its answer fills the
 *   cache for the next admission. `close()` aborts it.
 * - Everything is asynchronous I/O on one keep-alive agent: the event loop
 *   never waits on Harbor.
 *
 * Observing: `onLookup(result, durationSeconds)` is called once per distinct
 * reference answered by `lookupAll`, with `found`, `missing`, `unavailable`
 * (including budget exhaustion) or `cached` (served from the cache, fresh or
 * stale), and the seconds from the start of that `lookupAll` to its answer.
 * Background refreshes answer nobody and are not reported. The server feeds
 * `harbor_image_webhook_registry_lookups_total{result}` and
 * `harbor_image_webhook_registry_lookup_duration_seconds` from it.
 */
import { Agent } from 'node:https';
import {
  LookupStatus,
  lookupKey,
  type RegistryLookup,
  type RegistryLookups,
} from '../core/registry-lookup.ts';
import type { ImageReference } from '../core/reference.ts';
import type { RegistryCredentials } from './docker-config.ts';
import { LookupCache, type CachedLookup } from './lookup-cache.ts';
import { lookUpManifest } from './manifest-lookup.ts';
import { RegistryAuth } from './registry-auth.ts';
import { RegistryRequestError } from './registry-http.ts';
import { probeRegistry, type RegistryProbe } from './registry-probe.ts';

/** What `onLookup` reports for one reference. */
export type LookupResult = LookupStatus | 'cached';

/** Receives one call per reference answered by `lookupAll` (see the module comment). */
export type LookupObserver = (result: LookupResult, durationSeconds: number) => void;

/** Options of {@link createRegistryClient}. */
export interface RegistryClientOptions {
  /** The Harbor host, with port if not 443: `harbor.example.com`, `harbor.local:8443`. */
  readonly host: string;
  /** PEM CA certificate(s) trusted for the registry and its token realm, instead of the system's. */
  readonly caPem?: string;
  /** Credentials for Basic auth and token requests; anonymous without. */
  readonly credentials?: RegistryCredentials;
  /** How long a found result is fresh (and then served stale for as long again). */
  readonly cacheSeconds: number;
  /** Bound of one lookup's requests (token and manifest together), past any budget. Default 5000. */
  readonly requestTimeoutMs?: number;
  /** Memory bound of the lookup cache. Default 4 MiB. */
  readonly cacheBytes?: number;
  /** Concurrent connections to Harbor. Default 16. */
  readonly maxSockets?: number;
  /** The clock of the caches (ms since epoch); `Date.now` by default. */
  readonly now?: () => number;
  readonly onLookup?: LookupObserver;
}

/** The client: lookups, a probe, and a close. */
export interface RegistryClient extends RegistryLookups {
  readonly host: string;
  cachedAll(references: readonly ImageReference[]): ReadonlyMap<string, RegistryLookup> | undefined;
  /** One `GET /v2/` with authentication, for the start-up log line; never rejects. */
  probe(timeoutMs?: number): Promise<RegistryProbe>;
  /** Aborts in-flight requests, closes connections; later lookups are `unavailable`. Idempotent. */
  close(): void;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
const DEFAULT_CACHE_BYTES = 4 * 1024 * 1024;
const DEFAULT_MAX_SOCKETS = 16;

class HarborRegistryClient implements RegistryClient {
  readonly host: string;
  readonly #agent: Agent;
  readonly #auth: RegistryAuth;
  readonly #cache: LookupCache;
  readonly #requestTimeoutMs: number;
  readonly #onLookup: LookupObserver | undefined;
  readonly #inFlight = new Map<string, Promise<RegistryLookup>>();
  readonly #controllers = new Set<AbortController>();
  #closed = false;

  constructor(options: RegistryClientOptions) {
    this.host = options.host.toLowerCase();
    this.#agent = new Agent({
      keepAlive: true,
      maxSockets: options.maxSockets ?? DEFAULT_MAX_SOCKETS,
      // TLS 1.2+ only; `ca` replaces the system roots for Harbor and its realm alike.
      minVersion: 'TLSv1.2',
      ...(options.caPem === undefined ? {} : { ca: options.caPem }),
    });
    const now = options.now ?? Date.now;
    this.#auth = new RegistryAuth({ agent: this.#agent, credentials: options.credentials, now });
    this.#cache = new LookupCache({
      cacheSeconds: options.cacheSeconds,
      budgetBytes: options.cacheBytes ?? DEFAULT_CACHE_BYTES,
      now,
    });
    this.#requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#onLookup = options.onLookup;
  }

  async lookupAll(
    references: readonly ImageReference[],
    budgetMs: number,
  ): Promise<ReadonlyMap<string, RegistryLookup>> {
    const started = performance.now();
    const byKey = new Map<string, ImageReference>();
    for (const reference of references) byKey.set(lookupKey(reference), reference);
    let timer: NodeJS.Timeout | undefined;
    const budgetSpent = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, budgetMs), undefined);
    });
    const observe = (result: LookupResult): void =>
      this.#observe(result, (performance.now() - started) / 1000);
    try {
      const entries = await Promise.all(
        [...byKey].map(async ([key, reference]): Promise<[string, RegistryLookup]> => {
          const cached = this.#cache.get(key);
          if (cached !== undefined) {
            if (cached.refresh) void this.#request(key, reference);
            observe('cached');
            return [key, cached.lookup];
          }
          const answer = await Promise.race([this.#request(key, reference), budgetSpent]);
          const lookup: RegistryLookup = answer ?? {
            status: LookupStatus.unavailable,
            reason: `no answer within ${budgetMs} ms`,
          };
          observe(lookup.status);
          return [key, lookup];
        }),
      );
      return new Map(entries);
    } finally {
      clearTimeout(timer);
    }
  }

  cachedAll(
    references: readonly ImageReference[],
  ): ReadonlyMap<string, RegistryLookup> | undefined {
    const hits: [string, ImageReference, CachedLookup][] = [];
    for (const reference of references) {
      const key = lookupKey(reference);
      const cached = this.#cache.get(key);
      if (cached === undefined) return undefined;
      hits.push([key, reference, cached]);
    }
    const answers = new Map<string, RegistryLookup>();
    for (const [key, reference, cached] of hits) {
      if (answers.has(key)) continue;
      if (cached.refresh) void this.#request(key, reference);
      this.#observe('cached', 0);
      answers.set(key, cached.lookup);
    }
    return answers;
  }

  /** Reports one answered reference to the metrics hook; a failing hook never fails a lookup. */
  #observe(result: LookupResult, durationSeconds: number): void {
    try {
      this.#onLookup?.(result, durationSeconds);
    } catch {
      // A failing metrics hook must not fail an admission: lookupAll never rejects.
    }
  }

  /** The shared request for `key`: joins the one in flight or starts it. Never rejects. */
  #request(key: string, reference: ImageReference): Promise<RegistryLookup> {
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const request = this.#lookUp(key, reference).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, request);
    return request;
  }

  async #lookUp(key: string, reference: ImageReference): Promise<RegistryLookup> {
    if (this.#closed) return { status: LookupStatus.unavailable, reason: 'registry client closed' };
    if (reference.registry.toLowerCase() !== this.host) {
      return { status: LookupStatus.unavailable, reason: `not on ${this.host}` };
    }
    const lookup = await this.#withTimeout(this.#requestTimeoutMs, (signal) =>
      lookUpManifest({ agent: this.#agent, auth: this.#auth, host: this.host }, reference, signal),
    );
    if (!this.#closed) this.#cache.set(key, lookup);
    return lookup;
  }

  /** Runs `work` with a signal aborted after `timeoutMs` or by `close()`. */
  async #withTimeout<T>(timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.#controllers.add(controller);
    const timer = setTimeout(
      () => controller.abort(new RegistryRequestError(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      return await work(controller.signal);
    } finally {
      clearTimeout(timer);
      this.#controllers.delete(controller);
    }
  }

  probe(timeoutMs = this.#requestTimeoutMs): Promise<RegistryProbe> {
    return this.#withTimeout(timeoutMs, (signal) =>
      probeRegistry({ agent: this.#agent, auth: this.#auth, host: this.host }, signal),
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const controller of this.#controllers) {
      controller.abort(new RegistryRequestError('registry client closed'));
    }
    this.#agent.destroy();
  }
}

/** A client for `options.host`. Call `close()` when the policy it serves is replaced. */
export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  return new HarborRegistryClient(options);
}
