/**
 * docker-registry's config.yml for the harness's three kinds of registry:
 * htpasswd (Basic, like a robot account on Harbor), token (`auth.token`, the
 * distribution token flow Harbor itself uses) and anonymous; any of them may
 * be a pull-through cache (`proxy.remoteurl`), which is what a Harbor
 * proxy-cache project is. Pure: a string from options. The node cluster's
 * registries (test/cluster/registry.ts) use it too.
 */

/** How the registry authenticates. */
export type RegistryAuthConfig =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'htpasswd'; readonly htpasswdFile: string; readonly realm?: string }
  | {
      readonly kind: 'token';
      readonly realm: string;
      readonly service: string;
      readonly issuer: string;
      /** The certificates a token's `x5c` chain must end at. */
      readonly rootCertBundle: string;
    };

/** The upstream of a pull-through cache. */
export interface ProxyConfig {
  readonly remoteUrl: string;
  readonly username?: string;
  readonly password?: string;
}

/** Everything one registry's config needs. */
export interface RegistryConfigOptions {
  /** `http.addr`: `IP:PORT`. */
  readonly address: string;
  readonly storageDir: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly auth: RegistryAuthConfig;
  readonly proxy?: ProxyConfig;
  /** `http.secret`, so the registry does not warn about a random one; omitted, the registry draws one. */
  readonly httpSecret?: string;
  /**
   * `log.level`, default info. At debug, every line the handler writes after
   * authorization carries `auth.user.name` (test/cluster/registry-log.ts);
   * "response completed" never does.
   */
  readonly logLevel?: 'info' | 'debug';
}

/** YAML double-quoted string: config values are paths, URLs and random hex, but quote anyway. */
function quoted(value: string): string {
  return JSON.stringify(value);
}

function authSection(auth: RegistryAuthConfig): string {
  switch (auth.kind) {
    case 'anonymous':
      return '';
    case 'htpasswd':
      return `auth:\n  htpasswd:\n    realm: ${quoted(auth.realm ?? 'registry test')}\n    path: ${quoted(auth.htpasswdFile)}\n`;
    case 'token':
      return [
        'auth:',
        '  token:',
        `    realm: ${quoted(auth.realm)}`,
        `    service: ${quoted(auth.service)}`,
        `    issuer: ${quoted(auth.issuer)}`,
        `    rootcertbundle: ${quoted(auth.rootCertBundle)}`,
        '',
      ].join('\n');
  }
}

function proxySection(proxy: ProxyConfig | undefined): string {
  if (proxy === undefined) return '';
  const lines = ['proxy:', `  remoteurl: ${quoted(proxy.remoteUrl)}`];
  if (proxy.username !== undefined) lines.push(`  username: ${quoted(proxy.username)}`);
  if (proxy.password !== undefined) lines.push(`  password: ${quoted(proxy.password)}`);
  return `${lines.join('\n')}\n`;
}

/** The config.yml text for `options`. */
export function registryConfigYaml(options: RegistryConfigOptions): string {
  return `version: 0.1
log:
  level: ${options.logLevel ?? 'info'}
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: ${quoted(options.storageDir)}
  delete:
    enabled: true
http:
  addr: ${quoted(options.address)}
${options.httpSecret === undefined ? '' : `  secret: ${quoted(options.httpSecret)}\n`}  tls:
    certificate: ${quoted(options.certFile)}
    key: ${quoted(options.keyFile)}
health:
  storagedriver:
    enabled: false
${authSection(options.auth)}${proxySection(options.proxy)}`;
}
