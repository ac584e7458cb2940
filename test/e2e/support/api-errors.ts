/**
 * Reading the apiserver's answer out of @kubernetes/client-node errors: v1
 * throws `ApiException` with the HTTP status as `code` and the apiserver's
 * Status object (often as a JSON string) as `body`.
 */

/** The HTTP status of an API error, or undefined when `error` is not one (a network error). */
export function apiStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'number' ? error.code : undefined;
}

/** The apiserver's Status message of an API error (`admission webhook "…" denied …`), or its text. */
export function apiMessage(error: unknown): string {
  const body =
    typeof error === 'object' && error !== null && 'body' in error ? error.body : undefined;
  let status: unknown = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      return body;
    }
  }
  if (typeof status === 'object' && status !== null && 'message' in status) {
    return String(status.message);
  }
  return error instanceof Error ? error.message : String(error);
}

/** Runs `call`, which must fail with an API error, and returns its status and message. */
export async function expectApiError(
  call: () => Promise<unknown>,
): Promise<{ status: number; message: string }> {
  let result: unknown;
  try {
    result = await call();
  } catch (error) {
    const status = apiStatus(error);
    if (status === undefined) throw error;
    return { status, message: apiMessage(error) };
  }
  throw new Error(
    `expected the apiserver to refuse the request, but it answered ${JSON.stringify(result)}`,
  );
}
