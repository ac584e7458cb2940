/**
 * Keeps the Harbor client that registry verification uses in step with the
 * policy: built when `verify.mode` is not off, rebuilt when the policy's
 * Harbor settings change or the CA or credentials files do (a rotated
 * Secret), closed when verify is turned off. Each new client is probed once
 * (`GET /v2/`) and the finding logged; nothing here decides readiness, so a
 * Harbor outage never takes the webhook down. Lookups are counted in the
 * metrics through the client's observer hook.
 */
import type { Policy } from '../core/policy.ts';
import type { RegistryLookups } from '../core/registry-lookup.ts';
import { watchFiles } from './file-watch.ts';
import type { LiveState } from './live-state.ts';
import type { Logger } from './logger.ts';
import { LOOKUP_GUARD_SLACK_MS } from './registry-lookups.ts';
import type { WebhookMetrics } from './metrics.ts';

/** What the client reports per reference answered: a status, or served from its cache. */
export type LookupResult = 'found' | 'missing' | 'unavailable' | 'cached';
export type LookupObserver = (result: LookupResult, durationSeconds: number) => void;

/** The probe's finding; holds no secret. */
export interface ProbeFinding {
  readonly reachable: boolean;
  /** `accepted`, `refused`, `missing`, `not-needed` or `unknown`. */
  readonly credentials: string;
  /** The finding as a sentence: `harbor.example.com: reachable, bearer auth, credentials accepted`. */
  readonly summary: string;
}

/** What the wiring needs of a client (src/registry's `RegistryClient`). */
export interface VerifyClient extends RegistryLookups {
  probe(timeoutMs?: number): Promise<ProbeFinding>;
  /** Aborts in-flight requests; later lookups are unavailable. */
  close(): void;
}

export type BuiltClient =
  | {
      readonly ok: true;
      readonly client: VerifyClient;
      /** The files it was built from and their bytes, to notice when they change. */
      readonly files: readonly { readonly path: string; readonly content: Buffer }[];
    }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Builds the client a verifying policy asks for: reads `harbor.caFile` and `harbor.credentialsFile`. */
export type BuildClient = (policy: Policy, onLookup: LookupObserver) => Promise<BuiltClient>;

export interface RegistryWiringOptions {
  readonly state: LiveState;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  /** How often the CA and credentials files are re-read. */
  readonly intervalMs: number;
  readonly build: BuildClient;
}

export interface RegistryWiring {
  /**
   * Takes `policy` into use: builds, rebuilds or closes the client. Resolves
   * with the problems when a client was needed and could not be built (then
   * lookups answer unavailable, which `verify.onUnavailable` decides).
   */
  apply(policy: Policy): Promise<readonly string[]>;
  /** Stops watching and closes the client. */
  close(): void;
}

/** How long one probe may take; it only writes a log line. */
const PROBE_TIMEOUT_MS = 5000;

interface Current {
  readonly settings: string;
  readonly client: VerifyClient;
  readonly stopWatch: () => void;
}

export function startRegistryWiring(options: RegistryWiringOptions): RegistryWiring {
  const { state, logger } = options;
  const onLookup = lookupObserver(options.metrics);
  let current: Current | undefined;
  // A later apply supersedes one still building: only the newest policy's client is kept.
  let generation = 0;

  const retire = (old: Current | undefined, graceMs: number): void => {
    if (old === undefined) return;
    old.stopWatch();
    // Admissions that picked the old client up finish their lookups first.
    setTimeout(() => old.client.close(), graceMs).unref();
  };

  const apply = async (policy: Policy, filesChanged = false): Promise<readonly string[]> => {
    const settings = clientSettings(policy);
    const graceMs = policy.verify.budgetMs + LOOKUP_GUARD_SLACK_MS;
    if (settings === undefined) {
      generation += 1;
      retire(current, graceMs);
      current = undefined;
      state.lookups = undefined;
      return [];
    }
    if (!filesChanged && current?.settings === settings) return [];
    const mine = ++generation;
    const built = await options.build(policy, onLookup);
    if (mine !== generation) {
      if (built.ok) built.client.close();
      return [];
    }
    retire(current, graceMs);
    if (!built.ok) {
      current = undefined;
      state.lookups = undefined;
      logger.error(
        { harborHost: policy.harborHost, problems: built.problems },
        'cannot build the Harbor client for verify; every lookup answers unavailable',
      );
      return built.problems;
    }
    current = {
      settings,
      client: built.client,
      stopWatch: watchClientFiles(built.files),
    };
    state.lookups = built.client;
    void probe(built.client, logger);
    return [];
  };

  const watchClientFiles = (files: readonly { path: string; content: Buffer }[]) =>
    files.length === 0
      ? () => {}
      : watchFiles({
          files: files.map((file) => file.path),
          initial: files.map((file) => file.content),
          intervalMs: options.intervalMs,
          onChange: async () => {
            logger.info(
              { files: files.map((file) => file.path) },
              'Harbor CA or credentials file changed; rebuilding the Harbor client',
            );
            await apply(state.policy, true);
            return true;
          },
          onError: (error) =>
            logger.warn(
              { err: error, files: files.map((file) => file.path) },
              'cannot read the Harbor CA or credentials file; keeping the current client',
            ),
        });

  return {
    apply: (policy) => apply(policy),
    close() {
      generation += 1;
      current?.stopWatch();
      current?.client.close();
      current = undefined;
      state.lookups = undefined;
    },
  };
}

/** What the client is built from; undefined when the policy does not verify. */
function clientSettings(policy: Policy): string | undefined {
  if (policy.verify.mode === 'off') return undefined;
  return JSON.stringify([
    policy.harborHost,
    policy.harborCaFile ?? null,
    policy.harborCredentialsFile ?? null,
    policy.verify.cacheSeconds,
  ]);
}

/** Feeds the lookup metrics: every answer counted by result, requests (not cache hits) timed. */
function lookupObserver(metrics: WebhookMetrics): LookupObserver {
  const counters = {
    found: metrics.registryLookups.labels({ result: 'found' }),
    missing: metrics.registryLookups.labels({ result: 'missing' }),
    unavailable: metrics.registryLookups.labels({ result: 'unavailable' }),
    cached: metrics.registryLookups.labels({ result: 'cached' }),
  };
  return (result, durationSeconds) => {
    counters[result].inc();
    if (result !== 'cached') metrics.registryLookupDuration.observe(durationSeconds);
  };
}

/** One `GET /v2/`, logged: whether Harbor is reachable and takes the credentials. */
async function probe(client: VerifyClient, logger: Logger): Promise<void> {
  try {
    const finding = await client.probe(PROBE_TIMEOUT_MS);
    const usable = finding.reachable && ['accepted', 'not-needed'].includes(finding.credentials);
    const fields = {
      harborReachable: finding.reachable,
      harborCredentials: finding.credentials,
      probe: finding.summary,
    };
    if (usable) logger.info(fields, 'Harbor probe: lookups can be answered');
    else
      logger.warn(
        fields,
        'Harbor probe failed: lookups will answer unavailable (verify.onUnavailable) until Harbor is reachable and accepts the credentials',
      );
  } catch (error) {
    logger.warn({ err: error }, 'Harbor probe failed');
  }
}
