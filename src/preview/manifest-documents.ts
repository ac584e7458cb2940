/**
 * Manifest text → documents → Kubernetes objects: JSON or YAML, one or many
 * documents, `kind: List` expanded. Parsed like a public API's input: no
 * custom tags executed, aliases bounded (a "billion laughs" document is
 * refused), documents and objects bounded while parsing (see preview-limits.ts),
 * every problem named by document and line.
 */
import secureJson from 'secure-json-parse';
import { Composer, Lexer, LineCounter, Parser } from 'yaml';
import { isJsonObject } from '../core/json-object.ts';
import { findDuplicateKey } from './json-duplicate-keys.ts';
import type { PreviewLimits, PreviewProblem } from './preview-limits.ts';

const MAX_ALIASES = 100;

/** Thrown from inside the token stream when a document passes `maxDocumentTokens`. */
class DocumentTooLarge extends Error {}

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

export type Parsed<T> = { readonly ok: true; readonly value: T } | PreviewProblem;

/**
 * Parses the documents of `text`. JSON is YAML, so one parser serves both; but
 * the YAML parser takes ~1 µs a byte, so text that is plain JSON is read by
 * `JSON.parse` (a hundred times faster) and only anything else by the YAML
 * parser, one document at a time, stopping past `limits.maxDocuments`.
 */
export function readDocuments(text: string, limits: PreviewLimits): Parsed<ManifestDocument[]> {
  const json = readJson(text);
  if (json !== undefined) return json;
  if (Buffer.byteLength(text) > limits.maxYamlBytes) {
    return tooLarge(`more than ${limits.maxYamlBytes} bytes of YAML (plain JSON may be larger)`);
  }
  const lineCounter = new LineCounter();
  const composer = new Composer({ uniqueKeys: true });
  const documents: ManifestDocument[] = [];
  let number = 0;
  try {
    for (const document of composer.compose(
      boundedTokens(text, lineCounter, limits.maxDocumentTokens),
    )) {
      number += 1;
      if (number > limits.maxDocuments)
        return tooLarge(`more than ${limits.maxDocuments} documents`);
      const value = documentValue(document, number, lineCounter);
      if (!value.ok) return value;
      // An empty document between `---` lines is no object.
      if (value.value !== null && value.value !== undefined)
        documents.push({ number, line: value.line, value: value.value });
      if (documents.length > limits.maxObjects) return tooManyObjects(limits);
    }
  } catch (error) {
    if (!(error instanceof DocumentTooLarge)) throw error;
    return tooLarge(
      `a document (number ${number + 1}) of more than ${limits.maxDocumentTokens} YAML tokens`,
    );
  }
  return documents.length === 0
    ? fail('the input holds no Kubernetes object')
    : { ok: true, value: documents };
}

/**
 * The parser's CST tokens, lexed one at a time so that counting stops a
 * document at `maxTokens` before the composer builds it.
 */
function* boundedTokens(text: string, lineCounter: LineCounter, maxTokens: number) {
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  let tokens = 0;
  for (const lexeme of new Lexer().lex(text)) {
    // `---` and the lexer's document-start marker (\x02) begin a document.
    if (lexeme === '---' || lexeme === '\x02') tokens = 0;
    else if (++tokens > maxTokens) throw new DocumentTooLarge();
    yield* parser.next(lexeme);
  }
  yield* parser.end();
}

/** The value of one composed document, or its first problem. */
function documentValue(
  document: {
    errors: readonly { pos: [number, number]; message: string }[];
    range: number[];
    toJS(options: { maxAliasCount: number }): unknown;
  },
  number: number,
  lineCounter: LineCounter,
): { ok: true; line: number; value: unknown } | PreviewProblem {
  const [error] = document.errors;
  if (error !== undefined) {
    return fail(
      `document ${number}, line ${lineCounter.linePos(error.pos[0]).line}: ${error.message}`,
    );
  }
  const line = lineCounter.linePos(document.range[0] ?? 0).line;
  try {
    return { ok: true, line, value: document.toJS({ maxAliasCount: MAX_ALIASES }) };
  } catch (cause) {
    return fail(`document ${number} (line ${line}): ${(cause as Error).message}`);
  }
}

/**
 * The one document of a JSON text, or undefined when the text is not plain
 * JSON (or holds a `__proto__`/`constructor.prototype` key): the YAML parser
 * then reads it and reports any problem with a line number.
 */
function readJson(text: string): Parsed<ManifestDocument[]> | undefined {
  const start = text.search(/\S/);
  if (text[start] !== '{' && text[start] !== '[') return undefined;
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    return undefined;
  }
  const line = text.slice(0, start).split('\n').length;
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    return fail(
      `document 1 (line ${line}): Map keys must be unique; ${JSON.stringify(duplicate)} repeats`,
    );
  }
  return { ok: true, value: [{ number: 1, line, value }] };
}

/** The Kubernetes objects of `documents`, with Lists expanded. */
export function toObjects(
  documents: readonly ManifestDocument[],
  limits: PreviewLimits,
): Parsed<ManifestObject[]> {
  const objects: ManifestObject[] = [];
  for (const document of documents) {
    const problem = addObjects(objects, document);
    if (problem !== undefined) return fail(problem);
    if (objects.length > limits.maxObjects) return tooManyObjects(limits);
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
    return undefined;
  }
  const items = value['items'];
  if (!Array.isArray(items)) return `${where}: ${kind}.items must be a list`;
  for (const [item, entry] of items.entries()) {
    if (!isJsonObject(entry) || typeof entry['kind'] !== 'string') {
      return `${where}: items[${item}] is not a Kubernetes object with a kind`;
    }
    objects.push({ document: number, item, object: entry });
  }
  return undefined;
}

function tooManyObjects(limits: PreviewLimits): PreviewProblem {
  return tooLarge(`more than ${limits.maxObjects} objects`);
}

function tooLarge(what: string): PreviewProblem {
  return {
    ok: false,
    problem: `the input holds ${what}, the most one preview takes; split it`,
    tooLarge: true,
  };
}

function fail(problem: string): PreviewProblem {
  return { ok: false, problem };
}
