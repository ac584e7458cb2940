/**
 * The cache of managed copies (Secrets labelled as this webhook's, in every
 * namespace), from a metadata-only list/watch: uid, resourceVersion, source
 * label and hash per copy, never the data. It lets the periodic resync compare
 * thousands of namespaces without a single read.
 */
import type { Collection } from './list-watch.ts';
import { readMetadata } from './object-metadata.ts';
import { HASH_ANNOTATION, MANAGED_COPY_SELECTOR, SOURCE_LABEL } from './pull-secret-copy.ts';
import type { ManagedCopy } from './pull-secret-plan.ts';
import type { ReflectorStore } from './reflector.ts';

export function managedCopyCollection(): Collection {
  return { path: '/api/v1/secrets', labelSelector: MANAGED_COPY_SELECTOR, metadataOnly: true };
}

export function toManagedCopy(object: unknown): { key: string; record: ManagedCopy } | undefined {
  const metadata = readMetadata(object);
  const source = metadata?.labels[SOURCE_LABEL];
  if (metadata?.namespace === undefined || source === undefined) return undefined;
  const { namespace, name } = metadata;
  return {
    key: `${namespace}/${name}`,
    record: {
      namespace,
      name,
      uid: metadata.uid ?? '',
      resourceVersion: metadata.resourceVersion ?? '',
      source,
      hash: metadata.annotations[HASH_ANNOTATION],
    },
  };
}

export interface ManagedCopyStore extends ReflectorStore<ManagedCopy> {
  copiesIn(namespace: string): ManagedCopy[];
  /** Namespaces holding at least one copy. */
  namespaces(): string[];
}

/** `onChange(namespace)` after any change to the copies of `namespace`. */
export function createManagedCopyStore(onChange: (namespace: string) => void): ManagedCopyStore {
  const byNamespace = new Map<string, Map<string, ManagedCopy>>();
  const set = (copy: ManagedCopy) => {
    let copies = byNamespace.get(copy.namespace);
    if (copies === undefined) byNamespace.set(copy.namespace, (copies = new Map()));
    if (copies.get(copy.name)?.resourceVersion === copy.resourceVersion) return;
    copies.set(copy.name, copy);
    onChange(copy.namespace);
  };
  const remove = (namespace: string, name: string) => {
    const copies = byNamespace.get(namespace);
    if (copies?.delete(name) !== true) return;
    if (copies.size === 0) byNamespace.delete(namespace);
    onChange(namespace);
  };
  return {
    copiesIn: (namespace) => [...(byNamespace.get(namespace)?.values() ?? [])],
    namespaces: () => [...byNamespace.keys()],
    replace(records) {
      for (const [namespace, copies] of [...byNamespace]) {
        for (const name of [...copies.keys()]) {
          if (!records.has(`${namespace}/${name}`)) remove(namespace, name);
        }
      }
      for (const copy of records.values()) set(copy);
    },
    upsert: (_key, copy) => set(copy),
    remove: (_key, copy) => remove(copy.namespace, copy.name),
  };
}
