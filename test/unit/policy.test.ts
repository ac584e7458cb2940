import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGlob } from '../../src/core/glob.ts';
import { decideImage, explainDecision, finalImage } from '../../src/core/image-decision.ts';
import { namespacePolicy, NamespaceAnnotation } from '../../src/core/namespace-policy.ts';
import { parsePolicyText } from '../../src/core/policy-text.ts';
import { parseImageReference } from '../../src/core/reference.ts';
import { examplePolicy, policyFrom } from '../helpers/fixtures.ts';

describe('glob patterns over normalized names', () => {
  const cases = [
    {
      name: '"**" matches any depth below a registry',
      pattern: 'docker.io/**',
      input: 'docker.io/library/nginx',
      matches: true,
    },
    {
      name: '"**" matches a deep path',
      pattern: 'ghcr.io/**',
      input: 'ghcr.io/org/team/app',
      matches: true,
    },
    {
      name: '"*" matches exactly one segment',
      pattern: 'docker.io/library/*',
      input: 'docker.io/library/nginx',
      matches: true,
    },
    {
      name: '"*" does not cross a slash',
      pattern: 'docker.io/*',
      input: 'docker.io/library/nginx',
      matches: false,
    },
    {
      name: '"*" matches a partial segment',
      pattern: 'quay.io/org/app-*',
      input: 'quay.io/org/app-api',
      matches: true,
    },
    {
      name: 'a pattern without wildcards matches that exact name',
      pattern: 'registry.k8s.io/pause',
      input: 'registry.k8s.io/pause',
      matches: true,
    },
    {
      name: 'a pattern without wildcards does not match a longer name',
      pattern: 'registry.k8s.io/pause',
      input: 'registry.k8s.io/pause-amd64',
      matches: false,
    },
    {
      name: 'a dot in a pattern is literal, not any character',
      pattern: 'docker.io/**',
      input: 'dockerxio/library/nginx',
      matches: false,
    },
    {
      name: '"**/" may match no segment at all',
      pattern: 'ghcr.io/**/app',
      input: 'ghcr.io/app',
      matches: true,
    },
    {
      name: '"**/" may match several segments',
      pattern: 'ghcr.io/**/app',
      input: 'ghcr.io/a/b/app',
      matches: true,
    },
    {
      name: 'a registry with a port is matched with its port',
      pattern: 'localhost:5000/**',
      input: 'localhost:5000/team/app',
      matches: true,
    },
    {
      name: 'an IPv6 registry literal is matched literally',
      pattern: '[::1]:5000/**',
      input: '[::1]:5000/app',
      matches: true,
    },
    {
      name: 'registry hosts match case-insensitively',
      pattern: 'GHCR.io/**',
      input: 'ghcr.io/org/app',
      matches: true,
    },
    {
      name: 'a leading "**" matches any registry',
      pattern: '**/library/nginx',
      input: 'mirror.local/library/nginx',
      matches: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(compileGlob(c.pattern).matches(c.input), c.matches));
  }
});

describe('policy validation names the field and the reason', () => {
  const cases = [
    { name: 'a missing harbor host is refused', yaml: 'rules: []', problem: 'harbor is required' },
    {
      name: 'a harbor host with a scheme is refused',
      yaml: 'harbor: {host: "https://harbor.example.com"}',
      problem: 'harbor.host: must be host[:port]',
    },
    {
      name: 'a harbor host with a path is refused',
      yaml: 'harbor: {host: "harbor.example.com/proxy"}',
      problem: 'harbor.host: must be host[:port]',
    },
    {
      name: 'an empty match in the third rule names rules[2].match',
      yaml: 'harbor: {host: h.io}\nrules:\n- {match: "a.io/**", project: a}\n- {match: "b.io/**", project: b}\n- {match: "", project: c}',
      problem: 'rules[2].match: must not be empty',
    },
    {
      name: 'an uppercase project name is refused',
      yaml: 'harbor: {host: h.io}\nrules: [{match: "docker.io/**", project: Proxy}]',
      problem: 'rules[0].project: must be a Harbor project name',
    },
    {
      name: 'a rule without a project is refused',
      yaml: 'harbor: {host: h.io}\nrules: [{match: "docker.io/**"}]',
      problem: 'rules[0].project is required',
    },
    {
      name: 'an unknown field is refused as a likely typo',
      yaml: 'harbor: {host: h.io}\nimagePullSecret: [x]',
      problem: 'imagePullSecret: unknown field',
    },
    {
      name: 'an unknown field inside a rule is refused',
      yaml: 'harbor: {host: h.io}\nrules: [{match: "a/**", project: p, projet: q}]',
      problem: 'rules[0].projet: unknown field',
    },
    {
      name: 'an invalid pull secret name is refused',
      yaml: 'harbor: {host: h.io}\nimagePullSecrets: [Harbor_Pull]',
      problem: 'imagePullSecrets[0]: must be a Kubernetes Secret name',
    },
    {
      name: 'a duplicated pull secret is refused',
      yaml: 'harbor: {host: h.io}\nimagePullSecrets: [a, a]',
      problem: 'imagePullSecrets: must not list a Secret twice',
    },
    {
      name: 'an unknown imagePullPolicy mode is refused',
      yaml: 'harbor: {host: h.io}\nimagePullPolicy: always',
      problem: 'imagePullPolicy: ',
    },
    {
      name: 'an unknown onError mode is refused',
      yaml: 'harbor: {host: h.io}\nonError: ignore',
      problem: 'onError: ',
    },
    {
      name: 'a "***" glob is refused',
      yaml: 'harbor: {host: h.io}\nexclude: ["docker.io/***"]',
      problem: 'exclude[0]: use "*"',
    },
    {
      name: 'YAML syntax errors give the line',
      yaml: 'harbor:\n  host: h.io\nrules: [\n',
      problem: 'line ',
    },
    {
      name: 'a duplicated key is refused',
      yaml: 'harbor: {host: h.io}\nonError: allow\nonError: deny',
      problem: 'Map keys must be unique',
    },
    { name: 'an empty file is refused', yaml: '', problem: 'the file is empty' },
    { name: 'a list instead of a mapping is refused', yaml: '- a\n- b', problem: '(document): ' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const loaded = parsePolicyText(c.yaml);
      assert.equal(loaded.ok, false);
      if (loaded.ok) return;
      assert.ok(
        loaded.problems.some((problem) => problem.includes(c.problem)),
        `expected a problem containing ${JSON.stringify(c.problem)}, got ${JSON.stringify(loaded.problems)}`,
      );
    });
  }

  it('a minimal policy gets the documented defaults', () => {
    const policy = policyFrom('harbor: {host: Harbor.Example.com:8443}');
    assert.equal(policy.harborHost, 'harbor.example.com:8443');
    assert.deepEqual(policy.rules, []);
    assert.deepEqual(policy.imagePullSecrets, []);
    assert.equal(policy.imagePullPolicy, 'enforce');
    assert.equal(policy.onError, 'allow');
  });

  it('JSON is accepted as well as YAML', () => {
    const policy = policyFrom(
      '{"harbor": {"host": "h.io"}, "rules": [{"match": "docker.io/**", "project": "p"}]}',
    );
    assert.equal(policy.rules.length, 1);
  });

  it('a YAML alias bomb is refused instead of expanded', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let level = 1; level <= 12; level++) {
      bomb.push(
        `l${level}: &l${level} [${Array.from({ length: 10 }, () => `*${level === 1 ? 'a' : `l${level - 1}`}`).join(',')}]`,
      );
    }
    const loaded = parsePolicyText(`harbor: {host: h.io}\n${bomb.join('\n')}`);
    assert.equal(loaded.ok, false);
  });

  it('the compiled policy is frozen so no request can change it', () => {
    const policy = examplePolicy();
    assert.ok(Object.isFrozen(policy));
    assert.ok(Object.isFrozen(policy.rules));
  });
});

describe('image decisions under the example policy', () => {
  const policy = examplePolicy();
  const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
  const cases = [
    {
      name: 'an official image is rewritten into the Docker Hub proxy keeping library/',
      image: 'nginx:1.25',
      outcome: 'rewritten',
      to: 'harbor.example.com/dockerhub-proxy/library/nginx:1.25',
    },
    {
      name: 'an official image without a tag is rewritten without inventing one',
      image: 'nginx',
      outcome: 'rewritten',
      to: 'harbor.example.com/dockerhub-proxy/library/nginx',
    },
    {
      name: 'a Docker Hub user image keeps its organisation',
      image: 'bitnami/redis:7.2',
      outcome: 'rewritten',
      to: 'harbor.example.com/dockerhub-proxy/bitnami/redis:7.2',
    },
    {
      name: 'index.docker.io counts as Docker Hub',
      image: 'index.docker.io/library/alpine:3.20',
      outcome: 'rewritten',
      to: 'harbor.example.com/dockerhub-proxy/library/alpine:3.20',
    },
    {
      name: 'a ghcr image pinned by digest keeps its digest',
      image: `ghcr.io/org/app@${digest}`,
      outcome: 'rewritten',
      to: `harbor.example.com/ghcr-proxy/org/app@${digest}`,
    },
    {
      name: 'a reference with tag and digest keeps both',
      image: `nginx:1.25@${digest}`,
      outcome: 'rewritten',
      to: `harbor.example.com/dockerhub-proxy/library/nginx:1.25@${digest}`,
    },
    {
      name: 'an image already on the Harbor host is left alone',
      image: 'harbor.example.com/dockerhub-proxy/library/nginx:1.25',
      outcome: 'already-on-harbor',
      to: 'harbor.example.com/dockerhub-proxy/library/nginx:1.25',
    },
    {
      name: 'the Harbor host is compared case-insensitively',
      image: 'HARBOR.example.com/team/app:1',
      outcome: 'already-on-harbor',
      to: 'HARBOR.example.com/team/app:1',
    },
    {
      name: 'an excluded image is left alone even though a rule would match',
      image: 'registry.k8s.io/pause:3.9',
      outcome: 'excluded',
      to: 'registry.k8s.io/pause:3.9',
    },
    {
      name: 'an image no rule matches is left alone',
      image: 'quay.io/prometheus/node-exporter:v1.8.0',
      outcome: 'no-rule',
      to: 'quay.io/prometheus/node-exporter:v1.8.0',
    },
    {
      name: 'a registry with a port that no rule matches keeps its host',
      image: 'localhost:5000/app:1',
      outcome: 'no-rule',
      to: 'localhost:5000/app:1',
    },
    {
      name: 'an image that does not parse is left alone',
      image: 'NGINX:1.25',
      outcome: 'invalid-reference',
      to: 'NGINX:1.25',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const decision = decideImage(c.image, policy);
      assert.equal(decision.outcome, c.outcome);
      assert.equal(finalImage(decision), c.to);
      assert.ok(explainDecision(decision).length > 0);
    });
  }

  it('the first matching rule wins', () => {
    const ordered = policyFrom(
      'harbor: {host: h.io}\nrules:\n- {match: "ghcr.io/org/**", project: first}\n- {match: "ghcr.io/**", project: second}',
    );
    assert.equal(finalImage(decideImage('ghcr.io/org/app:1', ordered)), 'h.io/first/org/app:1');
    assert.equal(
      finalImage(decideImage('ghcr.io/other/app:1', ordered)),
      'h.io/second/other/app:1',
    );
  });

  it('a rewritten image is already on Harbor when decided again, so nothing is rewritten twice', () => {
    const once = finalImage(decideImage('ghcr.io/org/app:1', policy));
    assert.equal(decideImage(once, policy).outcome, 'already-on-harbor');
  });

  it('a rewrite to a Harbor host with a port keeps the port', () => {
    const withPort = policyFrom(
      'harbor: {host: "harbor.local:8443"}\nrules: [{match: "**", project: all}]',
    );
    assert.equal(
      finalImage(decideImage('[::1]:5000/app:v1', withPort)),
      'harbor.local:8443/all/app:v1',
    );
  });
});

describe('project names follow Harbor and the distribution path grammar', () => {
  const PROJECT_PROBLEM =
    'must be a Harbor project name: lowercase letters and digits joined by single ".", "_" or "-"';
  const refused: ReadonlyArray<readonly [project: string, why: string]> = [
    ['proxy-', 'ends with a separator'],
    ['-proxy', 'starts with a separator'],
    ['-a', 'starts with a hyphen'],
    ['.a', 'starts with a dot'],
    ['_a', 'starts with an underscore'],
    ['a..b', 'has two dots in a row'],
    ['a__b', 'has two underscores in a row (a distribution separator Harbor refuses)'],
    ['a--b', 'has two hyphens in a row (a distribution separator Harbor refuses)'],
    ['a._b', 'has two different separators in a row'],
    ['A', 'is upper case'],
    ['Proxy', 'has an upper-case letter'],
    ['a/b', 'has a slash'],
    ['a b', 'has a space'],
    ['é', 'is not ASCII'],
  ];
  const accepted = [
    'a',
    '0',
    'a_b',
    'a.b',
    'a-b',
    'dockerhub-proxy',
    'ghcr.io-proxy',
    'a1_b2.c3-d4',
  ];

  const policyWith = (project: string) =>
    JSON.stringify({ harbor: { host: 'h.io' }, rules: [{ match: 'docker.io/**', project }] });
  const annotationWith = (project: string) =>
    namespacePolicy(examplePolicy(), {
      [NamespaceAnnotation.rules]: JSON.stringify([{ match: 'docker.io/**', project }]),
    });

  for (const [project, why] of refused) {
    it(`refuses "${project}" in the policy file: it ${why}`, () => {
      const loaded = parsePolicyText(policyWith(project));
      assert.ok(!loaded.ok);
      assert.deepEqual(loaded.problems, [`rules[0].project: ${PROJECT_PROBLEM}`]);
    });

    it(`ignores "${project}" in a namespace annotation and says why: it ${why}`, () => {
      const effective = annotationWith(project);
      assert.equal(effective.policy.rules.length, examplePolicy().rules.length);
      assert.deepEqual(effective.problems, [
        `${NamespaceAnnotation.rules}: [0].project: ${PROJECT_PROBLEM}`,
      ]);
    });
  }

  for (const project of accepted) {
    it(`accepts "${project}" and rewrites to a reference that parses`, () => {
      const policy = policyFrom(policyWith(project));
      const rewritten = finalImage(decideImage('nginx:1', policy));
      assert.equal(rewritten, `h.io/${project}/library/nginx:1`);
      assert.ok(parseImageReference(rewritten).ok);
      assert.deepEqual(annotationWith(project).problems, []);
    });
  }

  it('accepts 255 characters and refuses 256, as Harbor does', () => {
    assert.ok(parsePolicyText(policyWith('p'.repeat(255))).ok);
    const loaded = parsePolicyText(policyWith('p'.repeat(256)));
    assert.ok(!loaded.ok);
    assert.match(loaded.problems.join('\n'), /^rules\[0\]\.project: /);
  });
});

describe('the Harbor host must be read as a registry by the nodes', () => {
  const accepted = ['h.io', 'localhost', 'localhost:5000', 'harbor:8443', '10.0.0.1', '[::1]:5000'];
  const refused = ['harbor', 'HARBOR', 'my-registry'];
  for (const host of accepted) {
    it(`accepts "${host}"`, () => assert.ok(parsePolicyText(`harbor: {host: "${host}"}`).ok));
  }
  for (const host of refused) {
    it(`refuses "${host}", which a reference would read as a Docker Hub namespace`, () => {
      const loaded = parsePolicyText(`harbor: {host: "${host}"}`);
      assert.ok(!loaded.ok);
      assert.match(loaded.problems.join('\n'), /^harbor\.host: must be host\[:port\]/);
    });
  }
});
