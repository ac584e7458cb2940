// Decisions that depend on which registry an image names: the Harbor host in any
// spelling, Docker Hub under its other names, and rewrites that would not parse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decideImage,
  explainDecision,
  finalImage,
  finalReference,
} from '../../src/core/image-decision.ts';
import { mutatePodTemplate } from '../../src/core/mutate.ts';
import { namespacePolicy, NamespaceAnnotation } from '../../src/core/namespace-policy.ts';
import { parseImageReference } from '../../src/core/reference.ts';
import {
  DOCKER_HUB_ALIASES,
  identityName,
  imageIdentity,
  registryIdentity,
} from '../../src/core/registry-identity.ts';
import { previewImages } from '../../src/preview/preview-images.ts';
import { examplePolicy, policyFrom } from '../helpers/fixtures.ts';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

/** A policy that rewrites every image (a rule whose glob also covers the Harbor host). */
const everything = (host: string) =>
  policyFrom(JSON.stringify({ harbor: { host }, rules: [{ match: '**', project: 'all' }] }));

interface Case {
  readonly name: string;
  readonly image: string;
  readonly outcome: string;
  readonly to: string;
}

function check(cases: readonly Case[], policy: () => ReturnType<typeof policyFrom>): void {
  for (const c of cases) {
    it(c.name, () => {
      const decision = decideImage(c.image, policy());
      assert.equal(decision.outcome, c.outcome, explainDecision(decision));
      assert.equal(finalImage(decision), c.to);
    });
  }
}

describe('registryIdentity', () => {
  const cases: ReadonlyArray<readonly [host: string, identity: string]> = [
    ['harbor.example.com', 'harbor.example.com'],
    ['Harbor.Example.COM', 'harbor.example.com'],
    ['harbor.example.com:443', 'harbor.example.com'],
    ['HARBOR.example.com:443', 'harbor.example.com'],
    ['harbor.example.com:8443', 'harbor.example.com:8443'],
    ['harbor.example.com:4430', 'harbor.example.com:4430'],
    ['harbor.example.com:80', 'harbor.example.com:80'],
    ['[::1]:443', '[::1]'],
    ['[FE80::1]:5000', '[fe80::1]:5000'],
    ['docker.io', 'docker.io'],
    ['Docker.IO:443', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['Registry-1.Docker.IO:443', 'docker.io'],
    ['registry.hub.docker.com', 'docker.io'],
    ['REGISTRY.HUB.DOCKER.COM', 'docker.io'],
    ['registry-1.docker.io:5000', 'registry-1.docker.io:5000'],
    ['hub.docker.com', 'hub.docker.com'],
  ];
  for (const [host, identity] of cases) {
    it(`names "${host}" as "${identity}"`, () => assert.equal(registryIdentity(host), identity));
  }

  it('documents exactly the three Docker Hub aliases of the README', () => {
    assert.deepEqual(
      [...DOCKER_HUB_ALIASES],
      ['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'],
    );
  });

  it('gives Docker Hub aliases the library/ namespace as distribution gives docker.io', () => {
    for (const image of [
      'registry-1.docker.io/nginx',
      'registry.hub.docker.com/nginx',
      'Index.Docker.IO/nginx',
      'DOCKER.IO/nginx',
      'docker.io:443/nginx',
    ]) {
      const parsed = parseImageReference(image);
      assert.ok(parsed.ok, image);
      assert.equal(identityName(imageIdentity(parsed.reference)), 'docker.io/library/nginx', image);
    }
  });
});

describe('an image already on Harbor is never rewritten, whatever the rules say', () => {
  check(
    [
      {
        name: 'the Harbor host with an explicit :443 is the Harbor host',
        image: 'harbor.example.com:443/team/app:1',
        outcome: 'already-on-harbor',
        to: 'harbor.example.com:443/team/app:1',
      },
      {
        name: 'the Harbor host in upper case with :443 is the Harbor host',
        image: 'HARBOR.EXAMPLE.COM:443/team/app:1',
        outcome: 'already-on-harbor',
        to: 'HARBOR.EXAMPLE.COM:443/team/app:1',
      },
      {
        name: 'the Harbor host in mixed case is the Harbor host',
        image: 'Harbor.Example.com/dockerhub-proxy/library/nginx:1.25',
        outcome: 'already-on-harbor',
        to: 'Harbor.Example.com/dockerhub-proxy/library/nginx:1.25',
      },
      {
        name: 'the Harbor host on another port is another registry',
        image: 'harbor.example.com:8443/team/app:1',
        outcome: 'rewritten',
        to: 'harbor.example.com/all/team/app:1',
      },
    ],
    () => everything('harbor.example.com'),
  );

  describe('with the Harbor host configured with :443 and in upper case', () => {
    check(
      [
        {
          name: 'an image on the host spelled without the port is on Harbor',
          image: 'harbor.example.com/team/app@' + DIGEST,
          outcome: 'already-on-harbor',
          to: 'harbor.example.com/team/app@' + DIGEST,
        },
        {
          name: 'a rewritten image names the host as configured, lower-cased',
          image: 'ghcr.io/org/app:1',
          outcome: 'rewritten',
          to: 'harbor.example.com:443/all/org/app:1',
        },
      ],
      () => everything('Harbor.Example.com:443'),
    );

    it('decides its own rewrite as already on Harbor, so nothing is rewritten twice', () => {
      const policy = everything('Harbor.Example.com:443');
      const once = finalImage(decideImage('nginx', policy));
      assert.equal(decideImage(once, policy).outcome, 'already-on-harbor');
    });
  });

  it('an IPv6 Harbor host matches with and without :443', () => {
    assert.equal(decideImage('[::1]:443/app', everything('[::1]')).outcome, 'already-on-harbor');
    assert.equal(decideImage('[::1]/app', everything('[::1]:443')).outcome, 'already-on-harbor');
  });

  it('a namespace annotation rule written for the Harbor host cannot rewrite it', () => {
    const effective = namespacePolicy(examplePolicy(), {
      [NamespaceAnnotation.rules]: JSON.stringify([
        { match: 'harbor.example.com:443/**', project: 'again' },
      ]),
    });
    assert.deepEqual(effective.problems, []);
    const decision = decideImage('harbor.example.com:443/team/app:1', effective.policy);
    assert.equal(decision.outcome, 'already-on-harbor');
  });
});

describe('globs see names with the registry normalized', () => {
  const policy = () =>
    policyFrom(
      JSON.stringify({
        harbor: { host: 'h.io' },
        rules: [
          { match: 'ghcr.io:443/org/**', project: 'org' },
          { match: 'ghcr.io/**', project: 'ghcr' },
          { match: 'Quay.IO/**', project: 'quay' },
        ],
        exclude: ['gcr.io:443/distroless/**'],
      }),
    );
  check(
    [
      {
        name: 'an image spelled with :443 matches a rule written without it',
        image: 'ghcr.io:443/other/app:1',
        outcome: 'rewritten',
        to: 'h.io/ghcr/other/app:1',
      },
      {
        name: 'a rule written with :443 matches an image spelled without it',
        image: 'ghcr.io/org/app:1',
        outcome: 'rewritten',
        to: 'h.io/org/org/app:1',
      },
      {
        name: 'an image spelled in upper case matches a rule in any case',
        image: 'QUAY.io/team/app:1',
        outcome: 'rewritten',
        to: 'h.io/quay/team/app:1',
      },
      {
        name: 'an exclusion written with :443 applies to the image without it',
        image: 'gcr.io/distroless/static:nonroot',
        outcome: 'excluded',
        to: 'gcr.io/distroless/static:nonroot',
      },
    ],
    policy,
  );

  it('keeps the pattern as written in the explanation', () => {
    const decision = decideImage('ghcr.io/org/app:1', policy());
    assert.match(explainDecision(decision), /rules\[0\] "ghcr\.io:443\/org\/\*\*"/);
  });
});

describe("Docker Hub's other names are Docker Hub", () => {
  check(
    [
      {
        name: 'registry-1.docker.io with an official image gets library/ like docker.io',
        image: 'registry-1.docker.io/nginx:1.25',
        outcome: 'rewritten',
        to: 'harbor.example.com/dockerhub-proxy/library/nginx:1.25',
      },
      {
        name: 'registry-1.docker.io with library/ written out is the same image',
        image: 'registry-1.docker.io/library/nginx:1.25',
        outcome: 'rewritten',
        to: 'harbor.example.com/dockerhub-proxy/library/nginx:1.25',
      },
      {
        name: 'registry.hub.docker.com keeps a user namespace',
        image: 'registry.hub.docker.com/bitnami/redis:7.2',
        outcome: 'rewritten',
        to: 'harbor.example.com/dockerhub-proxy/bitnami/redis:7.2',
      },
      {
        name: 'an alias in upper case with :443 and a digest is Docker Hub',
        image: `REGISTRY-1.DOCKER.IO:443/nginx@${DIGEST}`,
        outcome: 'rewritten',
        to: `harbor.example.com/dockerhub-proxy/library/nginx@${DIGEST}`,
      },
      {
        name: 'index.docker.io in mixed case is Docker Hub',
        image: 'Index.Docker.io/alpine:3.20',
        outcome: 'rewritten',
        to: 'harbor.example.com/dockerhub-proxy/library/alpine:3.20',
      },
      {
        name: 'docker.io in upper case is Docker Hub',
        image: 'DOCKER.IO/alpine:3.20',
        outcome: 'rewritten',
        to: 'harbor.example.com/dockerhub-proxy/library/alpine:3.20',
      },
      {
        name: 'an alias on another port is another registry',
        image: 'registry-1.docker.io:5000/nginx:1',
        outcome: 'no-rule',
        to: 'registry-1.docker.io:5000/nginx:1',
      },
    ],
    () => examplePolicy(),
  );

  it('an exclusion written for docker.io applies to every alias', () => {
    const policy = examplePolicy({ exclude: ['docker.io/library/busybox'] });
    for (const image of [
      'busybox',
      'registry-1.docker.io/busybox',
      'registry.hub.docker.com/library/busybox:1',
    ]) {
      assert.equal(decideImage(image, policy).outcome, 'excluded', image);
    }
  });

  it('a rule written for an alias matches Docker Hub images however they are spelled', () => {
    const policy = policyFrom(
      'harbor: {host: h.io}\nrules: [{match: "registry-1.docker.io/**", project: hub}]',
    );
    assert.equal(finalImage(decideImage('nginx:1', policy)), 'h.io/hub/library/nginx:1');
    assert.equal(
      finalImage(decideImage('registry.hub.docker.com/nginx:1', policy)),
      'h.io/hub/library/nginx:1',
    );
  });

  it('names the normalized name when no rule matches', () => {
    const policy = policyFrom('harbor: {host: h.io}');
    const decision = decideImage('registry-1.docker.io/nginx', policy);
    assert.equal(
      explainDecision(decision),
      'no rule matches "docker.io/library/nginx"; left unchanged',
    );
  });
});

describe('a rewrite that would not parse leaves the image unchanged', () => {
  // "dockerhub-proxy/" adds 16 characters to the path, "p/" adds 2.
  const longest = 'a'.repeat(247); // library/ + 247 = 255: the longest valid official image
  const policy = () => examplePolicy();

  it('refuses a path pushed over 255 characters by the project prefix', () => {
    const decision = decideImage(`${longest}:1`, policy());
    assert.equal(decision.outcome, 'rewrite-invalid');
    assert.equal(finalImage(decision), `${longest}:1`);
    assert.deepEqual(finalReference(decision), decision.reference);
    assert.equal(
      explainDecision(decision),
      'rules[0] "docker.io/**" would make an invalid reference in Harbor project "dockerhub-proxy" (repository path is longer than 255 characters); left unchanged',
    );
  });

  it('rewrites a path that stays at exactly 255 characters', () => {
    const short = policyFrom('harbor: {host: h.io}\nrules: [{match: "**", project: p}]');
    const image = 'a'.repeat(245); // p/library/ + 245 = 255
    const decision = decideImage(image, short);
    assert.equal(decision.outcome, 'rewritten');
    assert.equal(finalImage(decision), `h.io/p/library/${image}`);
    assert.equal(decideImage(`${image}a`, short).outcome, 'rewrite-invalid');
  });

  it('refuses an alias of Docker Hub whose path gains library/ and the project', () => {
    const image = `registry-1.docker.io/${'b'.repeat(250)}`;
    assert.ok(parseImageReference(image).ok, 'the input itself is valid');
    assert.equal(decideImage(image, policy()).outcome, 'rewrite-invalid');
  });

  it('leaves the container unchanged and warns about it at admission', () => {
    const result = mutatePodTemplate(
      { spec: { containers: [{ name: 'app', image: longest }] } },
      policy(),
    );
    assert.ok(result.ok);
    const { mutation } = result;
    assert.equal(mutation.decisions[0]?.decision.outcome, 'rewrite-invalid');
    assert.ok(!mutation.patch.some((operation) => operation.path.endsWith('/image')));
    assert.equal(mutation.warnings.length, 1);
    assert.match(mutation.warnings[0] ?? '', /app.*would make an invalid reference/);
  });

  it('is explained by the preview with the rule that matched', () => {
    const preview = previewImages([longest], policy());
    assert.ok(preview.ok);
    assert.deepEqual(preview.images[0], {
      image: longest,
      normalized: `docker.io/library/${longest}:latest`,
      outcome: 'rewrite-invalid',
      result: longest,
      message: explainDecision(decideImage(longest, policy())),
      rule: { index: 0, match: 'docker.io/**', project: 'dockerhub-proxy' },
    });
  });
});
