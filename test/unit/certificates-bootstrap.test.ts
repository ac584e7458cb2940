import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiException,
  type V1MutatingWebhook,
  type V1MutatingWebhookConfiguration,
  type V1Secret,
} from '@kubernetes/client-node';
import { createTlsSecret, type CreateOptions } from '../../scripts/cert-bootstrap/create.ts';
import { patchCaBundle, type PatchOptions } from '../../scripts/cert-bootstrap/patch.ts';
import { inspectCertificate, KeyAlgorithm } from '../../src/certificates/index.ts';

const dayMs = 24 * 60 * 60 * 1000;
const fastRetry = { attempts: 5, initialDelayMs: 1 };

function apiError(code: number, message: string): ApiException<string> {
  return new ApiException(
    code,
    'Unknown API Status Code!',
    JSON.stringify({ kind: 'Status', code, message }),
    {},
  );
}

const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');

/**
 * The three CoreV1Api Secret calls `create` makes, over an in-memory store
 * that enforces resourceVersion the way the apiserver does.
 */
class FakeSecrets {
  readonly calls: string[] = [];
  readonly dryRuns: (string | undefined)[] = [];
  /** Runs once before the next write, e.g. to play a concurrent writer. */
  beforeWrite: (() => void) | undefined;
  #stored = new Map<string, V1Secret>();
  #version = 0;

  put(namespace: string, name: string, secret: V1Secret): void {
    this.#version += 1;
    const metadata = {
      ...secret.metadata,
      name,
      namespace,
      resourceVersion: String(this.#version),
    };
    this.#stored.set(`${namespace}/${name}`, structuredClone({ ...secret, metadata }));
  }

  get(namespace: string, name: string): V1Secret | undefined {
    return this.#stored.get(`${namespace}/${name}`);
  }

  async readNamespacedSecret(param: { name: string; namespace: string }): Promise<V1Secret> {
    this.calls.push('read');
    const secret = this.get(param.namespace, param.name);
    if (secret === undefined) throw apiError(404, `secrets "${param.name}" not found`);
    return structuredClone(secret);
  }

  async createNamespacedSecret(param: {
    namespace: string;
    body: V1Secret;
    dryRun?: string;
  }): Promise<V1Secret> {
    this.calls.push('create');
    this.#runBeforeWrite();
    const name = param.body.metadata?.name ?? '';
    if (this.get(param.namespace, name) !== undefined)
      throw apiError(409, `secrets "${name}" already exists`);
    return this.#write(param.namespace, name, param.body, param.dryRun);
  }

  async replaceNamespacedSecret(param: {
    name: string;
    namespace: string;
    body: V1Secret;
    dryRun?: string;
  }): Promise<V1Secret> {
    this.calls.push('replace');
    this.#runBeforeWrite();
    const current = this.get(param.namespace, param.name);
    if (current?.metadata?.resourceVersion !== param.body.metadata?.resourceVersion) {
      throw apiError(
        409,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    return this.#write(param.namespace, param.name, param.body, param.dryRun);
  }

  #write(namespace: string, name: string, body: V1Secret, dryRun: string | undefined): V1Secret {
    this.dryRuns.push(dryRun);
    if (dryRun === undefined) this.put(namespace, name, body);
    return body;
  }

  #runBeforeWrite(): void {
    const hook = this.beforeWrite;
    this.beforeWrite = undefined;
    hook?.();
  }
}

/** The two AdmissionregistrationV1Api calls `patch` makes. */
class FakeWebhookConfigurations {
  readonly calls: string[] = [];
  readonly written: { body: V1MutatingWebhookConfiguration; dryRun: string | undefined }[] = [];
  beforeWrite: (() => void) | undefined;
  configuration: V1MutatingWebhookConfiguration;

  constructor(webhooks: V1MutatingWebhook[]) {
    this.configuration = {
      metadata: { name: 'harbor-image-webhook', resourceVersion: '1' },
      webhooks,
    };
  }

  async readMutatingWebhookConfiguration(param: {
    name: string;
  }): Promise<V1MutatingWebhookConfiguration> {
    this.calls.push('read');
    if (param.name !== this.configuration.metadata?.name) throw apiError(404, 'not found');
    return structuredClone(this.configuration);
  }

  async replaceMutatingWebhookConfiguration(param: {
    name: string;
    body: V1MutatingWebhookConfiguration;
    dryRun?: string;
  }): Promise<V1MutatingWebhookConfiguration> {
    this.calls.push('replace');
    const hook = this.beforeWrite;
    this.beforeWrite = undefined;
    hook?.();
    if (param.body.metadata?.resourceVersion !== this.configuration.metadata?.resourceVersion) {
      throw apiError(409, 'the object has been modified');
    }
    this.written.push({ body: param.body, dryRun: param.dryRun });
    if (param.dryRun === undefined) this.bumpVersion(param.body);
    return param.body;
  }

  bumpVersion(next: V1MutatingWebhookConfiguration = this.configuration): void {
    const version = String(Number(this.configuration.metadata?.resourceVersion) + 1);
    this.configuration = {
      ...structuredClone(next),
      metadata: { ...next.metadata, resourceVersion: version },
    };
  }
}

const createOptions = (overrides: Partial<CreateOptions> = {}): CreateOptions => ({
  namespace: 'harbor-system',
  secretName: 'harbor-image-webhook-tls',
  service: 'harbor-image-webhook',
  extraSubjectAltNames: { dnsNames: [], ipAddresses: [] },
  keyAlgorithm: KeyAlgorithm.ecdsaP256,
  validityDays: 365,
  caValidityDays: 3650,
  renewBeforeDays: 30,
  dryRun: false,
  ...overrides,
});

const storedSecret = (secrets: FakeSecrets) =>
  secrets.get('harbor-system', 'harbor-image-webhook-tls')!;

async function createdSecrets(): Promise<FakeSecrets> {
  const secrets = new FakeSecrets();
  await createTlsSecret(secrets, createOptions(), { retry: fastRetry });
  return secrets;
}

describe('cert-bootstrap create against a fake apiserver', () => {
  it('an absent Secret is created as kubernetes.io/tls with tls.crt, tls.key, ca.crt and ca.key', async () => {
    const secrets = new FakeSecrets();
    const result = await createTlsSecret(secrets, createOptions(), { retry: fastRetry });
    assert.deepEqual(secrets.calls, ['read', 'create']);
    assert.equal(result.action, 'rotate-ca');
    assert.equal(result.write, 'created');
    const secret = storedSecret(secrets);
    assert.equal(secret.type, 'kubernetes.io/tls');
    assert.deepEqual(Object.keys(secret.data ?? {}).sort(), [
      'ca.crt',
      'ca.key',
      'tls.crt',
      'tls.key',
    ]);
    assert.equal(
      secret.metadata?.labels?.['app.kubernetes.io/managed-by'],
      'harbor-image-webhook-cert-bootstrap',
    );
  });

  it('the serving certificate is valid for every name the Service is reached by', async () => {
    const secrets = new FakeSecrets();
    const extraSubjectAltNames = { dnsNames: ['webhook.example.com'], ipAddresses: ['10.0.0.7'] };
    await createTlsSecret(secrets, createOptions({ extraSubjectAltNames }), { retry: fastRetry });
    assert.deepEqual(
      inspectCertificate(decode(storedSecret(secrets).data?.['tls.crt'])).subjectAltNames,
      {
        dnsNames: [
          'harbor-image-webhook',
          'harbor-image-webhook.harbor-system',
          'harbor-image-webhook.harbor-system.svc',
          'harbor-image-webhook.harbor-system.svc.cluster.local',
          'webhook.example.com',
        ],
        ipAddresses: ['10.0.0.7'],
      },
    );
  });

  it('the printed result never contains key material', async () => {
    const result = await createTlsSecret(new FakeSecrets(), createOptions(), { retry: fastRetry });
    assert.doesNotMatch(JSON.stringify(result), /PRIVATE KEY|BEGIN/);
    assert.equal(result.caCertificates, 1);
  });

  it('a second run reads the Secret and leaves it alone', async () => {
    const secrets = await createdSecrets();
    const before = storedSecret(secrets);
    const result = await createTlsSecret(secrets, createOptions(), { retry: fastRetry });
    assert.equal(result.action, 'keep');
    assert.equal(result.write, 'none');
    assert.deepEqual(secrets.calls, ['read', 'create', 'read']);
    assert.equal(storedSecret(secrets), before);
  });

  it('a Secret due for renewal is replaced, keeping its other labels, annotations and data', async () => {
    const secrets = await createdSecrets();
    const secret = storedSecret(secrets);
    secrets.put('harbor-system', 'harbor-image-webhook-tls', {
      ...secret,
      metadata: { ...secret.metadata, labels: { team: 'platform' }, annotations: { note: 'kept' } },
      data: { ...secret.data, extra: Buffer.from('x').toString('base64') },
    });
    const later = () => new Date(Date.now() + 340 * dayMs);
    const result = await createTlsSecret(secrets, createOptions(), {
      now: later,
      retry: fastRetry,
    });
    assert.equal(result.action, 'reissue-serving');
    assert.equal(result.write, 'replaced');
    const replaced = storedSecret(secrets);
    assert.equal(replaced.metadata?.labels?.['team'], 'platform');
    assert.equal(replaced.metadata?.annotations?.['note'], 'kept');
    assert.equal(decode(replaced.data?.['extra']), 'x');
    assert.equal(replaced.data?.['ca.crt'], secret.data?.['ca.crt']);
    assert.notEqual(replaced.data?.['tls.crt'], secret.data?.['tls.crt']);
  });

  it('a replace that conflicts with a concurrent write is retried against a fresh read', async () => {
    const secrets = await createdSecrets();
    secrets.beforeWrite = () =>
      secrets.put('harbor-system', 'harbor-image-webhook-tls', storedSecret(secrets));
    const result = await createTlsSecret(secrets, createOptions({ service: 'renamed' }), {
      retry: fastRetry,
    });
    assert.equal(result.write, 'replaced');
    assert.deepEqual(secrets.calls.slice(2), ['read', 'replace', 'read', 'replace']);
  });

  it('a Secret created by a concurrent run between read and create is read again and kept', async () => {
    const winner = await createdSecrets();
    const secrets = new FakeSecrets();
    secrets.beforeWrite = () =>
      secrets.put('harbor-system', 'harbor-image-webhook-tls', storedSecret(winner));
    const result = await createTlsSecret(secrets, createOptions(), { retry: fastRetry });
    assert.equal(result.action, 'keep');
    assert.deepEqual(secrets.calls, ['read', 'create', 'read']);
  });

  it('conflicts that never stop fail after the last attempt', async () => {
    const secrets = await createdSecrets();
    const replace = secrets.replaceNamespacedSecret.bind(secrets);
    secrets.replaceNamespacedSecret = async () => {
      await replace({
        name: 'none',
        namespace: 'none',
        body: { metadata: { resourceVersion: 'stale' } },
      });
      throw new Error('unreachable');
    };
    await assert.rejects(
      createTlsSecret(secrets, createOptions({ service: 'renamed' }), { retry: fastRetry }),
      (error: Error) =>
        /still conflicting after 5 attempts/.test(error.message) &&
        (error.cause as ApiException<string>).code === 409,
    );
  });

  it('a Secret of another type is refused rather than half-replaced', async () => {
    const secrets = new FakeSecrets();
    secrets.put('harbor-system', 'harbor-image-webhook-tls', { type: 'Opaque', data: {} });
    await assert.rejects(
      createTlsSecret(secrets, createOptions(), { retry: fastRetry }),
      /has type Opaque, not kubernetes\.io\/tls/,
    );
    assert.deepEqual(secrets.calls, ['read']);
  });

  it('a read the apiserver refuses is reported with the Secret it was for', async () => {
    const secrets = new FakeSecrets();
    secrets.readNamespacedSecret = async () => {
      throw apiError(403, 'secrets "harbor-image-webhook-tls" is forbidden');
    };
    await assert.rejects(
      createTlsSecret(secrets, createOptions(), { retry: fastRetry }),
      (error: Error) =>
        error.message === 'cannot read Secret harbor-system/harbor-image-webhook-tls' &&
        (error.cause as ApiException<string>).code === 403,
    );
  });

  it('a dry run sends dryRun=All and stores nothing', async () => {
    const secrets = new FakeSecrets();
    const result = await createTlsSecret(secrets, createOptions({ dryRun: true }), {
      retry: fastRetry,
    });
    assert.equal(result.write, 'created');
    assert.equal(result.dryRun, true);
    assert.deepEqual(secrets.dryRuns, ['All']);
    assert.equal(secrets.get('harbor-system', 'harbor-image-webhook-tls'), undefined);
  });

  it('a namespace and service too long for a commonName still get a certificate', async () => {
    const secrets = new FakeSecrets();
    const options = createOptions({ service: 's'.repeat(40), namespace: 'n'.repeat(40) });
    await createTlsSecret(secrets, options, { retry: fastRetry });
    const tlsCrt = decode(secrets.get(options.namespace, options.secretName)?.data?.['tls.crt']);
    assert.ok(
      inspectCertificate(tlsCrt).subjectAltNames.dnsNames.includes(
        `${'s'.repeat(40)}.${'n'.repeat(40)}.svc`,
      ),
    );
  });
});

const webhook = (name: string, overrides: Partial<V1MutatingWebhook> = {}): V1MutatingWebhook => ({
  name,
  admissionReviewVersions: ['v1'],
  sideEffects: 'None',
  failurePolicy: 'Fail',
  clientConfig: { service: { name: 'harbor-image-webhook', namespace: 'harbor-system' } },
  ...overrides,
});

const patchOptions = (overrides: Partial<PatchOptions> = {}): PatchOptions => ({
  namespace: 'harbor-system',
  secretName: 'harbor-image-webhook-tls',
  webhookName: 'harbor-image-webhook',
  dryRun: false,
  ...overrides,
});

async function patchFixture(
  webhooks: V1MutatingWebhook[] = [
    webhook('pods.harbor-image-webhook.io'),
    webhook('ephemeral.harbor-image-webhook.io'),
  ],
) {
  const secrets = await createdSecrets();
  const caBundle = storedSecret(secrets).data?.['ca.crt'] ?? '';
  const webhookConfigurations = new FakeWebhookConfigurations(webhooks);
  return { secrets, caBundle, webhookConfigurations, clients: { secrets, webhookConfigurations } };
}

describe('cert-bootstrap patch against a fake apiserver', () => {
  it('every webhook of the configuration gets ca.crt from the Secret as its caBundle', async () => {
    const { clients, caBundle, webhookConfigurations } = await patchFixture();
    const result = await patchCaBundle(clients, patchOptions(), { retry: fastRetry });
    assert.deepEqual(result.changedWebhooks, [
      'pods.harbor-image-webhook.io',
      'ephemeral.harbor-image-webhook.io',
    ]);
    assert.equal(result.webhooks, 2);
    for (const patched of webhookConfigurations.configuration.webhooks ?? []) {
      assert.equal(patched.clientConfig.caBundle, caBundle);
      assert.match(decode(patched.clientConfig.caBundle), /^-----BEGIN CERTIFICATE-----/);
    }
  });

  it('nothing else in the webhooks changes', async () => {
    const { clients, webhookConfigurations } = await patchFixture();
    const before = structuredClone(webhookConfigurations.configuration.webhooks ?? []);
    await patchCaBundle(clients, patchOptions(), { retry: fastRetry });
    const after = (webhookConfigurations.configuration.webhooks ?? []).map((patched) => ({
      ...patched,
      clientConfig: { ...patched.clientConfig, caBundle: undefined },
    }));
    assert.deepEqual(
      after,
      before.map((original) => ({
        ...original,
        clientConfig: { ...original.clientConfig, caBundle: undefined },
      })),
    );
  });

  it('nothing is written when every caBundle already matches', async () => {
    const { clients, webhookConfigurations } = await patchFixture();
    await patchCaBundle(clients, patchOptions(), { retry: fastRetry });
    const result = await patchCaBundle(clients, patchOptions(), { retry: fastRetry });
    assert.deepEqual(result.changedWebhooks, []);
    assert.deepEqual(webhookConfigurations.calls, ['read', 'replace', 'read']);
  });

  it('the failurePolicy is set when asked and left alone otherwise', async () => {
    const { clients, webhookConfigurations } = await patchFixture([
      webhook('a', { failurePolicy: 'Fail' }),
      webhook('b', { failurePolicy: 'Ignore' }),
    ]);
    await patchCaBundle(clients, patchOptions(), { retry: fastRetry });
    assert.deepEqual(
      webhookConfigurations.configuration.webhooks?.map((w) => w.failurePolicy),
      ['Fail', 'Ignore'],
    );
    const result = await patchCaBundle(clients, patchOptions({ failurePolicy: 'Ignore' }), {
      retry: fastRetry,
    });
    assert.deepEqual(result.changedWebhooks, ['a']);
    assert.deepEqual(
      webhookConfigurations.configuration.webhooks?.map((w) => w.failurePolicy),
      ['Ignore', 'Ignore'],
    );
  });

  it('the failurePolicy of the audit entry (path /audit) stays Ignore, so auditing never blocks a Pod', async () => {
    const service = { name: 'harbor-image-webhook', namespace: 'harbor-system' };
    const { clients, webhookConfigurations } = await patchFixture([
      webhook('pods.harbor-image-webhook.io', {
        failurePolicy: 'Ignore',
        clientConfig: { service: { ...service, path: '/mutate' } },
      }),
      webhook('audit.pods.harbor-image-webhook.io', {
        failurePolicy: 'Ignore',
        clientConfig: { service: { ...service, path: '/audit' } },
      }),
    ]);
    await patchCaBundle(clients, patchOptions({ failurePolicy: 'Fail' }), { retry: fastRetry });
    assert.deepEqual(
      webhookConfigurations.configuration.webhooks?.map((w) => w.failurePolicy),
      ['Fail', 'Ignore'],
    );
  });

  it('a stale caBundle from an earlier CA is replaced', async () => {
    const { clients, caBundle, webhookConfigurations } = await patchFixture([
      webhook('a', { clientConfig: { caBundle: 'b2xk', service: { name: 's', namespace: 'n' } } }),
    ]);
    const result = await patchCaBundle(clients, patchOptions(), { retry: fastRetry });
    assert.deepEqual(result.changedWebhooks, ['a']);
    assert.equal(
      webhookConfigurations.configuration.webhooks?.[0]?.clientConfig.caBundle,
      caBundle,
    );
  });

  it('a write that conflicts with a concurrent change is retried against a fresh read', async () => {
    const { clients, caBundle, webhookConfigurations } = await patchFixture();
    webhookConfigurations.beforeWrite = () => webhookConfigurations.bumpVersion();
    await patchCaBundle(clients, patchOptions(), { retry: fastRetry });
    assert.deepEqual(webhookConfigurations.calls, ['read', 'replace', 'read', 'replace']);
    assert.equal(
      webhookConfigurations.configuration.webhooks?.[0]?.clientConfig.caBundle,
      caBundle,
    );
  });

  it('a dry run sends dryRun=All and changes nothing', async () => {
    const { clients, webhookConfigurations } = await patchFixture();
    const result = await patchCaBundle(clients, patchOptions({ dryRun: true }), {
      retry: fastRetry,
    });
    assert.equal(result.changedWebhooks.length, 2);
    assert.equal(webhookConfigurations.written[0]?.dryRun, 'All');
    assert.equal(
      webhookConfigurations.configuration.webhooks?.[0]?.clientConfig.caBundle,
      undefined,
    );
  });

  it('a missing Secret fails and says to run create first', async () => {
    const { webhookConfigurations } = await patchFixture();
    const clients = { secrets: new FakeSecrets(), webhookConfigurations };
    await assert.rejects(
      patchCaBundle(clients, patchOptions(), { retry: fastRetry }),
      /Secret harbor-system\/harbor-image-webhook-tls not found; run "create" first/,
    );
    assert.deepEqual(webhookConfigurations.calls, []);
  });

  it('a Secret without a CA certificate fails', async () => {
    const { secrets, webhookConfigurations } = await patchFixture();
    secrets.put('harbor-system', 'harbor-image-webhook-tls', {
      ...storedSecret(secrets),
      data: { 'ca.crt': Buffer.from('garbage').toString('base64') },
    });
    await assert.rejects(
      patchCaBundle({ secrets, webhookConfigurations }, patchOptions(), { retry: fastRetry }),
      /has no CA certificate in ca\.crt/,
    );
  });

  it('a configuration without webhooks fails instead of silently doing nothing', async () => {
    const { clients } = await patchFixture([]);
    await assert.rejects(
      patchCaBundle(clients, patchOptions(), { retry: fastRetry }),
      /has no webhooks to patch/,
    );
  });

  it('a missing configuration fails with the apiserver status', async () => {
    const { clients } = await patchFixture();
    await assert.rejects(
      patchCaBundle(clients, patchOptions({ webhookName: 'other' }), { retry: fastRetry }),
      (error: ApiException<string>) => error.code === 404,
    );
  });
});
