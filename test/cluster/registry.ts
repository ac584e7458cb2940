/**
 * The two registries, both Debian's docker-registry (the CNCF distribution
 * server Harbor embeds), on 443 of their own addresses in the namespace:
 *
 * - the Harbor stand-in, `harbor.test`: TLS from a private CA and htpasswd
 *   users (a pull robot and an admin), with Harbor-style `project/repo`
 *   paths. The node does NOT trust it at start: trusting it is what the
 *   chart's node trust does (a pull fails with an x509 error until then).
 * - the artifact registry, `artifacts.test`: where the product's image and
 *   chart come from, trusted by the node from the start (its CA is in
 *   containerd's certs.d), as a public registry would be; no auth.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { registryConfigYaml } from '../helpers/registry/registry-config.ts';
import { run } from './commands.ts';
import { startDaemon, waitForLog } from './daemons.ts';
import { addresses, hosts, paths } from './layout.ts';
import type { CertificateFiles, Pki } from './pki.ts';
import type { ClusterState } from './state.ts';

/** A user of the Harbor stand-in. */
export interface RegistryUser {
  readonly username: string;
  readonly password: string;
}

/** How to reach and use a registry. */
export interface RegistryInfo {
  readonly host: string;
  /** A directory holding the registry's CA as `ca.crt` (skopeo's `--cert-dir`). */
  readonly certDir: string;
  readonly caFile: string;
  readonly logFile: string;
  /** Users, by role; empty for the artifact registry (anonymous). */
  readonly users: { readonly pull?: RegistryUser; readonly admin?: RegistryUser };
}

const START_TIMEOUT_MS = 20_000;

function registryConfig(options: {
  dir: string;
  address: string;
  tls: CertificateFiles;
  htpasswdFile?: string;
}): string {
  return registryConfigYaml({
    // Debug on Harbor: only the handler's debug lines name the htpasswd user of a served
    // request (registry-log.ts).
    logLevel: options.htpasswdFile === undefined ? 'info' : 'debug',
    address: `${options.address}:443`,
    storageDir: join(options.dir, 'data'),
    certFile: options.tls.certFile,
    keyFile: options.tls.keyFile,
    auth:
      options.htpasswdFile === undefined
        ? { kind: 'anonymous' }
        : { kind: 'htpasswd', htpasswdFile: options.htpasswdFile, realm: hosts.harbor },
  });
}

async function startRegistry(
  state: ClusterState,
  name: 'harbor' | 'artifacts',
  options: { address: string; tls: CertificateFiles; caFile: string; htpasswdFile?: string },
): Promise<{ dir: string; certDir: string; logFile: string }> {
  const dir = join(paths.registries, name);
  const certDir = join(dir, 'certs');
  await mkdir(certDir, { recursive: true });
  await copyFile(options.caFile, join(certDir, 'ca.crt'));
  const configFile = join(dir, 'config.yml');
  await writeFile(configFile, registryConfig({ dir, ...options }));
  const part = `registry-${name}`;
  const recorded = await startDaemon(state, part, [
    '/usr/bin/docker-registry',
    'serve',
    configFile,
  ]);
  await waitForLog(recorded, /listening on .*tls/, START_TIMEOUT_MS);
  return { dir, certDir, logFile: recorded.logFile };
}

async function writeHtpasswd(
  dir: string,
): Promise<{ file: string; pull: RegistryUser; admin: RegistryUser }> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'htpasswd');
  const pull = { username: 'robot-pull', password: randomBytes(12).toString('hex') };
  const admin = { username: 'admin', password: randomBytes(12).toString('hex') };
  // bcrypt, the only scheme docker-registry accepts.
  await run('registry-harbor', ['htpasswd', '-Bbc', file, pull.username, pull.password]);
  await run('registry-harbor', ['htpasswd', '-Bb', file, admin.username, admin.password]);
  return { file, pull, admin };
}

/** containerd trust for a registry host: hosts.toml with the CA, in certs.d. */
export async function trustRegistry(host: string, caFile: string): Promise<void> {
  const dir = join(paths.certsD, host);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'hosts.toml'),
    `server = "https://${host}"\n\n[host."https://${host}"]\n  capabilities = ["pull", "resolve"]\n  ca = "${caFile}"\n`,
  );
}

/** Removes containerd's trust for a registry host (its certs.d directory). */
export async function untrustRegistry(host: string): Promise<void> {
  await rm(join(paths.certsD, host), { recursive: true, force: true });
}

/** Starts both registries; the artifact registry is trusted by the node at once, Harbor is not. */
export async function startRegistries(
  state: ClusterState,
  pki: Pki,
): Promise<{ harbor: RegistryInfo; artifacts: RegistryInfo }> {
  const htpasswd = await writeHtpasswd(join(paths.registries, 'harbor'));
  const harbor = await startRegistry(state, 'harbor', {
    address: addresses.harbor,
    tls: pki.harbor,
    caFile: pki.harborCaFile,
    htpasswdFile: htpasswd.file,
  });
  const artifacts = await startRegistry(state, 'artifacts', {
    address: addresses.artifacts,
    tls: pki.artifacts,
    caFile: pki.artifactsCaFile,
  });
  await trustRegistry(hosts.artifacts, pki.artifactsCaFile);
  return {
    harbor: {
      host: hosts.harbor,
      certDir: harbor.certDir,
      caFile: pki.harborCaFile,
      logFile: harbor.logFile,
      users: { pull: htpasswd.pull, admin: htpasswd.admin },
    },
    artifacts: {
      host: hosts.artifacts,
      certDir: artifacts.certDir,
      caFile: pki.artifactsCaFile,
      logFile: artifacts.logFile,
      users: {},
    },
  };
}
