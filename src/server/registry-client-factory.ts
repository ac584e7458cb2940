/**
 * The Harbor client a verifying policy asks for (src/registry), from the
 * policy's `harbor` and `verify` sections and the files they name: the CA
 * bundle read as PEM, the credentials for the Harbor host read from the
 * Docker config JSON. Imported on demand: mode off never loads it.
 */
import { readFile } from 'node:fs/promises';
import type { Policy } from '../core/policy.ts';
import { createRegistryClient, readDockerConfigFile } from '../registry/index.ts';
import type { BuildClient, BuiltClient, LookupObserver } from './registry-wiring.ts';

type FileRead = { readonly path: string; readonly content: Buffer };

export const buildRegistryClient: BuildClient = async (
  policy: Policy,
  onLookup: LookupObserver,
): Promise<BuiltClient> => {
  const problems: string[] = [];
  const files: FileRead[] = [];
  const caPem = await readCa(policy.harborCaFile, files, problems);
  let credentials;
  const credentialsFile = policy.harborCredentialsFile;
  if (credentialsFile !== undefined) {
    const read = await readDockerConfigFile(credentialsFile, policy.harborHost);
    if (read.ok) {
      credentials = read.credentials;
      const content = await readFile(credentialsFile).catch(() => undefined);
      if (content !== undefined) files.push({ path: credentialsFile, content });
    } else problems.push(...read.problems.map((problem) => `harbor.credentialsFile: ${problem}`));
  }
  if (problems.length > 0) return { ok: false, problems };
  const client = createRegistryClient({
    host: policy.harborHost,
    cacheSeconds: policy.verify.cacheSeconds,
    onLookup,
    ...(caPem === undefined ? {} : { caPem }),
    ...(credentials === undefined ? {} : { credentials }),
  });
  return { ok: true, client, files };
};

/** `harbor.caFile` as PEM text, or undefined (the system's CAs) when the policy names none. */
async function readCa(
  file: string | undefined,
  files: FileRead[],
  problems: string[],
): Promise<string | undefined> {
  if (file === undefined) return undefined;
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    problems.push(`harbor.caFile: ${file}: cannot read (${code})`);
    return undefined;
  }
  const pem = content.toString('utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    problems.push(`harbor.caFile: ${file}: holds no PEM certificate`);
    return undefined;
  }
  files.push({ path: file, content });
  return pem;
}
