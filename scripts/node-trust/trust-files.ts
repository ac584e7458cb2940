/**
 * What node trust writes for one registry host under containerd's
 * `config_path` (certs.d): `<host>/ca.crt` and `<host>/hosts.toml` pointing
 * at it. Pure: the paths and contents only; `node-trust.ts` does the I/O.
 */
import { join } from 'node:path';

/** One file to keep on the node: its path and exact content. */
export interface TrustFile {
  readonly path: string;
  readonly content: string;
}

/**
 * The registry host as containerd names its certs.d directory: host[:port], no scheme or path.
 * Anything else would let a value escape the certs.d directory, so it is refused.
 */
export function checkRegistryHost(host: string): string {
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$/.test(host) || host.includes('..')) {
    throw new Error(`not a registry host[:port]: ${JSON.stringify(host)}`);
  }
  return host;
}

/**
 * The files for `host` under `certsDir` (the host path as containerd sees it: hosts.toml names
 * the CA by that absolute path, so it must be the node's path, not the container's).
 */
export function trustFiles(certsDir: string, host: string, ca: string): TrustFile[] {
  const dir = join(certsDir, checkRegistryHost(host));
  const caPath = join(dir, 'ca.crt');
  const hostsToml = [
    '# Written by harbor-image-webhook node trust (nodeTrust.enabled); removed on helm uninstall.',
    `server = "https://${host}"`,
    '',
    `[host."https://${host}"]`,
    '  capabilities = ["pull", "resolve"]',
    `  ca = "${caPath}"`,
    '',
  ].join('\n');
  return [
    { path: caPath, content: ca.endsWith('\n') ? ca : `${ca}\n` },
    // hosts.toml last: containerd never sees it before the CA it names exists.
    { path: join(dir, 'hosts.toml'), content: hostsToml },
  ];
}
