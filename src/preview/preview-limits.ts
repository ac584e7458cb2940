/**
 * How much one preview may hold. A preview's cost grows with its documents and
 * objects, so both are bounded and checked while parsing, before the work is
 * done: a body of a million empty YAML documents stops at the limit + 1.
 */

export interface PreviewLimits {
  /**
   * Bytes of input that is not plain JSON. The YAML parser holds ~20 bytes of
   * heap per input byte and takes ~1 µs a byte, so YAML is held to less than
   * JSON, which `JSON.parse` reads a hundred times faster.
   */
  readonly maxYamlBytes: number;
  /**
   * YAML tokens one document may hold. The parser holds ~300 bytes of heap per
   * token of the document it is composing (a 2 MiB flow sequence, ~700 000
   * tokens, needed over 200 MiB), so a document is refused at this count before
   * it is built. The largest real documents, CRDs with full schemas, hold under
   * 150 000.
   */
  readonly maxDocumentTokens: number;
  /** YAML documents in one input, empty ones included (`---` lines and comment-only documents). */
  readonly maxDocuments: number;
  /** Kubernetes objects in one input, items of Lists included. */
  readonly maxObjects: number;
}

/** More than any real bundle: `helm template` of a large chart is a few hundred objects and ~1 MiB. */
export const DEFAULT_PREVIEW_LIMITS: PreviewLimits = Object.freeze({
  maxYamlBytes: 2 * 1024 * 1024,
  maxDocumentTokens: 200_000,
  maxDocuments: 1000,
  maxObjects: 500,
});

/**
 * The offline CLI's limits: the byte and token limits protect a server's
 * memory from its clients, so the CLI, reading its user's own files, lifts
 * them; the document and object limits stay, as before.
 */
export const CLI_PREVIEW_LIMITS: PreviewLimits = Object.freeze({
  ...DEFAULT_PREVIEW_LIMITS,
  maxYamlBytes: Number.POSITIVE_INFINITY,
  maxDocumentTokens: Number.POSITIVE_INFINITY,
});

/** A refused input: `tooLarge` when a limit (not the content) refused it, for HTTP 413. */
export interface PreviewProblem {
  readonly ok: false;
  readonly problem: string;
  readonly tooLarge?: true;
}
