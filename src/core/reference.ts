/**
 * Container image references, parsed and normalized the way the container
 * runtime does it: the grammar of github.com/distribution/reference v0.6.0
 * (ParseNormalizedNamed), the one the kubelet and containerd use, including
 * its length rule (255 characters of repository path; the host is not
 * counted). One deliberate difference: a first component that has a "." or a
 * ":" but is not a valid host (`foo_bar.com/app`) is refused, where
 * distribution would keep the whole name as a path with no registry at all.
 *
 * Pure: no I/O, never throws. An invalid reference is a returned value with a
 * reason, because on the admission path an unparsable image must become a
 * warning, not an error.
 */

export const DEFAULT_REGISTRY = 'docker.io';
const LEGACY_DEFAULT_REGISTRY = 'index.docker.io';
/** The namespace of Docker Hub's official images: `nginx` is `docker.io/library/nginx`. */
export const OFFICIAL_REPOSITORY_PREFIX = 'library/';
/**
 * distribution/reference's RepositoryNameTotalLengthMax: it bounds the
 * repository path (`library/` included), not the registry host.
 */
const REPOSITORY_LENGTH_MAX = 255;

/** A parsed, normalized image reference. */
export interface ImageReference {
  /** Registry host with optional port: `docker.io`, `localhost:5000`, `[::1]:5000`. */
  readonly registry: string;
  /** Repository path inside the registry: `library/nginx`, `org/app`. */
  readonly repository: string;
  /** The tag exactly as written; absent when the input had none. */
  readonly tag?: string;
  /** The digest exactly as written (`sha256:…`); absent when the input had none. */
  readonly digest?: string;
}

export type ParsedReference =
  | { readonly ok: true; readonly reference: ImageReference }
  | { readonly ok: false; readonly reason: string };

// distribution/reference regexp.go, composed from the same pieces.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6_LITERAL = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6_LITERAL})(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_PATTERN = new RegExp(`^${DOMAIN}$`);
const REPOSITORY_PATTERN = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG_PATTERN = /^[\w][\w.-]{0,127}$/;
const DIGEST_PATTERN = /^([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):(.*)$/;
const IMAGE_ID_PATTERN = /^[a-f0-9]{64}$/;

/** Hex lengths of the digest algorithms the runtimes accept (opencontainers/go-digest). */
const DIGEST_HEX_LENGTHS: Readonly<Record<string, number>> = {
  sha256: 64,
  sha384: 96,
  sha512: 128,
};

const invalid = (reason: string): ParsedReference => ({ ok: false, reason });

/** Parses `input` and normalizes it (`nginx` → `docker.io/library/nginx`). */
export function parseImageReference(input: string): ParsedReference {
  if (input.length === 0) return invalid('reference is empty');
  const [nameAndTag, digest] = splitDigest(input);
  const [name, tag] = splitTag(nameAndTag);
  if (name.length === 0) return invalid('reference has no repository name');
  // Only a bare 64-hex string is an image ID; with a tag or digest it is a name (as in distribution).
  if (IMAGE_ID_PATTERN.test(input)) {
    return invalid('a 64-character hexadecimal name is an image ID, not a repository');
  }
  const tagProblem = tag === undefined ? undefined : checkTag(tag);
  if (tagProblem !== undefined) return invalid(tagProblem);
  const digestProblem = digest === undefined ? undefined : checkDigest(digest);
  if (digestProblem !== undefined) return invalid(digestProblem);
  const located = locateRegistry(name);
  if (!located.ok) return located;
  return {
    ok: true,
    reference: {
      ...located.reference,
      ...(tag === undefined ? {} : { tag }),
      ...(digest === undefined ? {} : { digest }),
    },
  };
}

/**
 * True when `host` is a registry host as a reference spells it
 * (`harbor.example.com`, `10.0.0.1:5000`, `[::1]:5000`, `localhost`) and a
 * runtime reads it as one in first position, also once lowercased: `harbor`
 * alone would be a Docker Hub namespace.
 */
export function isRegistryHost(host: string): boolean {
  return DOMAIN_PATTERN.test(host) && looksLikeHost(host.toLowerCase());
}

/** `registry/repository[:tag][@digest]`; no tag is invented when there was none. */
export function formatImageReference(reference: ImageReference): string {
  const tag = reference.tag === undefined ? '' : `:${reference.tag}`;
  const digest = reference.digest === undefined ? '' : `@${reference.digest}`;
  return `${normalizedName(reference)}${tag}${digest}`;
}

/** `registry/repository`: what policy globs match. */
export function normalizedName(reference: ImageReference): string {
  return `${reference.registry}/${reference.repository}`;
}

/** The fully normalized form the runtime pulls: `latest` is filled in when neither tag nor digest is given. */
export function canonicalReference(reference: ImageReference): string {
  const withDefaultTag =
    reference.tag === undefined && reference.digest === undefined
      ? { ...reference, tag: 'latest' }
      : reference;
  return formatImageReference(withDefaultTag);
}

function splitDigest(input: string): [string, string | undefined] {
  const at = input.indexOf('@');
  return at === -1 ? [input, undefined] : [input.slice(0, at), input.slice(at + 1)];
}

// A `:` after the last `/` starts the tag; one before it is a registry port.
function splitTag(nameAndTag: string): [string, string | undefined] {
  const colon = nameAndTag.lastIndexOf(':');
  if (colon === -1 || colon < nameAndTag.lastIndexOf('/')) return [nameAndTag, undefined];
  return [nameAndTag.slice(0, colon), nameAndTag.slice(colon + 1)];
}

function checkTag(tag: string): string | undefined {
  if (TAG_PATTERN.test(tag)) return undefined;
  return tag.length > 128
    ? 'tag is longer than 128 characters'
    : `invalid tag "${clip(tag)}": letters, digits, "_", "." and "-" only, not starting with "." or "-"`;
}

function checkDigest(digest: string): string | undefined {
  const match = DIGEST_PATTERN.exec(digest);
  if (match === null) return `invalid digest "${clip(digest)}": expected algorithm:hex`;
  const [, algorithm = '', hex = ''] = match;
  const expectedLength = DIGEST_HEX_LENGTHS[algorithm];
  if (expectedLength === undefined) return `unsupported digest algorithm "${clip(algorithm)}"`;
  if (hex.length !== expectedLength || !/^[a-f0-9]+$/.test(hex)) {
    return `invalid ${algorithm} digest: expected ${expectedLength} lowercase hex characters`;
  }
  return undefined;
}

// splitDockerDomain: the first component is a registry only if it looks like a
// host (has "." or ":", or is "localhost"); otherwise the image is on Docker Hub.
function locateRegistry(name: string): ParsedReference {
  const slash = name.indexOf('/');
  const isRegistry = slash !== -1 && looksLikeHost(name.slice(0, slash));
  const first = isRegistry ? name.slice(0, slash) : '';
  let registry = isRegistry ? first : DEFAULT_REGISTRY;
  let repository = isRegistry ? name.slice(slash + 1) : name;
  if (isRegistry && !DOMAIN_PATTERN.test(registry)) {
    return invalid(`invalid registry "${clip(registry)}"`);
  }
  if (registry === LEGACY_DEFAULT_REGISTRY) registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && !repository.includes('/')) {
    repository = OFFICIAL_REPOSITORY_PREFIX + repository;
  }
  if (!REPOSITORY_PATTERN.test(repository)) return invalid(describeBadRepository(repository));
  // As distribution: the path after the registry, `library/` included; the host does not count.
  if (repository.length > REPOSITORY_LENGTH_MAX) {
    return invalid(`repository path is longer than ${REPOSITORY_LENGTH_MAX} characters`);
  }
  return { ok: true, reference: { registry, repository } };
}

// Upper case cannot be a Docker Hub user, so distribution takes it for a host as well.
function looksLikeHost(component: string): boolean {
  return (
    component.includes('.') ||
    component.includes(':') ||
    component === 'localhost' ||
    component !== component.toLowerCase()
  );
}

function describeBadRepository(repository: string): string {
  if (repository !== repository.toLowerCase()) {
    return `repository "${clip(repository)}" must be lowercase`;
  }
  return `invalid repository "${clip(repository)}": path components are lowercase letters and digits joined by ".", "_", "__" or "-"`;
}

// Reasons end up in admission warnings, which the apiserver truncates: keep echoes short.
function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}
