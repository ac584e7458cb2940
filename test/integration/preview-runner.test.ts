/**
 * The preview worker's round trips, driven directly: the namespace facts it
 * asks the main thread for, the places it reserves, and what close() answers.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import type { NamespaceFacts } from '../../src/core/namespace-policy.ts';
import {
  createPreviewRunner,
  DEFAULT_PREVIEW_SETTINGS,
  type PreviewReply,
} from '../../src/server/preview-runner.ts';
import { examplePolicy, examplePolicyYaml } from '../helpers/fixtures.ts';

const TEAM: NamespaceFacts = {
  name: 'team',
  annotations: {
    'harbor-image-webhook/rules': '[{"match": "docker.io/**", "project": "team-proxy"}]',
  },
  pullSecretNames: new Set(['other']),
};

const lookups: string[] = [];
const runner = createPreviewRunner({
  state: {
    policy: examplePolicy(),
    policyText: examplePolicyYaml,
    certificateNotAfter: new Date(),
  },
  directory: {
    lookup: (namespace) => {
      lookups.push(namespace);
      return namespace === TEAM.name ? TEAM : undefined;
    },
  },
  settings: DEFAULT_PREVIEW_SETTINGS,
  logger: pino({ level: 'silent' }),
});

const pod = (namespace?: string) =>
  Buffer.from(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', ...(namespace === undefined ? {} : { namespace }) },
      spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] },
    }),
  );

type Change = { path: string; to: string; reason: string };

function changesOf(reply: PreviewReply): Change[] {
  assert.equal(reply.status, 200, 'message' in reply ? reply.message : '');
  if (reply.status !== 200) return [];
  const body = JSON.parse(Buffer.from(reply.body).toString('utf8')) as {
    results: { changes: Change[] }[];
  };
  return body.results[0]?.changes ?? [];
}

describe('the preview runner', () => {
  after(() => runner.close());

  it('asks the main thread for the facts of the namespaces the input names and applies them', async () => {
    const changes = changesOf(await runner.run(pod('team'), undefined));
    assert.deepEqual(lookups, ['team']);
    assert.equal(
      changes.find((change) => change.reason === 'rewritten')?.to,
      'harbor.example.com/team-proxy/library/nginx:1.25',
    );
    assert.ok(changes.some((change) => change.reason === 'secret-missing'));
  });

  it('uses ?namespace for objects that name none', async () => {
    lookups.length = 0;
    const changes = changesOf(await runner.run(pod(), 'team'));
    assert.deepEqual(lookups, ['team']);
    assert.ok(changes.some((change) => change.to.includes('/team-proxy/')));
  });

  it('reserves one running and one waiting place, and gives them back', () => {
    assert.equal(runner.reserve(), true);
    assert.equal(runner.reserve(), true);
    assert.equal(runner.reserve(), false);
    runner.release();
    assert.equal(runner.reserve(), true);
    runner.release();
    runner.release();
  });

  it('answers what waits with 503 once closed', async () => {
    const closing = createPreviewRunner({
      state: {
        policy: examplePolicy(),
        policyText: examplePolicyYaml,
        certificateNotAfter: new Date(),
      },
      directory: undefined,
      settings: DEFAULT_PREVIEW_SETTINGS,
      logger: pino({ level: 'silent' }),
    });
    const first = closing.run(pod(), undefined);
    const second = closing.run(pod(), undefined);
    await closing.close();
    assert.deepEqual(
      [(await first).status, (await second).status, (await closing.run(pod(), undefined)).status],
      [503, 503, 503],
    );
  });
});
