/**
 * The `harbor-image-webhook/original-images` record: JSON, container name →
 * the image before rewriting. Anyone who can write a Pod can write the
 * annotation too, so what the Pod brings is a claim, not a fact: an entry is
 * kept only when the policy, applied to the recorded original, yields the
 * image the container runs. Entries for what this admission rewrote are
 * written from what it saw. The result never takes the Pod over the
 * apiserver's limit on the size of all annotations.
 */
import type { JsonObject } from './json-object.ts';
import { ORIGINAL_IMAGES_ANNOTATION } from './pod-template.ts';

/**
 * Kubernetes' `TotalAnnotationSizeLimitB`: the bytes of every annotation key
 * and value together. A Pod over it is refused by the apiserver.
 */
export const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;

/** What happens to the annotation: nothing, a new value, or its removal. */
export type RecordEdit =
  | { readonly kind: 'keep' }
  | { readonly kind: 'write'; readonly value: string }
  | { readonly kind: 'remove'; readonly because: string };

export interface RecordInputs {
  /** The annotation in the object being admitted. */
  readonly current: string | undefined;
  /** The annotation in `oldObject` (UPDATE): what the webhook wrote before, unless the Pod predates it. */
  readonly previous?: string | undefined;
  /** What this admission rewrote: container name → image before. Always recorded. */
  readonly rewritten: ReadonlyMap<string, string>;
  /** All of the object's annotations, to keep the total under {@link ANNOTATIONS_SIZE_LIMIT}. */
  readonly annotations: Readonly<JsonObject> | undefined;
  /** True when container `name` now runs what the policy makes of `original`. */
  readonly verify: (name: string, original: string) => boolean;
}

export interface RecordPlan {
  readonly edit: RecordEdit;
  readonly warnings: readonly string[];
}

const KEEP: RecordPlan = { edit: { kind: 'keep' }, warnings: [] };

/** Names listed in a warning about dropped entries; the rest are counted. */
const NAMES_IN_WARNING = 5;
const NAME_LENGTH_IN_WARNING = 63;

/**
 * The record after this admission: the entries of the old and the submitted
 * annotation that {@link RecordInputs.verify} confirms (the old ones first),
 * then the containers rewritten now. User-written entries that are dropped,
 * and a record too large to store, are reported as warnings.
 */
export function planOriginalImages(inputs: RecordInputs): RecordPlan {
  const { current, previous, rewritten } = inputs;
  // The common case, a Pod seen for the first time: nothing to read or verify. Object.fromEntries
  // defines own properties, so a container named "__proto__" is recorded, not set as prototype.
  if (current === undefined && previous === undefined) {
    if (rewritten.size === 0) return KEEP;
    return bounded(inputs, JSON.stringify(Object.fromEntries(rewritten)), []);
  }
  const { kept, warnings } = verifiedRecord(inputs);
  if (kept.size === 0) {
    return current === undefined
      ? { ...KEEP, warnings }
      : remove('no entry matches the images the containers run', warnings);
  }
  const value = JSON.stringify(Object.fromEntries(kept));
  return value === current ? { ...KEEP, warnings } : bounded(inputs, value, warnings);
}

function verifiedRecord(inputs: RecordInputs): { kept: Map<string, string>; warnings: string[] } {
  const { current, previous, rewritten } = inputs;
  const warnings: string[] = [];
  const previousEntries = parse(previous);
  const submitted = parse(current);
  if (submitted === undefined && current !== undefined && current !== previous) {
    warnings.push(
      `annotation ${ORIGINAL_IMAGES_ANNOTATION} was not a JSON object and has been replaced`,
    );
  }
  const kept = new Map<string, string>();
  for (const [name, original] of [...(previousEntries ?? []), ...(submitted ?? [])]) {
    if (rewritten.has(name) || kept.has(name)) continue;
    if (inputs.verify(name, original)) kept.set(name, original);
  }
  for (const [name, original] of rewritten) kept.set(name, original);
  const dropped = droppedClaims(submitted, previousEntries, kept);
  if (dropped.length > 0) warnings.push(describeDropped(dropped));
  return { kept, warnings };
}

/** The record as a Map (names are untrusted and may be "__proto__"), or undefined when absent or not a JSON object. */
function parse(value: string | undefined): Map<string, string> | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const entries = new Map<string, string>();
  for (const [name, image] of Object.entries(parsed)) {
    if (typeof image === 'string') entries.set(name, image);
  }
  return entries;
}

/** Names of entries the submitted object brought (not carried over from `oldObject`) that the record does not keep. */
function droppedClaims(
  submitted: ReadonlyMap<string, string> | undefined,
  previous: ReadonlyMap<string, string> | undefined,
  kept: ReadonlyMap<string, string>,
): string[] {
  const dropped: string[] = [];
  for (const [name, original] of submitted ?? []) {
    if (kept.get(name) !== original && previous?.get(name) !== original) dropped.push(name);
  }
  return dropped;
}

function describeDropped(names: readonly string[]): string {
  const listed = names
    .slice(0, NAMES_IN_WARNING)
    .map((name) => JSON.stringify(name.slice(0, NAME_LENGTH_IN_WARNING)))
    .join(', ');
  const more =
    names.length > NAMES_IN_WARNING ? ` and ${names.length - NAMES_IN_WARNING} more` : '';
  return (
    `annotation ${ORIGINAL_IMAGES_ANNOTATION}: ignored the entries for ${listed}${more}, ` +
    'which do not match the images the containers run; the webhook records only what it rewrote'
  );
}

function remove(because: string, warnings: readonly string[]): RecordPlan {
  return { edit: { kind: 'remove', because }, warnings };
}

/** Writes `value` unless the annotations would then exceed the apiserver's limit; then the record is left out. */
function bounded(inputs: RecordInputs, value: string, warnings: string[]): RecordPlan {
  const size = sizeOverLimit(inputs.annotations, value);
  if (size === undefined) return { edit: { kind: 'write', value }, warnings };
  warnings.push(
    `annotation ${ORIGINAL_IMAGES_ANNOTATION} not written: with it the Pod's annotations would ` +
      `take ${size} bytes, over the apiserver's limit of ${ANNOTATIONS_SIZE_LIMIT}`,
  );
  return inputs.current === undefined
    ? { ...KEEP, warnings }
    : remove('the record does not fit in the annotations size limit', warnings);
}

/**
 * The bytes of every annotation key and value once the record holds `value`,
 * when that is over {@link ANNOTATIONS_SIZE_LIMIT}; undefined when it fits.
 * A string's UTF-8 size lies between its length and three times it, so the
 * exact count is only needed near the limit.
 */
function sizeOverLimit(
  annotations: Readonly<JsonObject> | undefined,
  value: string,
): number | undefined {
  let length = ORIGINAL_IMAGES_ANNOTATION.length + value.length;
  for (const key in annotations) {
    const other = annotations[key];
    if (key !== ORIGINAL_IMAGES_ANNOTATION && typeof other === 'string') {
      length += key.length + other.length;
    }
  }
  if (length * 3 <= ANNOTATIONS_SIZE_LIMIT) return undefined;
  let bytes = utf8Length(ORIGINAL_IMAGES_ANNOTATION) + utf8Length(value);
  for (const key in annotations) {
    const other = annotations[key];
    if (key !== ORIGINAL_IMAGES_ANNOTATION && typeof other === 'string') {
      bytes += utf8Length(key) + utf8Length(other);
    }
  }
  return bytes > ANNOTATIONS_SIZE_LIMIT ? bytes : undefined;
}

/**
 * The UTF-8 size the apiserver counts: a surrogate pair is one 4-byte code
 * point; a lone surrogate is decoded as U+FFFD, 3 bytes.
 */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (isHighSurrogate(code) && isLowSurrogate(text.charCodeAt(index + 1))) {
      bytes += 4;
      index++;
    } else bytes += 3;
  }
  return bytes;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;
