/**
 * Which registry a host names. Two spellings name the same registry when they
 * differ only in case or in an explicit default port (`:443`, the port every
 * runtime uses when none is given), and Docker Hub answers under several
 * names. Every comparison of registries (the Harbor host, globs, the rewritten
 * path) goes through {@link registryIdentity}, so no spelling is treated as a
 * second registry.
 *
 * The parser ({@link parseImageReference}) stays exactly distribution/reference:
 * this is the layer above it, and it only decides what is compared and which
 * path a rewrite keeps, never which image a node pulls when left alone.
 */
import { DEFAULT_REGISTRY, OFFICIAL_REPOSITORY_PREFIX, type ImageReference } from './reference.ts';

/**
 * Other names of Docker Hub, all mapped to `docker.io`. distribution/reference
 * maps only `index.docker.io` (and only spelled in lower case); the node's
 * runtime reaches the same registry under every name here:
 * - `index.docker.io`: the legacy "Docker Index" name, still used for login;
 * - `registry-1.docker.io`: the host the runtimes actually contact for `docker.io`;
 * - `registry.hub.docker.com`: an older public name of the same registry.
 */
export const DOCKER_HUB_ALIASES: readonly string[] = Object.freeze([
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

const DEFAULT_PORT_SUFFIX = ':443';

/** The canonical name of the registry at `host`: lower case, no `:443`, Docker Hub's aliases as `docker.io`. */
export function registryIdentity(host: string): string {
  const lower = host.toLowerCase();
  const withoutDefaultPort = lower.endsWith(DEFAULT_PORT_SUFFIX)
    ? lower.slice(0, -DEFAULT_PORT_SUFFIX.length)
    : lower;
  return DOCKER_HUB_ALIASES.includes(withoutDefaultPort) ? DEFAULT_REGISTRY : withoutDefaultPort;
}

/** A reference's registry identity and repository path as Docker Hub or any registry serves it. */
export interface ImageIdentity {
  readonly registry: string;
  /** The repository, with `library/` added to a one-component Docker Hub name as distribution does. */
  readonly repository: string;
}

/** The identity of `reference`: what policy globs match and what a rewrite keeps. */
export function imageIdentity(reference: ImageReference): ImageIdentity {
  const registry = registryIdentity(reference.registry);
  const repository =
    registry === DEFAULT_REGISTRY && !reference.repository.includes('/')
      ? OFFICIAL_REPOSITORY_PREFIX + reference.repository
      : reference.repository;
  return { registry, repository };
}

/** `registry/repository` of an identity: the name policy globs see. */
export function identityName(identity: ImageIdentity): string {
  return `${identity.registry}/${identity.repository}`;
}

/**
 * `pattern` with its registry part (before the first `/`) normalized like a
 * host, so that a rule written for `Harbor.example.com:443/**` or
 * `registry-1.docker.io/**` matches the names it means. A registry part with a
 * wildcard is left as written.
 */
export function normalizeGlobRegistry(pattern: string): string {
  const slash = pattern.indexOf('/');
  if (slash <= 0) return pattern;
  const registry = pattern.slice(0, slash);
  if (registry.includes('*')) return pattern;
  return registryIdentity(registry) + pattern.slice(slash);
}
