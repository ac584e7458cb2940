/**
 * Registry credentials from a Docker config JSON, read the way the kubelet
 * reads a `kubernetes.io/dockerconfigjson` pull secret: `{"auths": {KEY:
 * {auth | username+password}}}`, where KEY is a host, with or without
 * `https://` or `http://`, with or without a path (`harbor.example.com/v2/`,
 * `https://harbor.example.com/project`). A bare `.dockercfg` map (no
 * `auths`) is read too, as the kubelet does. Problems name the file and the
 * field, never a value: the values are secrets.
 */
/** A username and password for Basic auth and token requests. */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/** Parsed credentials by registry key, as written in the file. */
export type DockerConfig = ReadonlyMap<string, RegistryCredentials>;

export type ParsedDockerConfig =
  | { readonly ok: true; readonly config: DockerConfig }
  | { readonly ok: false; readonly problems: readonly string[] };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads one `auths` entry; a problem string (naming the field only) when it is unusable. */
function readEntry(entry: unknown, field: string): RegistryCredentials | string {
  if (!isObject(entry)) return `${field}: must be an object`;
  const { auth, username, password } = entry;
  if (typeof auth === 'string' && auth !== '') {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // Buffer.from ignores invalid base64 characters; a round trip catches them.
    const valid = Buffer.from(decoded, 'utf8').toString('base64').replace(/=+$/, '');
    if (valid !== auth.replace(/=+$/, '') || colon <= 0) {
      return `${field}.auth: must be base64 of "username:password"`;
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (auth !== undefined && typeof auth !== 'string') return `${field}.auth: must be a string`;
  if (typeof username === 'string' && username !== '' && typeof password === 'string') {
    return { username, password };
  }
  return `${field}: needs "auth" (base64 of username:password) or "username" and "password"`;
}

/** Parses the text of a Docker config JSON file; `source` names it in problems. */
export function parseDockerConfig(text: string, source: string): ParsedDockerConfig {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    // JSON.parse's message may quote the text around the error, which is a secret: say where only.
    const position = /position (\d+)/.exec(String((error as Error).message))?.[1];
    return {
      ok: false,
      problems: [
        `${source}: not valid JSON${position === undefined ? '' : ` (at character ${position})`}`,
      ],
    };
  }
  if (!isObject(document)) return { ok: false, problems: [`${source}: must be a JSON object`] };
  const auths = 'auths' in document ? document['auths'] : document;
  const prefix = 'auths' in document ? 'auths' : '';
  if (!isObject(auths)) return { ok: false, problems: [`${source}: auths: must be an object`] };
  const config = new Map<string, RegistryCredentials>();
  const problems: string[] = [];
  for (const [key, entry] of Object.entries(auths)) {
    const field = `${source}: ${prefix === '' ? '' : `${prefix}.`}${JSON.stringify(key)}`;
    const read = readEntry(entry, field);
    if (typeof read === 'string') problems.push(read);
    else config.set(key, read);
  }
  return problems.length === 0 ? { ok: true, config } : { ok: false, problems };
}

/** The host (with port, lower-cased) a config key names: scheme and path dropped. */
export function configKeyHost(key: string): string {
  const withoutScheme = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return (withoutScheme.split('/')[0] ?? '').toLowerCase();
}

/**
 * The credentials for `host` (`harbor.example.com` or `harbor.example.com:8443`):
 * the entry whose key names exactly that host. Where several do (with and
 * without `https://`, with a path), the shortest key wins, which is the one
 * without a path: Harbor credentials belong to the whole host.
 */
export function credentialsForHost(
  config: DockerConfig,
  host: string,
): RegistryCredentials | undefined {
  const wanted = host.toLowerCase();
  let best: { key: string; credentials: RegistryCredentials } | undefined;
  for (const [key, credentials] of config) {
    if (configKeyHost(key) !== wanted) continue;
    if (best === undefined || key.length < best.key.length) best = { key, credentials };
  }
  return best?.credentials;
}
