/**
 * What the webhook remembers of the cluster's namespaces: for each opted-in
 * Namespace its `harbor-image-webhook/*` annotations, and for every namespace
 * the names (only the names) of its `kubernetes.io/dockerconfigjson` Secrets.
 *
 * `lookup` is a Map read. It returns the same frozen {@link NamespaceFacts}
 * object until that namespace's annotations or pull-secret names change, so
 * the effective policies memoized per facts object (namespace-policy-cache.ts)
 * are recomputed only then. Filled by two reflectors; no I/O here.
 */
import type { NamespaceDirectory, NamespaceFacts } from '../core/namespace-policy.ts';
import { readMetadata } from './object-metadata.ts';
import type { ReflectorStore } from './reflector.ts';

/** Only these annotations matter to the policy; the rest are not kept. */
export const ANNOTATION_PREFIX = 'harbor-image-webhook/';

export interface NamespaceRecord {
  readonly annotations: Readonly<Record<string, string>>;
  /** Deletion started: nothing may be created in it any more. */
  readonly terminating: boolean;
}

export interface SecretNameRecord {
  readonly namespace: string;
  readonly name: string;
}

/** Something about `namespace` changed: it opted in or out, its annotations, or its Secrets. */
export interface NamespaceChange {
  readonly namespace: string;
  readonly kind: 'namespace' | 'secrets';
}

export interface NamespaceStore extends NamespaceDirectory {
  /** Feed for the reflector of opted-in Namespaces. */
  readonly namespaces: ReflectorStore<NamespaceRecord>;
  /** Feed for the reflector of pull Secrets (all namespaces). */
  readonly secrets: ReflectorStore<SecretNameRecord>;
  /** The opted-in namespace `name`, if it is one. */
  namespace(name: string): NamespaceRecord | undefined;
  /** Names of the opted-in namespaces. */
  optedIn(): string[];
  /** Pull-secret names in any namespace, opted in or not. */
  secretNames(namespace: string): ReadonlySet<string>;
  /** Calls `listener` synchronously after every change; returns the unsubscribe. */
  subscribe(listener: (change: NamespaceChange) => void): () => void;
}

const NO_SECRETS: ReadonlySet<string> = new Set();

/** The record kept of a Namespace object. */
export function toNamespaceRecord(
  object: unknown,
): { key: string; record: NamespaceRecord } | undefined {
  const metadata = readMetadata(object);
  if (metadata === undefined) return undefined;
  const kept = Object.entries(metadata.annotations).filter(([key]) =>
    key.startsWith(ANNOTATION_PREFIX),
  );
  return {
    key: metadata.name,
    record: {
      annotations: Object.freeze(Object.fromEntries(kept)),
      terminating: metadata.deleting,
    },
  };
}

/** The record kept of a Secret object: its name and namespace, nothing else. */
export function toSecretNameRecord(
  object: unknown,
): { key: string; record: SecretNameRecord } | undefined {
  const metadata = readMetadata(object);
  if (metadata?.namespace === undefined) return undefined;
  const { namespace, name } = metadata;
  return { key: `${namespace}/${name}`, record: { namespace, name } };
}

export function createNamespaceStore(): NamespaceStore {
  const namespaces = new Map<string, NamespaceRecord>();
  const secrets = new Map<string, ReadonlySet<string>>();
  const facts = new Map<string, NamespaceFacts>();
  const listeners = new Set<(change: NamespaceChange) => void>();

  const notify = (change: NamespaceChange) => {
    for (const listener of listeners) listener(change);
  };
  // A new facts object only when what it shows changed (compared by identity:
  // unchanged annotations and name sets keep theirs).
  const refreshFacts = (name: string) => {
    const record = namespaces.get(name);
    if (record === undefined) return void facts.delete(name);
    const names = secrets.get(name) ?? NO_SECRETS;
    const current = facts.get(name);
    if (current?.annotations === record.annotations && current.pullSecretNames === names) return;
    facts.set(
      name,
      Object.freeze({ name, annotations: record.annotations, pullSecretNames: names }),
    );
  };
  const setNamespace = (name: string, record: NamespaceRecord | undefined) => {
    const old = namespaces.get(name);
    if (record === undefined) {
      if (old === undefined) return;
      namespaces.delete(name);
    } else {
      if (old !== undefined && sameNamespace(old, record)) return;
      const annotations =
        old !== undefined && sameMap(old.annotations, record.annotations)
          ? old.annotations
          : record.annotations;
      namespaces.set(name, { annotations, terminating: record.terminating });
    }
    refreshFacts(name);
    notify({ namespace: name, kind: 'namespace' });
  };
  const setSecretNames = (namespace: string, names: ReadonlySet<string>) => {
    const old = secrets.get(namespace) ?? NO_SECRETS;
    if (sameSet(old, names)) return;
    if (names.size === 0) secrets.delete(namespace);
    else secrets.set(namespace, names);
    refreshFacts(namespace);
    notify({ namespace, kind: 'secrets' });
  };

  return {
    lookup: (name) => facts.get(name),
    namespace: (name) => namespaces.get(name),
    optedIn: () => [...namespaces.keys()],
    secretNames: (namespace) => secrets.get(namespace) ?? NO_SECRETS,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    namespaces: {
      replace(records) {
        for (const name of [...namespaces.keys()]) {
          if (!records.has(name)) setNamespace(name, undefined);
        }
        for (const [name, record] of records) setNamespace(name, record);
      },
      upsert: (name, record) => setNamespace(name, record),
      remove: (name) => setNamespace(name, undefined),
    },
    secrets: {
      replace(records) {
        const next = new Map<string, Set<string>>();
        for (const { namespace, name } of records.values()) {
          let names = next.get(namespace);
          if (names === undefined) next.set(namespace, (names = new Set()));
          names.add(name);
        }
        for (const namespace of [...secrets.keys()]) {
          if (!next.has(namespace)) setSecretNames(namespace, NO_SECRETS);
        }
        for (const [namespace, names] of next) setSecretNames(namespace, names);
      },
      upsert(_key, { namespace, name }) {
        const old = secrets.get(namespace) ?? NO_SECRETS;
        if (!old.has(name)) setSecretNames(namespace, new Set(old).add(name));
      },
      remove(_key, { namespace, name }) {
        const old = secrets.get(namespace) ?? NO_SECRETS;
        if (!old.has(name)) return;
        const names = new Set(old);
        names.delete(name);
        setSecretNames(namespace, names);
      },
    },
  };
}

function sameNamespace(a: NamespaceRecord, b: NamespaceRecord): boolean {
  return a.terminating === b.terminating && sameMap(a.annotations, b.annotations);
}

function sameMap(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const value of a) if (!b.has(value)) return false;
  return true;
}
