/**
 * JSON request bodies, parsed safely: `__proto__` and `constructor.prototype`
 * keys are refused (prototype pollution), not silently kept.
 */
import secureJson from 'secure-json-parse';

export type ParsedJson =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

export function parseJsonBody(text: string): ParsedJson {
  if (text.trim() === '') return { ok: false, problem: 'body is empty' };
  try {
    return {
      ok: true,
      value: secureJson.parse(text, undefined, {
        protoAction: 'error',
        constructorAction: 'error',
      }),
    };
  } catch (error) {
    return { ok: false, problem: `body is not valid JSON: ${(error as Error).message}` };
  }
}
