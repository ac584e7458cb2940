/**
 * The source pull Secret, watched by name in its namespace (one object, the
 * only Secret whose data this process holds: it has to copy it). A rotation
 * shows up as a new hash.
 */
import type { Collection } from './list-watch.ts';
import { field, readMetadata } from './object-metadata.ts';
import { DOCKER_CONFIG_KEY, dockerConfigHash, type SyncSettings } from './pull-secret-copy.ts';
import type { SourceState } from './pull-secret-plan.ts';
import type { ReflectorStore } from './reflector.ts';

export function sourceCollection(settings: SyncSettings): Collection {
  return {
    path: `/api/v1/namespaces/${encodeURIComponent(settings.sourceNamespace)}/secrets`,
    fieldSelector: `metadata.name=${settings.sourceName}`,
    metadataOnly: false,
  };
}

export function toSourceState(object: unknown): { key: string; record: SourceState } | undefined {
  const metadata = readMetadata(object);
  if (metadata === undefined) return undefined;
  const value = field(field(object, 'data'), DOCKER_CONFIG_KEY);
  const record: SourceState =
    typeof value === 'string' && value !== ''
      ? { status: 'present', dockerConfigJson: value, hash: dockerConfigHash(value) }
      : { status: 'invalid', reason: `it has no "${DOCKER_CONFIG_KEY}" data key` };
  return { key: metadata.name, record };
}

export interface SourceStore extends ReflectorStore<SourceState> {
  readonly state: SourceState;
}

/** `onChange` runs when the source appears, disappears, becomes unusable or rotates. */
export function createSourceStore(onChange: (state: SourceState) => void): SourceStore {
  let state: SourceState = { status: 'unknown' };
  const set = (next: SourceState) => {
    if (sameSource(state, next)) return;
    state = next;
    onChange(next);
  };
  return {
    get state() {
      return state;
    },
    replace: (records) => set(records.values().next().value ?? { status: 'missing' }),
    upsert: (_key, record) => set(record),
    remove: () => set({ status: 'missing' }),
  };
}

function sameSource(a: SourceState, b: SourceState): boolean {
  if (a.status === 'present' && b.status === 'present') return a.hash === b.hash;
  if (a.status === 'invalid' && b.status === 'invalid') return a.reason === b.reason;
  return a.status === b.status;
}
