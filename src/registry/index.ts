/**
 * Registry lookups against Harbor (issue 14): the client the server builds
 * from the policy's `harbor` and `verify` sections, and the Docker config
 * reading for its credentials. An adapter beside `src/kube`: the core knows
 * only `RegistryLookups` (src/core/registry-lookup.ts).
 */
export {
  createRegistryClient,
  type LookupObserver,
  type LookupResult,
  type RegistryClient,
  type RegistryClientOptions,
} from './registry-client.ts';
export { ProbeCredentials, type RegistryProbe } from './registry-probe.ts';
export {
  credentialsForHost,
  parseDockerConfig,
  type DockerConfig,
  type ParsedDockerConfig,
  type RegistryCredentials,
} from './docker-config.ts';
export { readDockerConfigFile } from './docker-config-file.ts';
