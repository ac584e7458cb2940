/**
 * The control-plane path of a webhook on a real node: registered by Service
 * reference with a caBundle, the apiserver calls a webhook Pod through the
 * Service's endpoints (`--enable-aggregator-routing`), over TLS verified for
 * `<service>.<namespace>.svc`. A minimal stand-in webhook of ours
 * (test/cluster/images/mutator) answers, so this holds before the product's
 * own image exists.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  issueCertificateAuthority,
  issueServingCertificate,
  KeyAlgorithm,
} from '../../src/certificates/issue.ts';
import { pushTestImage } from '../cluster/test-image.ts';
import { nodeSkipReason, useNodeCluster } from './node-cluster.ts';

const NAMESPACE = 'node-webhook';
const TARGET_NAMESPACE = 'node-webhook-target';
const CONFIGURATION = 'node-test-mutator';
const SELECTOR_LABEL = 'harbor-node.test/mutate';

function webhookPod(image: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'mutator', namespace: NAMESPACE, labels: { app: 'mutator' } },
    spec: {
      automountServiceAccountToken: false,
      containers: [
        {
          name: 'mutator',
          image,
          ports: [{ containerPort: 8443 }],
          readinessProbe: { httpGet: { path: '/healthz', port: 8443, scheme: 'HTTPS' } },
          volumeMounts: [{ name: 'tls', mountPath: '/tls', readOnly: true }],
          securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true },
        },
      ],
      volumes: [{ name: 'tls', secret: { secretName: 'mutator-tls' } }],
    },
  };
}

function registration(caBundle: string): object {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: CONFIGURATION },
    webhooks: [
      {
        name: 'mutator.harbor-node.test',
        clientConfig: {
          service: { namespace: NAMESPACE, name: 'mutator', path: '/mutate', port: 443 },
          caBundle,
        },
        rules: [
          { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] },
        ],
        namespaceSelector: { matchLabels: { [SELECTOR_LABEL]: 'on' } },
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 10,
      },
    ],
  };
}

describe('a webhook registered by Service on a real node', { skip: nodeSkipReason }, () => {
  const cluster = useNodeCluster(NAMESPACE);

  before(async () => {
    await cluster.kube(['delete', 'namespace', TARGET_NAMESPACE, '--ignore-not-found']);
    await cluster.kube([
      'delete',
      'mutatingwebhookconfiguration',
      CONFIGURATION,
      '--ignore-not-found',
    ]);
  });

  it(
    'is called by the apiserver through its Service, over TLS verified by the caBundle',
    { timeout: 180_000 },
    async () => {
      const image = await pushTestImage(cluster.info(), {
        registry: cluster.info().registries.artifacts,
        repository: 'library/mutator',
        tag: '1.0.0',
        program: 'mutator',
      });
      const ca = issueCertificateAuthority({
        commonName: 'node-test webhook CA',
        validityDays: 1,
        keyAlgorithm: KeyAlgorithm.ecdsaP256,
      });
      const serving = issueServingCertificate(ca, {
        commonName: `mutator.${NAMESPACE}.svc`,
        dnsNames: [`mutator.${NAMESPACE}.svc`],
        ipAddresses: [],
        validityDays: 1,
        keyAlgorithm: KeyAlgorithm.ecdsaP256,
      });
      const dir = await mkdtemp(join(tmpdir(), 'node-webhook-'));
      try {
        await writeFile(join(dir, 'tls.crt'), serving.certificatePem);
        await writeFile(join(dir, 'tls.key'), serving.privateKeyPem, { mode: 0o600 });
        await cluster.kube([
          'create',
          'secret',
          'tls',
          'mutator-tls',
          `--namespace=${NAMESPACE}`,
          `--cert=${join(dir, 'tls.crt')}`,
          `--key=${join(dir, 'tls.key')}`,
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      await cluster.kube(['apply', '-f', '-'], JSON.stringify(webhookPod(image.byDigest)));
      await cluster.kube([
        'create',
        'service',
        'clusterip',
        'mutator',
        `--namespace=${NAMESPACE}`,
        '--tcp=443:8443',
      ]);
      await cluster.kube([
        'wait',
        `--namespace=${NAMESPACE}`,
        '--for=condition=Ready',
        'pod/mutator',
        '--timeout=90s',
      ]);
      await cluster.kube(
        ['apply', '-f', '-'],
        JSON.stringify(registration(Buffer.from(ca.certificatePem).toString('base64'))),
      );
      try {
        await cluster.kube(['create', 'namespace', TARGET_NAMESPACE]);
        await cluster.kube(['label', 'namespace', TARGET_NAMESPACE, `${SELECTOR_LABEL}=on`]);
        const created = JSON.parse(
          await cluster.kube([
            'run',
            'probe',
            `--namespace=${TARGET_NAMESPACE}`,
            `--image=${image.byDigest}`,
            '--restart=Never',
            '--dry-run=server',
            '-o',
            'json',
          ]),
        ) as { metadata: { annotations?: Record<string, string> } };
        assert.equal(created.metadata.annotations?.['harbor-node.test/mutated'], 'true');
      } finally {
        // Never leave a Fail-policy webhook behind in a reused cluster.
        await cluster.kube([
          'delete',
          'mutatingwebhookconfiguration',
          CONFIGURATION,
          '--ignore-not-found',
        ]);
        await cluster.kube([
          'delete',
          'namespace',
          TARGET_NAMESPACE,
          '--ignore-not-found',
          '--wait=false',
        ]);
      }
    },
  );
});
