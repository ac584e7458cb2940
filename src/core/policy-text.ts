/**
 * Policy text (YAML or JSON, since JSON is YAML) → compiled policy, or every
 * problem found, each naming the field. Pure: the caller reads the file.
 */
import { parseDocument } from 'yaml';
import { compilePolicy, type Policy } from './policy.ts';
import { validatePolicyDocument } from './policy-schema.ts';

export type LoadedPolicy =
  | { readonly ok: true; readonly policy: Policy }
  | { readonly ok: false; readonly problems: readonly string[] };

/** A policy file is small; aliases beyond this are a mistake or an attack. */
const MAX_ALIASES = 100;

/** Parses and validates policy text. */
export function parsePolicyText(text: string): LoadedPolicy {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => {
        // The pretty message has the position and a code excerpt after the first line; keep the sentence.
        const line = error.linePos?.[0];
        const sentence =
          error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? '';
        return `${line === undefined ? '' : `line ${line.line}: `}${sentence}`;
      }),
    };
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    return { ok: false, problems: [error instanceof Error ? error.message : String(error)] };
  }
  if (data === null || data === undefined) return { ok: false, problems: ['the file is empty'] };
  const validated = validatePolicyDocument(data);
  if (!validated.ok) return validated;
  return { ok: true, policy: compilePolicy(validated.document) };
}
