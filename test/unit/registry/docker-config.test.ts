import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  credentialsForHost,
  parseDockerConfig,
  type DockerConfig,
} from '../../../src/registry/docker-config.ts';
import { readDockerConfigFile } from '../../../src/registry/docker-config-file.ts';

const base64 = (text: string): string => Buffer.from(text).toString('base64');
const SECRET = 's3cret:with:colons';

function parsed(document: unknown): DockerConfig {
  const result = parseDockerConfig(JSON.stringify(document), 'config.json');
  assert.ok(result.ok, result.ok ? '' : result.problems.join('; '));
  return result.config;
}

describe('Docker config JSON, read as the kubelet reads a dockerconfigjson', () => {
  const keys = [
    'harbor.example.com',
    'https://harbor.example.com',
    'http://harbor.example.com',
    'harbor.example.com/v2/',
    'https://harbor.example.com/project/repo',
    'HARBOR.example.com',
  ];
  for (const key of keys) {
    it(`finds the host under the key ${JSON.stringify(key)}`, () => {
      const config = parsed({ auths: { [key]: { auth: base64(`robot$pull:${SECRET}`) } } });
      assert.deepEqual(credentialsForHost(config, 'harbor.example.com'), {
        username: 'robot$pull',
        password: SECRET,
      });
    });
  }

  it('reads username and password when there is no auth', () => {
    const config = parsed({ auths: { 'harbor.example.com': { username: 'u', password: SECRET } } });
    assert.deepEqual(credentialsForHost(config, 'harbor.example.com'), {
      username: 'u',
      password: SECRET,
    });
  });

  it('matches the port exactly: harbor:8443 is another host than harbor', () => {
    const config = parsed({
      auths: {
        'harbor.example.com:8443': { auth: base64('a:1') },
        'harbor.example.com': { auth: base64('b:2') },
      },
    });
    assert.equal(credentialsForHost(config, 'harbor.example.com:8443')?.username, 'a');
    assert.equal(credentialsForHost(config, 'harbor.example.com')?.username, 'b');
    assert.equal(credentialsForHost(config, 'other.example.com'), undefined);
  });

  it('prefers the entry without a path when several name the host', () => {
    const config = parsed({
      auths: {
        'https://harbor.example.com/project': { auth: base64('long:1') },
        'harbor.example.com': { auth: base64('short:2') },
      },
    });
    assert.equal(credentialsForHost(config, 'harbor.example.com')?.username, 'short');
  });

  it('reads a legacy .dockercfg map without "auths"', () => {
    const config = parsed({ 'harbor.example.com': { auth: base64('legacy:1') } });
    assert.equal(credentialsForHost(config, 'harbor.example.com')?.username, 'legacy');
  });

  const broken: { name: string; text: string; problem: RegExp }[] = [
    {
      name: 'not JSON',
      text: `{"auths": {"h": {"auth": "${SECRET}"`,
      problem: /^config\.json: not valid JSON/,
    },
    { name: 'not an object', text: '[]', problem: /^config\.json: must be a JSON object$/ },
    {
      name: 'auths not an object',
      text: '{"auths": "x"}',
      problem: /^config\.json: auths: must be an object$/,
    },
    {
      name: 'an entry not an object',
      text: '{"auths": {"h": 1}}',
      problem: /^config\.json: auths\."h": must be an object$/,
    },
    {
      name: 'auth not base64',
      text: `{"auths": {"h": {"auth": "${SECRET}!!"}}}`,
      problem: /^config\.json: auths\."h"\.auth: must be base64 of "username:password"$/,
    },
    {
      name: 'auth without a colon',
      text: `{"auths": {"h": {"auth": "${base64('nocolon')}"}}}`,
      problem: /auths\."h"\.auth: must be base64/,
    },
    {
      name: 'neither auth nor username and password',
      text: `{"auths": {"h": {"password": "${SECRET}"}}}`,
      problem: /auths\."h": needs "auth"/,
    },
  ];
  for (const testCase of broken) {
    it(`reports ${testCase.name} by file and field, without the secret`, () => {
      const result = parseDockerConfig(testCase.text, 'config.json');
      assert.equal(result.ok, false);
      const problems = result.ok ? [] : result.problems;
      assert.equal(problems.length, 1);
      assert.match(problems[0] ?? '', testCase.problem);
      assert.ok(!problems.join('\n').includes('s3cret'), problems.join('\n'));
    });
  }

  it('reads the file and names it when the host has no entry or the file is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'docker-config-'));
    try {
      const file = join(dir, 'config.json');
      await writeFile(
        file,
        JSON.stringify({
          auths: { 'https://harbor.example.com': { auth: base64(`u:${SECRET}`) } },
        }),
      );
      assert.deepEqual(await readDockerConfigFile(file, 'harbor.example.com'), {
        ok: true,
        credentials: { username: 'u', password: SECRET },
      });
      assert.deepEqual(await readDockerConfigFile(file, 'other.example.com'), {
        ok: false,
        problems: [
          `${file}: auths has no entry for other.example.com (entries: "https://harbor.example.com")`,
        ],
      });
      assert.deepEqual(await readDockerConfigFile(join(dir, 'absent.json'), 'h'), {
        ok: false,
        problems: [`${join(dir, 'absent.json')}: cannot read (ENOENT)`],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
