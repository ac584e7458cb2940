/**
 * Policy text (YAML or JSON, since JSON is YAML) → compiled policy, or every
 * problem found, each naming the field. Pure: the caller reads the file.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { compilePolicy, type Policy } from './policy.ts';
import { validatePolicyDocument } from './policy-schema.ts';

export type LoadedPolicy =
  | { readonly ok: true; readonly policy: Policy }
  | {
      readonly ok: false;
      /** `field: reason`, e.g. `rules[1].project is required`. */
      readonly problems: readonly string[];
      /** The same, each after its place in the text when known: `line 6, column 5: rules[1]…`. */
      readonly located: readonly string[];
    };

/** A policy file is small; aliases beyond this are a mistake or an attack. */
const MAX_ALIASES = 100;

/** Parses and validates policy text. */
export function parsePolicyText(text: string): LoadedPolicy {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter });
  if (document.errors.length > 0) {
    const errors = document.errors.map((error) => {
      // The pretty message has the position and a code excerpt after the first line; keep the sentence.
      const sentence =
        error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? '';
      return { sentence, position: error.linePos?.[0] };
    });
    return {
      ok: false,
      problems: errors.map(({ sentence, position }) =>
        position === undefined ? sentence : `line ${position.line}: ${sentence}`,
      ),
      located: errors.map(({ sentence, position }) =>
        position === undefined
          ? sentence
          : `line ${position.line}, column ${position.col}: ${sentence}`,
      ),
    };
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    return unlocated(error instanceof Error ? error.message : String(error));
  }
  if (data === null || data === undefined) return unlocated('the file is empty');
  const validated = validatePolicyDocument(data);
  if (!validated.ok) {
    return {
      ok: false,
      problems: validated.problems,
      located: validated.located.map((problem) => {
        const position = positionOf(document, lineCounter, problem.path);
        return position === undefined ? problem.message : `${position}: ${problem.message}`;
      }),
    };
  }
  return { ok: true, policy: compilePolicy(validated.document) };
}

function unlocated(problem: string): LoadedPolicy {
  return { ok: false, problems: [problem], located: [problem] };
}

/**
 * `line 3, column 5` of the field at `path`: its key when it is in a mapping
 * (where the eye looks for "project:"), else its value; for a field that is
 * missing, the nearest enclosing node that exists.
 */
function positionOf(
  document: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
): string | undefined {
  for (let length = path.length; length >= 0; length--) {
    const parent = length === 0 ? undefined : document.getIn(path.slice(0, length - 1), true);
    const key = path[length - 1];
    const pair = isMap(parent)
      ? parent.items.find((item) => isScalar(item.key) && item.key.value === key)
      : undefined;
    const node: unknown =
      pair?.key ?? (length === 0 ? document.contents : document.getIn(path.slice(0, length), true));
    const offset = (node as { range?: readonly number[] } | null | undefined)?.range?.[0];
    if (offset !== undefined) {
      const { line, col } = lineCounter.linePos(offset);
      return `line ${line}, column ${col}`;
    }
  }
  return undefined;
}
