// Table tests for the image-reference parser. The rules follow distribution/reference
// v0.6.0 (ParseNormalizedNamed): splitDockerDomain decides the registry,
// the anchored reference grammar decides validity, go-digest decides digest validity.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';

import {
  formatImageReference,
  normalizedName,
  parseImageReference,
} from '../../src/core/reference.ts';
import type { ImageReference, ParsedReference } from '../../src/core/reference.ts';

// ---------------------------------------------------------------------------
// Fixtures: real digests, computed rather than pasted so their lengths are right.
// ---------------------------------------------------------------------------

const hexOf = (algorithm: 'sha256' | 'sha384' | 'sha512', seed: string): string =>
  createHash(algorithm).update(seed).digest('hex');

const HEX256 = hexOf('sha256', 'nginx'); // 64 lowercase hex
const HEX384 = hexOf('sha384', 'app'); // 96 lowercase hex
const HEX512 = hexOf('sha512', 'app'); // 128 lowercase hex
const SHA256 = `sha256:${HEX256}`;
const SHA256_OTHER = `sha256:${hexOf('sha256', 'other')}`;
const SHA384 = `sha384:${HEX384}`;
const SHA512 = `sha512:${HEX512}`;
const IMAGE_ID = hexOf('sha256', 'image-id'); // looks like an image ID: 64 lowercase hex

const TAG_128 = 't'.repeat(128);
// The 255-character limit is on the repository path: "library/" + 247 is exactly 255.
const OFFICIAL_NAME_AT_LIMIT = 'a'.repeat(247);
// "org/" + 251 is exactly 255; the registry host does not count.
const GHCR_NAME_AT_LIMIT = `ghcr.io/org/${'b'.repeat(251)}`;

const HOSTILE_TIME_BUDGET_MS = 1500;

// ---------------------------------------------------------------------------
// Table types and assertion helpers
// ---------------------------------------------------------------------------

interface ValidExpectation {
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  readonly formatted: string;
  readonly normalizedName: string;
}

interface ValidCase {
  readonly name: string;
  readonly input: string;
  readonly expected: ValidExpectation;
}

interface InvalidCase {
  readonly name: string;
  readonly input: string;
  readonly expected: { readonly ok: false; readonly reasonIncludes?: string };
}

/** Calls the parser, failing the test (instead of crashing) if it throws. */
function parseSafely(input: string): ParsedReference {
  let result: ParsedReference | undefined;
  assert.doesNotThrow(() => {
    result = parseImageReference(input);
  }, 'parseImageReference must never throw');
  assert.ok(result !== undefined && typeof result === 'object', 'parser must return a result');
  return result;
}

function expectValid(input: string): ImageReference {
  const result = parseSafely(input);
  if (!result.ok) {
    assert.fail(`expected ${JSON.stringify(input)} to parse, got reason: ${result.reason}`);
  }
  assert.equal(result.ok, true);
  return result.reference;
}

function expectInvalid(input: string): string {
  const result = parseSafely(input);
  if (result.ok) {
    assert.fail(
      `expected ${preview(input)} to be rejected, got ${JSON.stringify(result.reference)}`,
    );
  }
  assert.equal(result.ok, false);
  assert.equal(typeof result.reason, 'string');
  assert.ok(result.reason.trim().length > 0, 'the reason must not be empty');
  return result.reason;
}

/** The four contract fields; an optional field is present only if the key exists. */
function fieldsOf(reference: ImageReference): Record<string, string | undefined> {
  const fields: Record<string, string | undefined> = {
    registry: reference.registry,
    repository: reference.repository,
  };
  if ('tag' in reference) fields['tag'] = reference.tag;
  if ('digest' in reference) fields['digest'] = reference.digest;
  return fields;
}

function preview(input: string): string {
  return input.length > 80
    ? `${JSON.stringify(input.slice(0, 80))}… (${input.length} chars)`
    : JSON.stringify(input);
}

/** A Docker Hub expectation; `repository` is the full path including any `library/`. */
function hub(repository: string, suffix: { tag?: string; digest?: string } = {}): ValidExpectation {
  return expectation('docker.io', repository, suffix);
}

function expectation(
  registry: string,
  repository: string,
  suffix: { tag?: string; digest?: string } = {},
): ValidExpectation {
  const name = `${registry}/${repository}`;
  const tagPart = suffix.tag === undefined ? '' : `:${suffix.tag}`;
  const digestPart = suffix.digest === undefined ? '' : `@${suffix.digest}`;
  return {
    registry,
    repository,
    ...(suffix.tag === undefined ? {} : { tag: suffix.tag }),
    ...(suffix.digest === undefined ? {} : { digest: suffix.digest }),
    formatted: `${name}${tagPart}${digestPart}`,
    normalizedName: name,
  };
}

// ---------------------------------------------------------------------------
// Valid references
// ---------------------------------------------------------------------------

const dockerHubCases: readonly ValidCase[] = [
  {
    name: 'an official image without a tag defaults to docker.io/library and has no tag',
    input: 'nginx',
    expected: {
      registry: 'docker.io',
      repository: 'library/nginx',
      formatted: 'docker.io/library/nginx',
      normalizedName: 'docker.io/library/nginx',
    },
  },
  {
    name: 'an official image with a tag keeps the tag',
    input: 'nginx:1.25',
    expected: hub('library/nginx', { tag: '1.25' }),
  },
  {
    name: 'an explicit latest tag is kept rather than dropped',
    input: 'nginx:latest',
    expected: hub('library/nginx', { tag: 'latest' }),
  },
  {
    name: 'an explicit library namespace on the default registry is unchanged',
    input: 'library/nginx',
    expected: hub('library/nginx'),
  },
  {
    name: 'docker.io with a single component gets the library namespace',
    input: 'docker.io/nginx',
    expected: hub('library/nginx'),
  },
  {
    name: 'a fully qualified official image is already normalised',
    input: 'docker.io/library/nginx:1.25-alpine',
    expected: hub('library/nginx', { tag: '1.25-alpine' }),
  },
  {
    name: 'the legacy index.docker.io registry becomes docker.io with the library namespace',
    input: 'index.docker.io/nginx',
    expected: hub('library/nginx'),
  },
  {
    name: 'the legacy index.docker.io registry keeps a user namespace',
    input: 'index.docker.io/bitnami/redis:7.2',
    expected: hub('bitnami/redis', { tag: '7.2' }),
  },
  {
    name: 'a user repository without a registry goes to docker.io without library',
    input: 'user/app',
    expected: hub('user/app'),
  },
  {
    name: 'a user repository on explicit docker.io keeps its namespace',
    input: 'docker.io/user/app:v2',
    expected: hub('user/app', { tag: 'v2' }),
  },
  {
    name: 'a nested path without a registry stays on docker.io unchanged',
    input: 'user/team/app',
    expected: hub('user/team/app'),
  },
  {
    name: 'a first component with only a hyphen is a namespace, not a registry',
    input: 'my-registry/app',
    expected: hub('my-registry/app'),
  },
  {
    name: 'a first component with an underscore is a namespace, not a registry',
    input: 'my_org/app',
    expected: hub('my_org/app'),
  },
  {
    name: 'registry-1.docker.io is kept as written by the parser (the policy treats it as Docker Hub)',
    input: 'registry-1.docker.io/library/nginx',
    expected: expectation('registry-1.docker.io', 'library/nginx'),
  },
];

const singleComponentCases: readonly ValidCase[] = [
  {
    name: 'a bare localhost without a slash is an official image name, not a registry',
    input: 'localhost',
    expected: hub('library/localhost'),
  },
  {
    name: 'a bare localhost:5000 without a slash is the localhost image with tag 5000',
    input: 'localhost:5000',
    expected: hub('library/localhost', { tag: '5000' }),
  },
  {
    name: 'a bare dotted name without a slash is an official image name, not a registry',
    input: 'example.com',
    expected: hub('library/example.com'),
  },
];

const otherRegistryCases: readonly ValidCase[] = [
  {
    name: 'a ghcr.io image keeps its registry, namespace and tag',
    input: 'ghcr.io/org/app:v1.2.3',
    expected: expectation('ghcr.io', 'org/app', { tag: 'v1.2.3' }),
  },
  {
    name: 'a single-component repository on another registry does not get library',
    input: 'registry.k8s.io/pause',
    expected: expectation('registry.k8s.io', 'pause'),
  },
  {
    name: 'a single-component repository on another registry keeps its tag',
    input: 'registry.k8s.io/pause:3.9',
    expected: expectation('registry.k8s.io', 'pause', { tag: '3.9' }),
  },
  {
    name: 'a quay.io image with a hyphenated name parses',
    input: 'quay.io/prometheus/node-exporter:v1.8.0',
    expected: expectation('quay.io', 'prometheus/node-exporter', { tag: 'v1.8.0' }),
  },
  {
    name: 'a gcr.io distroless image parses',
    input: 'gcr.io/distroless/static-debian12:nonroot',
    expected: expectation('gcr.io', 'distroless/static-debian12', { tag: 'nonroot' }),
  },
  {
    name: 'a library path on another registry is kept as written',
    input: 'public.ecr.aws/docker/library/nginx:stable',
    expected: expectation('public.ecr.aws', 'docker/library/nginx', { tag: 'stable' }),
  },
  {
    name: 'an ECR registry whose first label is all digits parses',
    input: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:2024.01.15',
    expected: expectation('123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'team/app', {
      tag: '2024.01.15',
    }),
  },
  {
    name: 'a deeply nested repository path is kept whole',
    input: 'harbor.example.com/proj/sub/deep/app:1',
    expected: expectation('harbor.example.com', 'proj/sub/deep/app', { tag: '1' }),
  },
  {
    name: 'localhost followed by a slash is a registry',
    input: 'localhost/app',
    expected: expectation('localhost', 'app'),
  },
  {
    name: 'localhost with a port keeps host and port',
    input: 'localhost:5000/app',
    expected: expectation('localhost:5000', 'app'),
  },
  {
    name: 'a first component with a port is a registry even without a dot',
    input: 'myregistry:5000/a/b',
    expected: expectation('myregistry:5000', 'a/b'),
  },
  {
    name: 'a registry with a port keeps the port alongside a tag',
    input: 'harbor.example.com:8443/proj/app:v1',
    expected: expectation('harbor.example.com:8443', 'proj/app', { tag: 'v1' }),
  },
  {
    name: 'an IPv4 registry with a port parses',
    input: '127.0.0.1:5000/app:dev',
    expected: expectation('127.0.0.1:5000', 'app', { tag: 'dev' }),
  },
  {
    name: 'an IPv4 registry without a port parses',
    input: '10.0.0.1/team/app',
    expected: expectation('10.0.0.1', 'team/app'),
  },
  {
    name: 'a registry host with repeated hyphens inside a label parses',
    input: 'my--registry.example.com/app',
    expected: expectation('my--registry.example.com', 'app'),
  },
  {
    name: 'a bracketed IPv6 loopback with a port is a registry',
    input: '[::1]:5000/app:v1',
    expected: expectation('[::1]:5000', 'app', { tag: 'v1' }),
  },
  {
    name: 'a bracketed IPv6 address without a port is a registry',
    input: '[2001:db8::1]/team/app',
    expected: expectation('[2001:db8::1]', 'team/app'),
  },
  {
    name: 'a bracketed IPv6 loopback without a port is a registry',
    input: '[::1]/app',
    expected: expectation('[::1]', 'app'),
  },
  {
    name: 'an uncompressed IPv6 address with a port and a digest parses',
    input: `[2001:db8:0:0:0:0:0:1]:443/app@${SHA256}`,
    expected: expectation('[2001:db8:0:0:0:0:0:1]:443', 'app', { digest: SHA256 }),
  },
];

const tagCases: readonly ValidCase[] = [
  {
    name: 'a tag of exactly 128 characters is accepted',
    input: `nginx:${TAG_128}`,
    expected: hub('library/nginx', { tag: TAG_128 }),
  },
  {
    name: 'a tag may start with an underscore',
    input: 'nginx:_private',
    expected: hub('library/nginx', { tag: '_private' }),
  },
  {
    name: 'a tag keeps its uppercase letters exactly as written',
    input: 'nginx:V1.0-RC',
    expected: hub('library/nginx', { tag: 'V1.0-RC' }),
  },
  {
    name: 'a tag with dots and hyphens parses',
    input: 'nginx:1.25.3-alpine3.19',
    expected: hub('library/nginx', { tag: '1.25.3-alpine3.19' }),
  },
  {
    name: 'a single-character tag parses',
    input: 'nginx:0',
    expected: hub('library/nginx', { tag: '0' }),
  },
  {
    name: 'a tag may repeat separators after its first character',
    input: 'nginx:a__b..c--d',
    expected: hub('library/nginx', { tag: 'a__b..c--d' }),
  },
];

const digestCases: readonly ValidCase[] = [
  {
    name: 'a sha256 digest without a tag leaves the tag absent',
    input: `nginx@${SHA256}`,
    expected: hub('library/nginx', { digest: SHA256 }),
  },
  {
    name: 'a tag and a digest together are both kept',
    input: `nginx:1.25@${SHA256}`,
    expected: hub('library/nginx', { tag: '1.25', digest: SHA256 }),
  },
  {
    name: 'a sha384 digest with 96 hex characters is accepted',
    input: `ghcr.io/org/app@${SHA384}`,
    expected: expectation('ghcr.io', 'org/app', { digest: SHA384 }),
  },
  {
    name: 'a sha512 digest with 128 hex characters is accepted together with a tag',
    input: `ghcr.io/org/app:v1@${SHA512}`,
    expected: expectation('ghcr.io', 'org/app', { tag: 'v1', digest: SHA512 }),
  },
  {
    name: 'a registry with a port, a tag and a digest are all kept',
    input: `localhost:5000/team/app:v2@${SHA256}`,
    expected: expectation('localhost:5000', 'team/app', { tag: 'v2', digest: SHA256 }),
  },
  {
    name: 'an IPv6 registry with a port and a digest parses',
    input: `[::1]:5000/app@${SHA256}`,
    expected: expectation('[::1]:5000', 'app', { digest: SHA256 }),
  },
  {
    name: 'the legacy index.docker.io registry is normalised for a digest reference',
    input: `index.docker.io/library/nginx@${SHA256_OTHER}`,
    expected: hub('library/nginx', { digest: SHA256_OTHER }),
  },
];

const repositoryComponentCases: readonly ValidCase[] = [
  {
    name: 'a double underscore is an allowed separator',
    input: 'a__b/c',
    expected: hub('a__b/c'),
  },
  {
    name: 'several hyphens in a row are an allowed separator',
    input: 'org/a---b',
    expected: hub('org/a---b'),
  },
  {
    name: 'single dots are allowed separators in a repository component',
    input: 'org/a.b.c',
    expected: hub('org/a.b.c'),
  },
  {
    name: 'mixed single separators are allowed in one component',
    input: 'ghcr.io/org/a_b-c.d',
    expected: expectation('ghcr.io', 'org/a_b-c.d'),
  },
  {
    name: 'a deep path on docker.io is kept whole',
    input: 'a/b/c/d/e/f',
    expected: hub('a/b/c/d/e/f'),
  },
  {
    name: 'components may start with and consist of digits',
    input: 'org1/2app',
    expected: hub('org1/2app'),
  },
  {
    name: 'a name of 63 hex characters is not an image ID and parses',
    input: IMAGE_ID.slice(0, 63),
    expected: hub(`library/${IMAGE_ID.slice(0, 63)}`),
  },
  {
    name: 'a name of 65 hex characters is not an image ID and parses',
    input: `${IMAGE_ID}0`,
    expected: hub(`library/${IMAGE_ID}0`),
  },
  {
    name: 'an official name whose repository path is exactly 255 characters is accepted',
    input: OFFICIAL_NAME_AT_LIMIT,
    expected: hub(`library/${OFFICIAL_NAME_AT_LIMIT}`),
  },
  {
    name: 'a repository path of exactly 255 characters on another registry is accepted',
    input: GHCR_NAME_AT_LIMIT,
    expected: expectation('ghcr.io', `org/${'b'.repeat(251)}`),
  },
];

const validGroups: ReadonlyArray<readonly [string, readonly ValidCase[]]> = [
  ['Docker Hub normalisation', dockerHubCases],
  ['single-component names are never registries', singleComponentCases],
  ['registries other than Docker Hub', otherRegistryCases],
  ['tags', tagCases],
  ['digests', digestCases],
  ['repository path components and length', repositoryComponentCases],
];

const allValidCases: readonly ValidCase[] = validGroups.flatMap(([, cases]) => cases);

describe('parseImageReference accepts and normalises valid references', () => {
  for (const [group, cases] of validGroups) {
    describe(group, () => {
      for (const { name, input, expected } of cases) {
        it(name, () => {
          const reference = expectValid(input);
          const { formatted, normalizedName: expectedName, ...fields } = expected;
          assert.deepEqual(fieldsOf(reference), fields);
          assert.equal(formatImageReference(reference), formatted);
          assert.equal(normalizedName(reference), expectedName);
        });
      }
    });
  }
});

// ---------------------------------------------------------------------------
// Invalid references
// ---------------------------------------------------------------------------

const rejected = { ok: false } as const;
const needsLowercase = { ok: false, reasonIncludes: 'lowercase' } as const;

const emptyAndWhitespaceCases: readonly InvalidCase[] = [
  { name: 'an empty string is rejected', input: '', expected: rejected },
  { name: 'a single space is rejected', input: ' ', expected: rejected },
  { name: 'a tab is rejected', input: '\t', expected: rejected },
  { name: 'a newline is rejected', input: '\n', expected: rejected },
  { name: 'a leading space is rejected', input: ' nginx', expected: rejected },
  { name: 'a trailing space is rejected', input: 'nginx ', expected: rejected },
  { name: 'a space inside the name is rejected', input: 'ngi nx', expected: rejected },
  { name: 'a space before the tag is rejected', input: 'nginx :latest', expected: rejected },
  { name: 'a space inside the tag is rejected', input: 'nginx: latest', expected: rejected },
  { name: 'a trailing non-breaking space is rejected', input: 'nginx\u00a0', expected: rejected },
  { name: 'a leading byte-order mark is rejected', input: '\ufeffnginx', expected: rejected },
];

const controlCharacterCases: readonly InvalidCase[] = [
  { name: 'an embedded NUL character is rejected', input: 'nginx\u0000', expected: rejected },
  { name: 'an embedded bell character is rejected', input: 'ngi\u0007nx', expected: rejected },
  { name: 'a trailing newline is rejected', input: 'nginx\n', expected: rejected },
  {
    name: 'a trailing CRLF after a tag is rejected',
    input: 'nginx:latest\r\n',
    expected: rejected,
  },
  { name: 'a DEL character is rejected', input: 'nginx\u007f', expected: rejected },
  {
    name: 'a newline between two references is rejected',
    input: 'nginx\nredis',
    expected: rejected,
  },
];

const missingPartCases: readonly InvalidCase[] = [
  { name: 'a tag without a name is rejected', input: ':latest', expected: rejected },
  { name: 'a digest without a name is rejected', input: `@${SHA256}`, expected: rejected },
  { name: 'a lone colon is rejected', input: ':', expected: rejected },
  { name: 'a lone at sign is rejected', input: '@', expected: rejected },
  { name: 'a lone slash is rejected', input: '/', expected: rejected },
  { name: 'a colon with an empty tag is rejected', input: 'nginx:', expected: rejected },
  { name: 'an at sign with an empty digest is rejected', input: 'nginx@', expected: rejected },
  {
    name: 'an empty tag before a digest is rejected',
    input: `nginx:@${SHA256}`,
    expected: rejected,
  },
  {
    name: 'a digest algorithm without hex is rejected',
    input: 'nginx@sha256:',
    expected: rejected,
  },
  {
    name: 'a digest without an algorithm is rejected',
    input: `nginx@:${HEX256}`,
    expected: rejected,
  },
  { name: 'bare hex after the at sign is rejected', input: `nginx@${HEX256}`, expected: rejected },
];

const urlLikeCases: readonly InvalidCase[] = [
  { name: 'an http URL is rejected', input: 'http://nginx', expected: rejected },
  {
    name: 'an https URL with a path and tag is rejected',
    input: 'https://ghcr.io/org/app:v1',
    expected: rejected,
  },
  { name: 'a docker:// transport prefix is rejected', input: 'docker://nginx', expected: rejected },
];

const uppercaseCases: readonly InvalidCase[] = [
  {
    name: 'an uppercase official name is rejected as not lowercase',
    input: 'Nginx',
    expected: needsLowercase,
  },
  {
    name: 'an all-uppercase name with a tag is rejected as not lowercase',
    input: 'NGINX:latest',
    expected: needsLowercase,
  },
  {
    name: 'an uppercase namespace on docker.io is rejected as not lowercase',
    input: 'docker.io/Library/nginx',
    expected: needsLowercase,
  },
  {
    name: 'an uppercase second component is rejected as not lowercase',
    input: 'user/App',
    expected: needsLowercase,
  },
  {
    name: 'an uppercase namespace on ghcr.io is rejected as not lowercase',
    input: 'ghcr.io/Org/app:v1',
    expected: needsLowercase,
  },
  {
    name: 'an uppercase repository behind a registry port is rejected as not lowercase',
    input: 'localhost:5000/App',
    expected: needsLowercase,
  },
  {
    name: 'an uppercase repository behind an IPv6 registry is rejected as not lowercase',
    input: '[::1]:5000/App',
    expected: needsLowercase,
  },
  {
    name: 'an uppercase repository with a digest is rejected as not lowercase',
    input: `Nginx@${SHA256}`,
    expected: needsLowercase,
  },
  {
    name: 'an uppercase 64-hex name is rejected as not lowercase',
    input: IMAGE_ID.toUpperCase(),
    expected: needsLowercase,
  },
];

const pathComponentCases: readonly InvalidCase[] = [
  { name: 'an empty path component is rejected', input: 'a//b', expected: rejected },
  { name: 'a trailing slash is rejected', input: 'a/', expected: rejected },
  { name: 'a leading slash is rejected', input: '/a', expected: rejected },
  { name: 'a registry with no repository is rejected', input: 'ghcr.io/', expected: rejected },
  {
    name: 'an empty component right after the registry is rejected',
    input: 'ghcr.io//app',
    expected: rejected,
  },
  {
    name: 'a trailing slash after a full path is rejected',
    input: 'ghcr.io/org/app/',
    expected: rejected,
  },
  {
    name: 'a trailing slash before a tag is rejected',
    input: 'ghcr.io/org/app/:v1',
    expected: rejected,
  },
  { name: 'a leading hyphen in a component is rejected', input: '-nginx', expected: rejected },
  { name: 'a trailing hyphen in a component is rejected', input: 'nginx-', expected: rejected },
  { name: 'a leading underscore in a component is rejected', input: '_nginx', expected: rejected },
  { name: 'a trailing underscore in a component is rejected', input: 'nginx_', expected: rejected },
  { name: 'a leading dot in a component is rejected', input: '.nginx', expected: rejected },
  { name: 'a trailing dot in a component is rejected', input: 'nginx.', expected: rejected },
  { name: 'two dots in a row are rejected', input: 'a..b', expected: rejected },
  { name: 'three underscores in a row are rejected', input: 'a___b', expected: rejected },
  { name: 'a dot followed by an underscore is rejected', input: 'a._b', expected: rejected },
  { name: 'a hyphen followed by a dot is rejected', input: 'a-.b', expected: rejected },
  {
    name: 'a leading hyphen in a later component is rejected',
    input: 'org/-app',
    expected: rejected,
  },
];

const registryCases: readonly InvalidCase[] = [
  { name: 'a non-numeric port is rejected', input: 'localhost:abc/app', expected: rejected },
  { name: 'an empty port is rejected', input: 'localhost:/app', expected: rejected },
  { name: 'two ports are rejected', input: 'localhost:5000:6000/app', expected: rejected },
  {
    name: 'a registry label starting with a hyphen is rejected',
    input: '-registry.io/app',
    expected: rejected,
  },
  {
    name: 'a registry label ending with a hyphen is rejected',
    input: 'registry-.io/app',
    expected: rejected,
  },
  { name: 'an empty registry label is rejected', input: 'registry..io/app', expected: rejected },
  { name: 'an IPv6 address without brackets is rejected', input: '::1/app', expected: rejected },
  { name: 'an unclosed IPv6 bracket is rejected', input: '[::1/app', expected: rejected },
  {
    name: 'non-hex characters inside IPv6 brackets are rejected',
    input: '[zz::1]/app',
    expected: rejected,
  },
  { name: 'empty IPv6 brackets are rejected', input: '[]/app', expected: rejected },
  {
    name: 'a non-numeric port after an IPv6 address is rejected',
    input: '[::1]:abc/app',
    expected: rejected,
  },
  {
    name: 'a bare IPv6 address without a repository is rejected',
    input: '[::1]',
    expected: rejected,
  },
];

const tagInvalidCases: readonly InvalidCase[] = [
  { name: 'a tag of 129 characters is rejected', input: `nginx:${TAG_128}x`, expected: rejected },
  { name: 'a tag starting with a hyphen is rejected', input: 'nginx:-bad', expected: rejected },
  { name: 'a tag starting with a dot is rejected', input: 'nginx:.x', expected: rejected },
  { name: 'a tag with a plus sign is rejected', input: 'nginx:a+b', expected: rejected },
  { name: 'a tag with a colon is rejected', input: 'nginx:a:b', expected: rejected },
  { name: 'a tag with a non-ASCII letter is rejected', input: 'nginx:lätest', expected: rejected },
  { name: 'a tag after a digest is rejected', input: `nginx@${SHA256}:latest`, expected: rejected },
];

const digestInvalidCases: readonly InvalidCase[] = [
  {
    name: 'a sha256 digest with 63 hex characters is rejected',
    input: `nginx@sha256:${HEX256.slice(1)}`,
    expected: rejected,
  },
  {
    name: 'a sha256 digest with 65 hex characters is rejected',
    input: `nginx@sha256:${HEX256}0`,
    expected: rejected,
  },
  {
    name: 'a sha256 digest with uppercase hex is rejected',
    input: `nginx@sha256:${HEX256.toUpperCase()}`,
    expected: rejected,
  },
  {
    name: 'a sha256 digest with a non-hex character is rejected',
    input: `nginx@sha256:${'g'.repeat(64)}`,
    expected: rejected,
  },
  {
    name: 'a sha384 digest with only 64 hex characters is rejected',
    input: `nginx@sha384:${HEX256}`,
    expected: rejected,
  },
  {
    name: 'a sha512 digest with only 96 hex characters is rejected',
    input: `nginx@sha512:${HEX384}`,
    expected: rejected,
  },
  {
    name: 'an md5 digest is rejected as an unsupported algorithm',
    input: `nginx@md5:${HEX256.slice(0, 32)}`,
    expected: rejected,
  },
  {
    name: 'a sha1 digest is rejected as an unsupported algorithm',
    input: `nginx@sha1:${HEX256.slice(0, 40)}`,
    expected: rejected,
  },
  {
    name: 'an unregistered blake3 digest is rejected',
    input: `nginx@blake3:${HEX256}`,
    expected: rejected,
  },
  {
    name: 'an uppercase algorithm name is rejected',
    input: `nginx@SHA256:${HEX256}`,
    expected: rejected,
  },
  {
    name: 'two digests are rejected',
    input: `nginx@${SHA256}@${SHA256_OTHER}`,
    expected: rejected,
  },
];

const identifierAndLengthCases: readonly InvalidCase[] = [
  {
    name: 'a name of exactly 64 lowercase hex characters is rejected as an image ID',
    input: IMAGE_ID,
    expected: rejected,
  },
  {
    name: 'an official name whose repository path (library/ included) exceeds 255 characters is rejected',
    input: 'a'.repeat(248),
    expected: rejected,
  },
  {
    name: 'a repository path longer than 255 characters is rejected',
    input: `ghcr.io/org/${'b'.repeat(252)}`,
    expected: rejected,
  },
  {
    name: 'a name of 100000 characters is rejected',
    input: 'a'.repeat(100_000),
    expected: rejected,
  },
  {
    name: 'a tag of 100000 characters is rejected',
    input: `nginx:${'a'.repeat(100_000)}`,
    expected: rejected,
  },
  {
    name: 'a digest of 100000 hex characters is rejected',
    input: `nginx@sha256:${'a'.repeat(100_000)}`,
    expected: rejected,
  },
];

const unicodeCases: readonly InvalidCase[] = [
  { name: 'a fullwidth name is rejected', input: 'ｎｇｉｎｘ', expected: rejected },
  { name: 'an accented letter in the name is rejected', input: 'nginé', expected: rejected },
  { name: 'an emoji in the name is rejected', input: 'nginx🐳', expected: rejected },
  { name: 'a lone surrogate is rejected', input: 'nginx\ud800', expected: rejected },
];

const invalidGroups: ReadonlyArray<readonly [string, readonly InvalidCase[]]> = [
  ['empty and whitespace', emptyAndWhitespaceCases],
  ['control characters', controlCharacterCases],
  ['missing name, tag or digest', missingPartCases],
  ['URLs and transports', urlLikeCases],
  ['uppercase repositories', uppercaseCases],
  ['repository path components', pathComponentCases],
  ['registries', registryCases],
  ['tags', tagInvalidCases],
  ['digests', digestInvalidCases],
  ['image IDs and length limits', identifierAndLengthCases],
  ['non-ASCII input', unicodeCases],
];

describe('parseImageReference rejects invalid references with a reason', () => {
  for (const [group, cases] of invalidGroups) {
    describe(group, () => {
      for (const { name, input, expected } of cases) {
        it(name, () => {
          const reason = expectInvalid(input);
          if (expected.reasonIncludes !== undefined) {
            assert.match(reason.toLowerCase(), new RegExp(expected.reasonIncludes));
          }
        });
      }
    });
  }
});

// ---------------------------------------------------------------------------
// The test tables of github.com/distribution/reference v0.6.0 (reference_test.go,
// normalize_test.go, regexp_test.go), ported where they apply to a normalized
// parse (ParseNormalizedNamed, which the kubelet and containerd use). Tables
// written for Parse or for one regular expression are given the result
// ParseNormalizedNamed gives for the same input: "test_com" is
// docker.io/library/test_com, and a first component that is not a host is a
// Docker Hub namespace. Inputs that only make sense for ParseAnyReference (a
// bare digest) are left out.
// ---------------------------------------------------------------------------

const F64 = 'f'.repeat(64);
const F128 = 'f'.repeat(128);
const BE178 = 'sha256:be178c0543eb17f5f3043021c9e5fcf30285e557a4fc309cce97ff9ca6182912';
const DBCC = 'dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';
const DA304 = 'da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821';
const NAMESPACE_OVER_255 = `${'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4).slice(0, -1)}/docker`;

/** [input, registry, repository, tag, digest]: what ParseNormalizedNamed returns. */
type DistributionValid = readonly [
  string,
  string,
  string,
  (string | undefined)?,
  (string | undefined)?,
];

const distributionValid: readonly DistributionValid[] = [
  // reference_test.go TestReferenceParse
  ['test_com', 'docker.io', 'library/test_com'],
  ['test.com:tag', 'docker.io', 'library/test.com', 'tag'],
  ['test.com:5000', 'docker.io', 'library/test.com', '5000'],
  ['test.com/repo:tag', 'test.com', 'repo', 'tag'],
  ['test:5000/repo', 'test:5000', 'repo'],
  ['test:5000/repo:tag', 'test:5000', 'repo', 'tag'],
  [`test:5000/repo@sha256:${F64}`, 'test:5000', 'repo', undefined, `sha256:${F64}`],
  [`test:5000/repo:tag@sha256:${F64}`, 'test:5000', 'repo', 'tag', `sha256:${F64}`],
  ['lowercase:Uppercase', 'docker.io', 'library/lowercase', 'Uppercase'],
  [
    `${'a/'.repeat(127)}a:tag-puts-this-over-max`,
    'docker.io',
    `${'a/'.repeat(127)}a`,
    'tag-puts-this-over-max',
  ],
  ['sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com', 'bar/baz/quux'],
  [
    'sub-dom1.foo.com/bar/baz/quux:some-long-tag',
    'sub-dom1.foo.com',
    'bar/baz/quux',
    'some-long-tag',
  ],
  [
    'b.gcr.io/test.example.com/my-app:test.example.com',
    'b.gcr.io',
    'test.example.com/my-app',
    'test.example.com',
  ],
  ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com', 'myimage', 'xn--n3h.com'],
  [
    `xn--7o8h.com/myimage:xn--7o8h.com@sha512:${F128}`,
    'xn--7o8h.com',
    'myimage',
    'xn--7o8h.com',
    `sha512:${F128}`,
  ],
  ['foo_bar.com:8080', 'docker.io', 'library/foo_bar.com', '8080'],
  ['foo/foo_bar.com:8080', 'docker.io', 'foo/foo_bar.com', '8080'],
  ['192.168.1.1', 'docker.io', 'library/192.168.1.1'],
  ['192.168.1.1:tag', 'docker.io', 'library/192.168.1.1', 'tag'],
  ['192.168.1.1:5000', 'docker.io', 'library/192.168.1.1', '5000'],
  ['192.168.1.1/repo', '192.168.1.1', 'repo'],
  ['192.168.1.1:5000/repo', '192.168.1.1:5000', 'repo'],
  ['192.168.1.1:5000/repo:5050', '192.168.1.1:5000', 'repo', '5050'],
  ['[2001:db8::1]/repo', '[2001:db8::1]', 'repo'],
  ['[2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]', 'repo', 'tag'],
  ['[2001:db8::1]:5000/repo', '[2001:db8::1]:5000', 'repo'],
  ['[2001:db8::1]:5000/repo:tag', '[2001:db8::1]:5000', 'repo', 'tag'],
  [
    `[2001:db8::1]:5000/repo@sha256:${F64}`,
    '[2001:db8::1]:5000',
    'repo',
    undefined,
    `sha256:${F64}`,
  ],
  [
    `[2001:db8::1]:5000/repo:tag@sha256:${F64}`,
    '[2001:db8::1]:5000',
    'repo',
    'tag',
    `sha256:${F64}`,
  ],
  ['[2001:db8::]:5000/repo', '[2001:db8::]:5000', 'repo'],
  ['[::1]:5000/repo', '[::1]:5000', 'repo'],
  // reference_test.go TestDomainAndPath (through a normalized parse)
  ['test.com/foo', 'test.com', 'foo'],
  ['test_com/foo', 'docker.io', 'test_com/foo'],
  ['test:8080/foo', 'test:8080', 'foo'],
  ['test.com:8080/foo', 'test.com:8080', 'foo'],
  ['test-com:8080/foo', 'test-com:8080', 'foo'],
  ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo'],
  // normalize_test.go TestValidateReferenceName
  ['docker/docker', 'docker.io', 'docker/docker'],
  ['library/debian', 'docker.io', 'library/debian'],
  ['debian', 'docker.io', 'library/debian'],
  ['docker.io/docker/docker', 'docker.io', 'docker/docker'],
  ['docker.io/library/debian', 'docker.io', 'library/debian'],
  ['docker.io/debian', 'docker.io', 'library/debian'],
  ['index.docker.io/docker/docker', 'docker.io', 'docker/docker'],
  ['index.docker.io/library/debian', 'docker.io', 'library/debian'],
  ['index.docker.io/debian', 'docker.io', 'library/debian'],
  ['127.0.0.1:5000/docker/docker', '127.0.0.1:5000', 'docker/docker'],
  ['127.0.0.1:5000/library/debian', '127.0.0.1:5000', 'library/debian'],
  ['127.0.0.1:5000/debian', '127.0.0.1:5000', 'debian'],
  ['192.168.0.1', 'docker.io', 'library/192.168.0.1'],
  ['192.168.0.1:80', 'docker.io', 'library/192.168.0.1', '80'],
  ['192.168.0.1:8/debian', '192.168.0.1:8', 'debian'],
  ['192.168.0.2:25000/debian', '192.168.0.2:25000', 'debian'],
  [
    'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    'docker.io',
    'library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
  ],
  ['[fc00::1]:5000/docker', '[fc00::1]:5000', 'docker'],
  ['[fc00::1]:5000/docker/docker', '[fc00::1]:5000', 'docker/docker'],
  ['[fc00:1:2:3:4:5:6:7]:5000/library/debian', '[fc00:1:2:3:4:5:6:7]:5000', 'library/debian'],
  [`docker.io/${DBCC.slice(0, 63)}a`, 'docker.io', `library/${DBCC.slice(0, 63)}a`],
  ['Docker/docker', 'Docker', 'docker'],
  ['DOCKER/docker', 'DOCKER', 'docker'],
  // normalize_test.go TestValidateRemoteName
  ['docker-rules/docker', 'docker.io', 'docker-rules/docker'],
  ['docker---rules/docker', 'docker.io', 'docker---rules/docker'],
  ['doc/docker', 'docker.io', 'doc/docker'],
  ['d/docker', 'docker.io', 'd/docker'],
  ['jess/t', 'docker.io', 'jess/t'],
  ['dock__er/docker', 'docker.io', 'dock__er/docker'],
  // normalize_test.go TestParseRepositoryInfo (familiar, full and ambiguous names)
  ['fooo/bar', 'docker.io', 'fooo/bar'],
  ['docker.io/fooo/bar', 'docker.io', 'fooo/bar'],
  ['index.docker.io/fooo/bar', 'docker.io', 'fooo/bar'],
  ['ubuntu', 'docker.io', 'library/ubuntu'],
  ['docker.io/library/ubuntu', 'docker.io', 'library/ubuntu'],
  ['library/ubuntu', 'docker.io', 'library/ubuntu'],
  ['nonlibrary/ubuntu', 'docker.io', 'nonlibrary/ubuntu'],
  ['other/library', 'docker.io', 'other/library'],
  ['127.0.0.1:8000/private/moonbase', '127.0.0.1:8000', 'private/moonbase'],
  ['127.0.0.1:8000/privatebase', '127.0.0.1:8000', 'privatebase'],
  ['example.com/private/moonbase', 'example.com', 'private/moonbase'],
  ['example.com/privatebase', 'example.com', 'privatebase'],
  ['example.com:8000/private/moonbase', 'example.com:8000', 'private/moonbase'],
  ['example.com:8000/privatebasee', 'example.com:8000', 'privatebasee'],
  ['ubuntu-12.04-base', 'docker.io', 'library/ubuntu-12.04-base'],
  ['index.docker.io/library/ubuntu-12.04-base', 'docker.io', 'library/ubuntu-12.04-base'],
  ['foo', 'docker.io', 'library/foo'],
  ['docker.io/foo', 'docker.io', 'library/foo'],
  ['library/foo/bar', 'docker.io', 'library/foo/bar'],
  ['store/foo/bar', 'docker.io', 'store/foo/bar'],
  ['Foo/bar', 'Foo', 'bar'],
  ['FOO/bar', 'FOO', 'bar'],
  // normalize_test.go TestParseReferenceWithTagAndDigest
  [
    'busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa',
    'docker.io',
    'library/busybox',
    'latest',
    'sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa',
  ],
  // normalize_test.go TestParseAnyReference (the named ones)
  ['redis', 'docker.io', 'library/redis'],
  ['redis:latest', 'docker.io', 'library/redis', 'latest'],
  ['docker.io/library/redis:latest', 'docker.io', 'library/redis', 'latest'],
  [`redis@sha256:${DBCC}`, 'docker.io', 'library/redis', undefined, `sha256:${DBCC}`],
  [
    `docker.io/library/redis@sha256:${DBCC}`,
    'docker.io',
    'library/redis',
    undefined,
    `sha256:${DBCC}`,
  ],
  ['dmcgowan/myapp', 'docker.io', 'dmcgowan/myapp'],
  ['dmcgowan/myapp:latest', 'docker.io', 'dmcgowan/myapp', 'latest'],
  ['docker.io/mcgowan/myapp:latest', 'docker.io', 'mcgowan/myapp', 'latest'],
  [`dmcgowan/myapp@sha256:${DBCC}`, 'docker.io', 'dmcgowan/myapp', undefined, `sha256:${DBCC}`],
  [DBCC.slice(0, 63), 'docker.io', `library/${DBCC.slice(0, 63)}`],
  ['dbcc1', 'docker.io', 'library/dbcc1'],
  // A digest string alone is a name and a tag to ParseNormalizedNamed (ParseAnyReference differs).
  [`sha256:${DBCC}`, 'docker.io', 'library/sha256', DBCC],
  // normalize_test.go TestNormalizedSplitHostname
  ['docker/migrator', 'docker.io', 'docker/migrator'],
  ['xn--n3h.com/foo', 'xn--n3h.com', 'foo'],
  ['docker.io/library/foo', 'docker.io', 'library/foo'],
  ['docker.io/library/foo/bar', 'docker.io', 'library/foo/bar'],
  // regexp_test.go TestFullNameRegexp, matching names
  ['short', 'docker.io', 'library/short'],
  ['simple/name', 'docker.io', 'simple/name'],
  ['docker/stevvooe/app', 'docker.io', 'docker/stevvooe/app'],
  [
    'aa/aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb',
    'docker.io',
    'aa/aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb',
  ],
  ['aa/aa/bb/bb/bb', 'docker.io', 'aa/aa/bb/bb/bb'],
  ['a/a/a/a', 'docker.io', 'a/a/a/a'],
  ['a', 'docker.io', 'library/a'],
  ['a/aa', 'docker.io', 'a/aa'],
  ['a/aa/a', 'docker.io', 'a/aa/a'],
  ['foo.com', 'docker.io', 'library/foo.com'],
  ['foo.com:8080/bar', 'foo.com:8080', 'bar'],
  ['foo.com/bar', 'foo.com', 'bar'],
  ['foo.com/bar/baz', 'foo.com', 'bar/baz'],
  ['localhost:8080/bar', 'localhost:8080', 'bar'],
  ['blog.foo.com/bar/baz', 'blog.foo.com', 'bar/baz'],
  ['aa-a/a', 'docker.io', 'aa-a/a'],
  ['foo_bar', 'docker.io', 'library/foo_bar'],
  ['foo_bar.com', 'docker.io', 'library/foo_bar.com'],
  ['foo.com/foo_bar', 'foo.com', 'foo_bar'],
  ['xn--7o8h.com/myimage', 'xn--7o8h.com', 'myimage'],
  ['example.com/xn--7o8h.com/myimage', 'example.com', 'xn--7o8h.com/myimage'],
  [
    'example.com/some_separator__underscore/myimage',
    'example.com',
    'some_separator__underscore/myimage',
  ],
  ['do__cker/docker', 'docker.io', 'do__cker/docker'],
  [
    'registry.io/foo/project--id.module--name.ver---sion--name',
    'registry.io',
    'foo/project--id.module--name.ver---sion--name',
  ],
  ['Asdf.com/foo/bar', 'Asdf.com', 'foo/bar'],
  // regexp_test.go TestReferenceRegexp, matching references
  ['registry.com:8080/myapp:tag', 'registry.com:8080', 'myapp', 'tag'],
  [`registry.com:8080/myapp@${BE178}`, 'registry.com:8080', 'myapp', undefined, BE178],
  [`registry.com:8080/myapp:tag2@${BE178}`, 'registry.com:8080', 'myapp', 'tag2', BE178],
  [`localhost:8080@${BE178}`, 'docker.io', 'library/localhost', '8080', BE178],
  [`localhost:8080/name@${BE178}`, 'localhost:8080', 'name', undefined, BE178],
  [`localhost@${BE178}`, 'docker.io', 'library/localhost', undefined, BE178],
  // regexp_test.go TestIdentifierRegexp: only a bare 64-hex string is an identifier
  [DA304.slice(0, 60), 'docker.io', `library/${DA304.slice(0, 60)}`],
  [`${DA304}8482`, 'docker.io', `library/${DA304}8482`],
  [`sha256:${DA304}`, 'docker.io', 'library/sha256', DA304],
  // regexp_test.go TestDomainRegexp, as the registry of "<domain>/repo"
  ...[
    'test.com',
    'test.com:10304',
    'localhost',
    'localhost:8080',
    'a.b',
    'ab.cd.com',
    'a-b.com',
    'ab.c-om',
    '0101.com',
    '001a.com',
    'b.gbc.io:443',
    'b.gbc.io',
    'xn--n3h.com',
    'Asdf.com',
    '192.168.1.1:75050',
    '192.168.1.1:750050',
    '[fd00:1:2::3]:75050',
    '[fd00123123123]:75050',
    '[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:75050',
    '[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:750505',
  ].map((domain): DistributionValid => [`${domain}/repo`, domain, 'repo']),
  // "a" is a valid domain, but in first position without "." or ":" it is a namespace.
  ['a/repo', 'docker.io', 'a/repo'],
];

/** [input, the table it comes from]: ParseNormalizedNamed refuses it. */
const distributionInvalid: ReadonlyArray<readonly [string, string]> = [
  ['', 'TestReferenceParse'],
  [':justtag', 'TestReferenceParse'],
  [`@sha256:${F64}`, 'TestReferenceParse'],
  [`repo@sha256:${'f'.repeat(34)}`, 'TestReferenceParse'],
  [`validname@invaliddigest:${F64}`, 'TestReferenceParse'],
  ['Uppercase:tag', 'TestReferenceParse'],
  ['test:5000/Uppercase/lowercase:tag', 'TestReferenceParse'],
  [`${'a/'.repeat(128)}a:tag`, 'TestReferenceParse'],
  ['aa/asdf$$^/aa', 'TestReferenceParse'],
  ['[2001:db8::1]', 'TestReferenceParse'],
  ['[2001:db8::1]:5000', 'TestReferenceParse'],
  ['[2001:db8::1]:tag', 'TestReferenceParse'],
  ['[fe80::1%eth0]:5000/repo', 'TestReferenceParse'],
  ['[fe80::1%@invalidzone]:5000/repo', 'TestReferenceParse'],
  ['https://github.com/docker/docker', 'TestValidateReferenceName'],
  ['docker/Docker', 'TestValidateReferenceName'],
  ['-docker', 'TestValidateReferenceName'],
  ['-docker/docker', 'TestValidateReferenceName'],
  ['-docker.io/docker/docker', 'TestValidateReferenceName'],
  ['docker///docker', 'TestValidateReferenceName'],
  ['docker.io/docker/Docker', 'TestValidateReferenceName'],
  ['docker.io/docker///docker', 'TestValidateReferenceName'],
  ['[fc00::1]', 'TestValidateReferenceName'],
  ['[fc00::1]:5000', 'TestValidateReferenceName'],
  ['fc00::1:5000/debian', 'TestValidateReferenceName'],
  ['[fe80::1%eth0]:5000/debian', 'TestValidateReferenceName'],
  ['[2001:db8:3:4::192.0.2.33]:5000/debian', 'TestValidateReferenceName'],
  [DBCC, 'TestValidateReferenceName'],
  ['docker-/docker', 'TestValidateRemoteName'],
  ['-docker-/docker', 'TestValidateRemoteName'],
  ['____/____', 'TestValidateRemoteName'],
  ['_docker/_docker', 'TestValidateRemoteName'],
  ['dock..er/docker', 'TestValidateRemoteName'],
  ['dock_.er/docker', 'TestValidateRemoteName'],
  ['dock-.er/docker', 'TestValidateRemoteName'],
  ['docker/', 'TestValidateRemoteName'],
  [NAMESPACE_OVER_255, 'TestValidateRemoteName'],
  ['-foo', 'TestInvalidReferenceComponents'],
  ['a/a/a/a/', 'TestFullNameRegexp'],
  ['a//a/a', 'TestFullNameRegexp'],
  ['foo.com/', 'TestFullNameRegexp'],
  ['foo.com:http/bar', 'TestFullNameRegexp'],
  ['a^a', 'TestFullNameRegexp'],
  ['asdf$$^/aa', 'TestFullNameRegexp'],
  ['a-/a/a/a', 'TestFullNameRegexp'],
  ['foo.com/a-/a/a', 'TestFullNameRegexp'],
  ['-foo/bar', 'TestFullNameRegexp'],
  ['foo/bar-', 'TestFullNameRegexp'],
  ['foo-/bar', 'TestFullNameRegexp'],
  ['foo/-bar', 'TestFullNameRegexp'],
  ['_foo/bar', 'TestFullNameRegexp'],
  ['foo_bar.com:8080/app', 'TestFullNameRegexp'],
  ['docker_/docker_', 'TestFullNameRegexp'],
  ['example.com/__underscore/myimage', 'TestFullNameRegexp'],
  ['example.com/..dots/myimage', 'TestFullNameRegexp'],
  ['example.com/.dots/myimage', 'TestFullNameRegexp'],
  ['example.com/nodouble..dots/myimage', 'TestFullNameRegexp'],
  ['docker./docker', 'TestFullNameRegexp'],
  ['.docker/docker', 'TestFullNameRegexp'],
  ['do..cker/docker', 'TestFullNameRegexp'],
  ['do__cker:8080/docker', 'TestFullNameRegexp'],
  ['Foo/FarB', 'TestFullNameRegexp'],
  // The name regexp matches 257 characters of path; Parse then refuses them as too long.
  [`${'a/'.repeat(128)}a`, 'TestFullNameRegexp'],
  ['registry.com:8080/myapp@sha256:badbadbadbad', 'TestReferenceRegexp'],
  ['registry.com:8080/myapp:invalid~tag', 'TestReferenceRegexp'],
  ['bad_hostname.com:8080/myapp:tag', 'TestReferenceRegexp'],
  [`localhost:http/name@${BE178}`, 'TestReferenceRegexp'],
  ['registry.com:8080/myapp@bad', 'TestReferenceRegexp'],
  ['registry.com:8080/myapp@2bad', 'TestReferenceRegexp'],
  [DA304, 'TestIdentifierRegexp'],
  [DA304.toUpperCase(), 'TestIdentifierRegexp'],
  ...[
    'test.com:http',
    '-ab.com',
    'ab-.com',
    'ab.-com',
    'ab.com-',
    '[fd00:1:2::3]75050',
    '[fd00:1:2::3]::75050',
    '[fd00:1:2::3%eth0]:75050',
    'fd00:1:2::3:75050',
  ].map((domain) => [`${domain}/repo`, 'TestDomainRegexp'] as const),
];

describe('parseImageReference agrees with the test tables of distribution/reference v0.6.0', () => {
  for (const [input, registry, repository, tag, digest] of distributionValid) {
    it(`parses ${preview(input)} as ${registry}/${repository}`, () => {
      const reference = expectValid(input);
      assert.deepEqual(fieldsOf(reference), {
        registry,
        repository,
        ...(tag === undefined ? {} : { tag }),
        ...(digest === undefined ? {} : { digest }),
      });
    });
  }
  for (const [input, source] of distributionInvalid) {
    it(`refuses ${preview(input)} (${source})`, () => {
      expectInvalid(input);
    });
  }
});

describe('where parseImageReference is deliberately stricter than distribution/reference', () => {
  // distribution's name pattern makes the registry optional, so it reads these as a path with
  // an empty domain, and what a runtime then contacts is up to the runtime; refusing them
  // leaves the image alone with a warning instead of guessing a registry to match rules on.
  for (const input of ['foo_bar.com/app', 'a.b_c/app:1', 'localhost_1.x/app']) {
    it(`refuses ${input}, whose first component looks like a host but is not one`, () => {
      assert.match(expectInvalid(input), /invalid registry/);
    });
  }
});

describe('the length limit counts the repository path only, as distribution/reference v0.6.0', () => {
  it('accepts a 255-character path behind a long registry host', () => {
    const host = `${'r'.repeat(200)}.example.com:5000`;
    const reference = expectValid(`${host}/${'p'.repeat(255)}:v1@${SHA512}`);
    assert.equal(reference.registry, host);
    assert.equal(reference.repository.length, 255);
  });

  it('counts library/ when it is added to an official image', () => {
    assert.equal(expectValid('o'.repeat(247)).repository.length, 255);
    assert.match(expectInvalid('o'.repeat(248)), /repository path is longer than 255 characters/);
  });

  it('does not count docker.io/ in front of a namespaced Docker Hub name', () => {
    const path = `${'n'.repeat(127)}/${'m'.repeat(127)}`;
    assert.equal(expectValid(path).repository, path);
    assert.equal(expectValid(`docker.io/${path}`).repository, path);
  });

  it('refuses a 256-character path on any registry', () => {
    assert.match(expectInvalid(`ghcr.io/${'p'.repeat(256)}`), /longer than 255/);
  });
});

// ---------------------------------------------------------------------------
// Hostile input: long strings shaped to provoke regex backtracking
// ---------------------------------------------------------------------------

const hostileCases: readonly InvalidCase[] = [
  {
    name: 'a long run of dotted labels without a slash fails fast',
    input: 'a.'.repeat(50_000),
    expected: rejected,
  },
  {
    name: 'a long run of hyphenated labels ending badly fails fast',
    input: `${'a-'.repeat(50_000)}!`,
    expected: rejected,
  },
  {
    name: 'a long run of path components ending badly fails fast',
    input: `${'a/'.repeat(50_000)}!`,
    expected: rejected,
  },
  {
    name: 'a long run of dotted path components ending in uppercase fails fast',
    input: `${'a.a/'.repeat(25_000)}A`,
    expected: rejected,
  },
  {
    name: 'a long run of opening brackets fails fast',
    input: '['.repeat(100_000),
    expected: rejected,
  },
  { name: 'a long run of colons fails fast', input: ':'.repeat(100_000), expected: rejected },
  {
    name: 'a long run of name-colon pairs fails fast',
    input: 'a:'.repeat(50_000),
    expected: rejected,
  },
  { name: 'a long run of at signs fails fast', input: '@'.repeat(100_000), expected: rejected },
  {
    name: 'a long registry host of hyphenated labels ending badly fails fast',
    input: `${'a-'.repeat(50_000)}.com/app`,
    expected: rejected,
  },
  {
    name: 'a long registry host of dotted labels ending badly fails fast',
    input: `${'a.'.repeat(50_000)}-:5000/app`,
    expected: rejected,
  },
  {
    name: 'a long name followed by a valid digest fails fast',
    input: `${'a'.repeat(100_000)}@${SHA256}`,
    expected: rejected,
  },
];

describe('parseImageReference stays fast on hostile input', () => {
  for (const { name, input } of hostileCases) {
    it(name, () => {
      const started = performance.now();
      expectInvalid(input);
      const elapsed = performance.now() - started;
      assert.ok(
        elapsed < HOSTILE_TIME_BUDGET_MS,
        `took ${elapsed.toFixed(0)} ms for ${preview(input)}`,
      );
    });
  }
});

// ---------------------------------------------------------------------------
// Round trip: formatting a parsed reference and parsing it again is a fixed point
// ---------------------------------------------------------------------------

describe('formatImageReference round-trips every valid case', () => {
  for (const { name, input } of allValidCases) {
    it(`re-parsing the formatted form gives the same reference when ${name}`, () => {
      const first = expectValid(input);
      const formatted = formatImageReference(first);
      const second = expectValid(formatted);
      assert.deepEqual(fieldsOf(second), fieldsOf(first));
      assert.equal(formatImageReference(second), formatted);
      assert.equal(normalizedName(second), normalizedName(first));
    });
  }
});

// ---------------------------------------------------------------------------
// Formatting hand-built references
// ---------------------------------------------------------------------------

const formatCases: ReadonlyArray<{
  readonly name: string;
  readonly input: ImageReference;
  readonly expected: { readonly formatted: string; readonly normalizedName: string };
}> = [
  {
    name: 'a reference without tag or digest formats as registry/repository',
    input: { registry: 'ghcr.io', repository: 'org/app' },
    expected: { formatted: 'ghcr.io/org/app', normalizedName: 'ghcr.io/org/app' },
  },
  {
    name: 'a tagged reference formats with a colon and the tag',
    input: { registry: 'docker.io', repository: 'library/nginx', tag: '1.25' },
    expected: {
      formatted: 'docker.io/library/nginx:1.25',
      normalizedName: 'docker.io/library/nginx',
    },
  },
  {
    name: 'a digest reference formats with an at sign and the digest',
    input: { registry: 'localhost:5000', repository: 'app', digest: SHA256 },
    expected: { formatted: `localhost:5000/app@${SHA256}`, normalizedName: 'localhost:5000/app' },
  },
  {
    name: 'a reference with tag and digest formats the tag before the digest',
    input: { registry: '[::1]:5000', repository: 'team/app', tag: 'v1', digest: SHA512 },
    expected: {
      formatted: `[::1]:5000/team/app:v1@${SHA512}`,
      normalizedName: '[::1]:5000/team/app',
    },
  },
];

describe('formatImageReference and normalizedName on hand-built references', () => {
  for (const { name, input, expected } of formatCases) {
    it(name, () => {
      assert.equal(formatImageReference(input), expected.formatted);
      assert.equal(normalizedName(input), expected.normalizedName);
    });
  }
});

// ---------------------------------------------------------------------------
// Properties over generated input
// ---------------------------------------------------------------------------

const REPOSITORY_PATTERN =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST_PATTERN = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;

/** Invariants every accepted reference must satisfy, whatever the input was. */
function assertWellFormed(reference: ImageReference): void {
  assert.ok(reference.registry.length > 0 && !reference.registry.includes('/'));
  assert.match(reference.repository, REPOSITORY_PATTERN);
  if (reference.registry === 'docker.io') assert.ok(reference.repository.includes('/'));
  if (reference.tag !== undefined) assert.match(reference.tag, TAG_PATTERN);
  if (reference.digest !== undefined) assert.match(reference.digest, DIGEST_PATTERN);
  assert.equal(normalizedName(reference), `${reference.registry}/${reference.repository}`);
}

const referenceFragments = fc.constantFrom(
  'nginx',
  'app',
  'org/',
  'library/',
  'docker.io/',
  'index.docker.io/',
  'localhost',
  'localhost:5000/',
  '[::1]:5000/',
  'ghcr.io/',
  ':v1',
  ':latest',
  `@${SHA256}`,
  `@${SHA512}`,
  IMAGE_ID,
  '/',
  ':',
  '@',
  '.',
  '-',
  '_',
  '__',
  'A',
  ' ',
  '[',
  ']',
  '5000',
);

describe('parseImageReference properties over generated input', () => {
  it('never throws and always returns a well-formed result for arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (input) => {
        const result = parseSafely(input);
        if (result.ok) assertWellFormed(result.reference);
        else assert.ok(result.reason.length > 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('every accepted reference assembled from realistic fragments is well-formed and round-trips', () => {
    fc.assert(
      fc.property(fc.array(referenceFragments, { maxLength: 6 }), (parts) => {
        const result = parseSafely(parts.join(''));
        if (!result.ok) {
          assert.ok(result.reason.length > 0);
          return;
        }
        assertWellFormed(result.reference);
        const formatted = formatImageReference(result.reference);
        const again = expectValid(formatted);
        assert.deepEqual(fieldsOf(again), fieldsOf(result.reference));
        assert.equal(formatImageReference(again), formatted);
      }),
      { numRuns: 3000 },
    );
  });
});
