/**
 * Strings from a request, made safe for a log line: at most {@link LOG_STRING_LIMIT}
 * characters, with the original length noted, and control characters escaped,
 * so no request writes a megabyte line or a forged second line. pino escapes
 * JSON itself; the escaping here also keeps log viewers that print the raw
 * field (`kubectl logs | jq -r`) from acting on a newline or an escape sequence.
 */

/** Characters kept of a request-derived string in a log line. */
export const LOG_STRING_LIMIT = 256;

// C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

/**
 * `value` bounded for a log line: unchanged when short and free of control
 * characters (the hot path: one length check and one regular-expression test),
 * otherwise escaped (`\uXXXX`) and cut to `limit` characters, with `…(N chars)`,
 * N the original length, when anything was cut.
 */
export function boundLogString(value: string, limit = LOG_STRING_LIMIT): string {
  if (value.length <= limit && !CONTROL.test(value)) return value;
  const escaped = value.slice(0, limit).replace(CONTROLS, escape);
  if (escaped.length <= limit && value.length <= limit) return escaped;
  // Never half an escape or half a surrogate pair at the cut.
  let cut = escaped.slice(0, limit).replace(/\\(u[0-9a-f]{0,3})?$/, '');
  if (isHighSurrogate(cut.charCodeAt(cut.length - 1))) cut = cut.slice(0, -1);
  return `${cut}…(${value.length} chars)`;
}

function escape(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** {@link boundLogString} for a value that may not be a string; undefined stays undefined. */
export function boundLogValue(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return boundLogString(typeof value === 'string' ? value : String(value));
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
