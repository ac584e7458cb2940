/**
 * Who a registry request was served to, from the Harbor stand-in's log.
 *
 * docker-registry 2.8 (logrus text lines) writes a request's status in its
 * "response completed" line, with a logger made before the htpasswd access
 * controller named the user, so that line never carries `auth.user.name`.
 * Every line the request's handler logs after authorization does (at log
 * level debug: `GetImageManifest`, `GetBlob`, the storage driver's calls),
 * and all of them carry the same `http.request.id`: joined on it, each
 * request has its method, URI, status and user. A request refused before
 * authorization (401) has no user.
 */

export interface RegistryRequest {
  readonly id: string;
  readonly method: string;
  readonly uri: string;
  /** From "response completed": undefined while the request runs. */
  readonly status: number | undefined;
  /** The authenticated user, when the handler logged after authorization. */
  readonly user: string | undefined;
}

/** `key=value` or `key="quoted \"value\""`, as logrus's text formatter writes them. */
const FIELD = /([\w.]+)=("(?:[^"\\]|\\.)*"|\S+)/g;

function fieldsOf(line: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const [, key, raw] of line.matchAll(FIELD)) {
    fields.set(key!, raw!.startsWith('"') ? (JSON.parse(raw!) as string) : raw!);
  }
  return fields;
}

/** The requests of `logText`, in the order they were first logged. */
export function registryRequests(logText: string): RegistryRequest[] {
  const byId = new Map<string, { -readonly [K in keyof RegistryRequest]: RegistryRequest[K] }>();
  for (const line of logText.split('\n')) {
    if (!line.includes('http.request.id=')) continue;
    const fields = fieldsOf(line);
    const id = fields.get('http.request.id')!;
    let request = byId.get(id);
    if (request === undefined) {
      request = {
        id,
        method: fields.get('http.request.method') ?? '',
        uri: fields.get('http.request.uri') ?? '',
        status: undefined,
        user: undefined,
      };
      byId.set(id, request);
    }
    const status = fields.get('http.response.status');
    if (status !== undefined) request.status = Number(status);
    request.user ??= fields.get('auth.user.name');
  }
  return [...byId.values()];
}

/** The requests for manifests of `repository` (any tag or digest) that were answered 200. */
export function servedManifests(logText: string, repository: string): RegistryRequest[] {
  const prefix = `/v2/${repository}/manifests/`;
  return registryRequests(logText).filter(
    (request) => request.uri.startsWith(prefix) && request.status === 200,
  );
}
