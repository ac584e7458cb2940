import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseServeArgs, UsageError } from '../../src/config/serve-config.ts';
import { CLI_PREVIEW_LIMITS, DEFAULT_PREVIEW_LIMITS } from '../../src/preview/preview-limits.ts';

const MAX_DOCUMENT_TOKENS = DEFAULT_PREVIEW_LIMITS.maxDocumentTokens;
import { preview } from '../../src/preview/preview-request.ts';
import { examplePolicy, loadJsonFixture } from '../helpers/fixtures.ts';

const policy = examplePolicy();
const MiB = 1024 * 1024;

function refusal(text: string, limits = DEFAULT_PREVIEW_LIMITS) {
  const started = performance.now();
  const outcome = preview(text, policy, { limits });
  return { outcome, ms: performance.now() - started };
}

describe('preview limits while parsing', () => {
  it('stops 500 000 empty documents at the document limit, in well under a second', () => {
    const { outcome, ms } = refusal('---\n'.repeat(500_000));
    assert.deepEqual(outcome, {
      ok: false,
      problem: 'the input holds more than 1000 documents, the most one preview takes; split it',
      tooLarge: true,
    });
    assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
  });

  it('stops at the object limit before reading the rest', () => {
    const { outcome } = refusal('kind: ConfigMap\n---\n'.repeat(100_000), {
      ...DEFAULT_PREVIEW_LIMITS,
      maxDocuments: 1_000_000,
    });
    assert.ok(!outcome.ok);
    assert.match(outcome.problem, /more than 500 objects/);
  });

  it('counts the items of a List against the object limit', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: Array(501).fill({ kind: 'ConfigMap' }) };
    const { outcome } = refusal(JSON.stringify(list));
    assert.ok(!outcome.ok && outcome.tooLarge === true);
  });

  it(`refuses one document of more than ${MAX_DOCUMENT_TOKENS} tokens before building it`, () => {
    const { outcome, ms } = refusal(`[${'a, '.repeat(MAX_DOCUMENT_TOKENS)}a]`);
    assert.ok(!outcome.ok);
    assert.match(outcome.problem, /a document \(number 1\) of more than 200000 YAML tokens/);
    assert.ok(ms < 5000, `${ms.toFixed(0)} ms`);
  });

  it('refuses YAML over its byte limit but reads JSON of the same size', () => {
    const big = { kind: 'ConfigMap', data: { blob: 'x'.repeat(3 * MiB) } };
    assert.ok(preview(JSON.stringify(big), policy).ok);
    const { outcome } = refusal(`kind: ConfigMap\ndata:\n  blob: ${'x'.repeat(3 * MiB)}\n`);
    assert.ok(!outcome.ok);
    assert.match(outcome.problem, /more than 2097152 bytes of YAML/);
  });

  it('lifts the YAML byte and token limits for the offline CLI, which reads its user’s own files', () => {
    const big = `kind: ConfigMap\ndata:\n  blob: ${'x'.repeat(3 * MiB)}\n`;
    assert.ok(preview(big, policy, { limits: CLI_PREVIEW_LIMITS }).ok);
    const tokens = `kind: ConfigMap\ndata: {list: [${'a, '.repeat(MAX_DOCUMENT_TOKENS)}a]}\n`;
    assert.ok(!preview(tokens, policy).ok);
    assert.ok(preview(tokens, policy, { limits: CLI_PREVIEW_LIMITS }).ok);
  });

  it('gives the same preview for a manifest as JSON and as YAML', () => {
    const pod = loadJsonFixture<{ request: { object: object } }>('pod-create-v1.json').request
      .object;
    const json = preview(JSON.stringify(pod), policy);
    // A comment first: not JSON, so the YAML parser reads it.
    const yaml = preview(`# as YAML\n${JSON.stringify(pod, null, 2)}`, policy);
    assert.ok(json.ok && yaml.ok);
    assert.deepEqual(json.response, yaml.response);
  });
});

describe('serve flags for /preview limits', () => {
  const base = ['--config', 'policy.yaml'];

  it('are absent by default, so every limit keeps its default', () => {
    assert.deepEqual(parseServeArgs(base).preview, {});
  });

  it('are read as numbers, the timeout in seconds', () => {
    const config = parseServeArgs([
      ...base,
      ...['--preview-max-body-bytes', '1048576', '--preview-max-yaml-bytes', '65536'],
      ...['--preview-max-documents', '10', '--preview-max-objects', '5', '--preview-timeout', '3'],
    ]);
    assert.deepEqual(config.preview, {
      maxBodyBytes: 1048576,
      maxYamlBytes: 65536,
      maxDocuments: 10,
      maxObjects: 5,
      timeoutMs: 3000,
    });
  });

  it('refuse a value out of range with the flag named', () => {
    assert.throws(
      () => parseServeArgs([...base, '--preview-max-objects', '0']),
      (error: unknown) =>
        error instanceof UsageError && /--preview-max-objects must be/.test(error.message),
    );
  });
});
