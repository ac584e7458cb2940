/**
 * Reading `harbor.credentialsFile` (a dockerconfigjson pull secret's content)
 * for the Harbor host: the file I/O around the pure parse, with problems that
 * name the file and never its content.
 */
import { readFile } from 'node:fs/promises';
import {
  credentialsForHost,
  parseDockerConfig,
  type RegistryCredentials,
} from './docker-config.ts';

export type ReadCredentials =
  | { readonly ok: true; readonly credentials: RegistryCredentials }
  | { readonly ok: false; readonly problems: readonly string[] };

/** The credentials for `host` in the Docker config JSON at `file`. */
export async function readDockerConfigFile(file: string, host: string): Promise<ReadCredentials> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      ok: false,
      problems: [`${file}: cannot read (${typeof code === 'string' ? code : 'error'})`],
    };
  }
  const parsed = parseDockerConfig(text, file);
  if (!parsed.ok) return parsed;
  const credentials = credentialsForHost(parsed.config, host);
  if (credentials === undefined) {
    const keys = [...parsed.config.keys()].map((key) => JSON.stringify(key)).join(', ');
    return {
      ok: false,
      problems: [
        `${file}: auths has no entry for ${host} (entries: ${keys === '' ? 'none' : keys})`,
      ],
    };
  }
  return { ok: true, credentials };
}
