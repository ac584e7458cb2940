/**
 * Manifest text → documents → Kubernetes objects: JSON or YAML, one or many
 * documents, `kind: List` expanded. Parsed like a public API's input: no
 * custom tags executed, aliases bounded (a "billion laughs" document is
 * refused), a bounded number of objects, every problem named by document and line.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import { isJsonObject } from '../core/json-object.ts';

/** More objects than any real bundle; protects the server from a huge flat list. */
export const MAX_PREVIEW_OBJECTS = 500;
const MAX_ALIASES = 100;

/** One non-empty YAML document. */
export interface ManifestDocument {
  /** 1-based document number in the input. */
  readonly number: number;
  readonly line: number;
  readonly value: unknown;
}

/** One Kubernetes object of the input and where it came from. */
export interface ManifestObject {
  readonly document: number;
  /** 0-based position inside a `kind: List`, if it came from one. */
  readonly item?: number;
  readonly object: Record<string, unknown>;
}

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** Parses the documents of `text`. JSON is YAML, so one parser serves both. */
export function readDocuments(text: string): Parsed<ManifestDocument[]> {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const documents: ManifestDocument[] = [];
  for (const [index, document] of parsed.entries()) {
    const number = index + 1;
    const [error] = document.errors;
    if (error !== undefined) {
      return fail(
        `document ${number}, line ${lineCounter.linePos(error.pos[0]).line}: ${error.message}`,
      );
    }
    const line = lineCounter.linePos(document.range[0]).line;
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (cause) {
      return fail(`document ${number} (line ${line}): ${(cause as Error).message}`);
    }
    // An empty document between `---` lines is no object.
    if (value !== null && value !== undefined) documents.push({ number, line, value });
    if (documents.length > MAX_PREVIEW_OBJECTS) return tooMany();
  }
  return documents.length === 0
    ? fail('the input holds no Kubernetes object')
    : { ok: true, value: documents };
}

/** The Kubernetes objects of `documents`, with Lists expanded. */
export function toObjects(documents: readonly ManifestDocument[]): Parsed<ManifestObject[]> {
  const objects: ManifestObject[] = [];
  for (const document of documents) {
    const problem = addObjects(objects, document);
    if (problem !== undefined) return fail(problem);
  }
  return { ok: true, value: objects };
}

function addObjects(
  objects: ManifestObject[],
  { number, line, value }: ManifestDocument,
): string | undefined {
  const where = `document ${number} (line ${line})`;
  if (!isJsonObject(value))
    return `${where}: not a Kubernetes object (expected a mapping with apiVersion and kind)`;
  const kind = value['kind'];
  if (typeof kind !== 'string' || kind === '') return `${where}: the object has no kind`;
  if (!kind.endsWith('List')) {
    objects.push({ document: number, object: value });
  } else {
    const items = value['items'];
    if (!Array.isArray(items)) return `${where}: ${kind}.items must be a list`;
    for (const [item, entry] of items.entries()) {
      if (!isJsonObject(entry) || typeof entry['kind'] !== 'string') {
        return `${where}: items[${item}] is not a Kubernetes object with a kind`;
      }
      objects.push({ document: number, item, object: entry });
    }
  }
  return objects.length > MAX_PREVIEW_OBJECTS ? tooMany().problem : undefined;
}

function tooMany(): { ok: false; problem: string } {
  return fail(`the input holds more than ${MAX_PREVIEW_OBJECTS} objects; split it`);
}

function fail(problem: string): { ok: false; problem: string } {
  return { ok: false, problem };
}
