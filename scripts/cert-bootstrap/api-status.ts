/**
 * Reading HTTP statuses out of @kubernetes/client-node errors. v1 throws
 * `ApiException` with a numeric `code` and the apiserver's Status as `body`;
 * matching on that shape (not the class) lets tests throw plain fakes.
 */

/** HTTP statuses the bootstrap steps react to. */
export const HttpStatus = { notFound: 404, conflict: 409 } as const;

/** True when `error` is an API error with HTTP status `code`. */
export function hasHttpStatus(error: unknown, code: number): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}

/**
 * One line about `error`. An API error reads `HTTP 403: secrets "x" is
 * forbidden…` instead of ApiException's message, which spans lines and
 * carries every response header.
 */
export function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    if (typeof error.code === 'number') {
      const body = 'body' in error ? error.body : undefined;
      return `HTTP ${error.code}: ${statusMessage(body) ?? 'no message from the apiserver'}`;
    }
  }
  return error instanceof Error ? error.message : String(error);
}

function statusMessage(body: unknown): string | undefined {
  let status = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      return body.trim() || undefined;
    }
  }
  if (typeof status === 'object' && status !== null && 'message' in status) {
    return String(status.message);
  }
  return undefined;
}
