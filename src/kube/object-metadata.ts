/**
 * The few metadata fields this folder reads from objects the apiserver sends
 * (full objects or `PartialObjectMetadata`), checked rather than cast: a watch
 * stream is input like any other.
 */

/** What the reflectors keep of an object's `metadata`. */
export interface ObjectMetadata {
  readonly name: string;
  readonly namespace: string | undefined;
  readonly uid: string | undefined;
  readonly resourceVersion: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Set once deletion started (a Terminating namespace). */
  readonly deleting: boolean;
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

/** The metadata of `object`, or undefined when it has no `metadata.name`. */
export function readMetadata(object: unknown): ObjectMetadata | undefined {
  const metadata = field(object, 'metadata');
  const name = stringField(metadata, 'name');
  if (name === undefined) return undefined;
  return {
    name,
    namespace: stringField(metadata, 'namespace'),
    uid: stringField(metadata, 'uid'),
    resourceVersion: stringField(metadata, 'resourceVersion'),
    labels: stringMap(field(metadata, 'labels')),
    annotations: stringMap(field(metadata, 'annotations')),
    deleting: stringField(metadata, 'deletionTimestamp') !== undefined,
  };
}

/** `metadata.resourceVersion` of an object or a list, when present. */
export function readResourceVersion(object: unknown): string | undefined {
  return stringField(field(object, 'metadata'), 'resourceVersion');
}

/** `object[key]` when `object` is a plain object. */
export function field(object: unknown, key: string): unknown {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return undefined;
  return (object as Record<string, unknown>)[key];
}

export function stringField(object: unknown, key: string): string | undefined {
  const value = field(object, key);
  return typeof value === 'string' ? value : undefined;
}

function stringMap(value: unknown): Readonly<Record<string, string>> {
  if (typeof value !== 'object' || value === null) return EMPTY;
  const entries = Object.entries(value).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  );
  return entries.length === 0 ? EMPTY : Object.freeze(Object.fromEntries(entries));
}
