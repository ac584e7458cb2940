// The chart's escape hatches and operational values (issue 16): extra args, env, volumes and
// objects, Pod metadata and scheduling, the autoscaler, ports, host networking, the preStop
// sleep, the `helm test` Pod, and the schema's refusals of each.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  chartDir,
  helm,
  releaseName,
  releaseNamespace,
  render,
  repoRoot,
  templateRaw,
} from './helm.ts';
import { allOf, containerOf, oneOf } from './manifests.ts';
import type {
  Container,
  Deployment,
  KubeObject,
  MutatingWebhookConfiguration,
  NetworkPolicy,
  Pod,
  Service,
} from './manifests.ts';

const fullname = `${releaseName}-harbor-image-webhook`;
const testPodName = `${fullname}-test`;

interface HorizontalPodAutoscaler extends KubeObject {
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas: number;
    maxReplicas: number;
    metrics: {
      type: string;
      resource: { name: string; target: { type: string; averageUtilization: number } };
    }[];
  };
}

/** The rendered Deployment spec fields these tests read beyond the shared type. */
interface DeploymentDetails {
  replicas?: number;
  strategy: { rollingUpdate: { maxSurge: number; maxUnavailable: number } };
  template: {
    metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
    spec: {
      hostNetwork?: boolean;
      dnsPolicy?: string;
      volumes: { name: string }[];
      containers: (Container & { env?: object[] })[];
    };
  };
}

/** `helm template` with `values` and extra helm flags (e.g. --kube-version), parsed. */
function renderWith(values: object, flags: readonly string[]): KubeObject[] {
  const result = templateRaw(values, flags);
  assert.equal(result.status, 0, result.stderr);
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null);
}

function deploymentOf(objects: readonly KubeObject[]): Deployment & { spec: DeploymentDetails } {
  return oneOf<Deployment & { spec: DeploymentDetails }>(objects, 'Deployment', fullname);
}

function webhookContainer(objects: readonly KubeObject[]): Container & { env?: object[] } {
  return containerOf(deploymentOf(objects).spec.template.spec, 'webhook');
}

function testPod(objects: readonly KubeObject[]): Pod {
  return oneOf<Pod>(objects, 'Pod', testPodName);
}

function refusal(values: object): string {
  const result = templateRaw(values);
  assert.notEqual(result.status, 0, `helm template should refuse ${JSON.stringify(values)}`);
  return result.stderr;
}

describe('extraArgs, extraEnv, extraVolumes and extraVolumeMounts', () => {
  it("appends extraArgs after every argument of the chart's own, as strings", () => {
    const args = webhookContainer(
      render({
        clientCA: { configMapName: 'apiserver-ca' },
        extraArgs: ['--preview-max-body-bytes', '1048576', '--host=$(HOST_IP)'],
      }),
    ).args;
    assert.deepEqual(args?.slice(-5), [
      '--client-ca-file',
      '/etc/harbor-image-webhook/client-ca/ca.crt',
      '--preview-max-body-bytes',
      '1048576',
      '--host=$(HOST_IP)',
    ]);
  });

  it('renders no env by default and extraEnv as the container env, valueFrom included', () => {
    assert.equal(webhookContainer(render()).env, undefined);
    const env = [
      { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'UV_THREADPOOL_SIZE', value: '8' },
    ];
    assert.deepEqual(webhookContainer(render({ extraEnv: env })).env, env);
  });

  it("adds extraVolumes and extraVolumeMounts after the chart's own", () => {
    const objects = render({
      extraVolumes: [{ name: 'corp-ca', configMap: { name: 'corp-ca' } }],
      extraVolumeMounts: [{ name: 'corp-ca', mountPath: '/etc/corp-ca', readOnly: true }],
    });
    const spec = deploymentOf(objects).spec.template.spec;
    assert.deepEqual(spec.volumes.at(-1), { name: 'corp-ca', configMap: { name: 'corp-ca' } });
    assert.deepEqual(
      spec.volumes.map((volume) => volume.name),
      ['policy', 'tls', 'tmp', 'corp-ca'],
    );
    assert.deepEqual(webhookContainer(objects).volumeMounts?.at(-1), {
      name: 'corp-ca',
      mountPath: '/etc/corp-ca',
      readOnly: true,
    });
  });
});

describe('extraObjects', () => {
  it('renders objects and YAML strings through tpl, with values and release fields', () => {
    const objects = render({
      extraObjects: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: '{{ .Release.Name }}-extra', namespace: '{{ .Release.Namespace }}' },
          data: { host: '{{ .Values.policy.harbor.host }}' },
        },
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: port-{{ .Values.containerPort }}\n',
      ],
    });
    const configMap = oneOf<KubeObject & { data: Record<string, string> }>(
      objects,
      'ConfigMap',
      `${releaseName}-extra`,
    );
    assert.equal(configMap.metadata.namespace, releaseNamespace);
    assert.deepEqual(configMap.data, { host: 'harbor.example.com' });
    oneOf(objects, 'Secret', 'port-8443');
  });

  it('renders nothing extra by default', () => {
    assert.equal(
      render().some((object) => object.metadata.name.endsWith('-extra')),
      false,
    );
  });
});

describe('Pod metadata and scheduling', () => {
  it('adds podAnnotations and podLabels to the Pods without changing the selector', () => {
    const objects = render({
      podAnnotations: { 'prometheus.io/scrape': 'false' },
      podLabels: { team: 'platform' },
    });
    const deployment = deploymentOf(objects);
    assert.equal(deployment.spec.template.metadata.labels['team'], 'platform');
    assert.deepEqual(deployment.spec.template.metadata.annotations, {
      'prometheus.io/scrape': 'false',
    });
    assert.equal(deployment.spec.selector.matchLabels['team'], undefined);
    assert.equal(oneOf<Service>(objects, 'Service').spec.selector['team'], undefined);
  });

  it('sets priorityClassName, and replaces the default spread with topologySpreadConstraints', () => {
    const objects = render({
      priorityClassName: 'system-cluster-critical',
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' },
      ],
    });
    const spec = deploymentOf(objects).spec.template.spec as Deployment['spec']['template']['spec'];
    assert.equal(spec.priorityClassName, 'system-cluster-critical');
    assert.deepEqual(spec.topologySpreadConstraints, [
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: deploymentOf(objects).spec.selector.matchLabels },
      },
    ]);
  });
});

describe('autoscaling', () => {
  it('renders no HorizontalPodAutoscaler by default and a fixed replica count', () => {
    const objects = render();
    assert.deepEqual(allOf(objects, 'HorizontalPodAutoscaler'), []);
    assert.equal(deploymentOf(objects).spec.replicas, 2);
  });

  it('scales the Deployment on CPU between minReplicas and maxReplicas, with no replicas field', () => {
    const objects = render({ autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 9 } });
    const hpa = oneOf<HorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler', fullname);
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.equal(hpa.metadata.namespace, releaseNamespace);
    assert.deepEqual(hpa.spec.scaleTargetRef, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: fullname,
    });
    assert.equal(hpa.spec.minReplicas, 3);
    assert.equal(hpa.spec.maxReplicas, 9);
    assert.deepEqual(hpa.spec.metrics, [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 75 } },
      },
    ]);
    assert.equal('replicas' in deploymentOf(objects).spec, false);
    oneOf(objects, 'PodDisruptionBudget', fullname);
  });

  it('adds a memory target when one is set, and can scale on memory alone', () => {
    const both = render({
      autoscaling: { enabled: true, targetMemoryUtilizationPercentage: 80 },
    });
    const metrics = oneOf<HorizontalPodAutoscaler>(both, 'HorizontalPodAutoscaler').spec.metrics;
    assert.deepEqual(
      metrics.map((metric) => [metric.resource.name, metric.resource.target.averageUtilization]),
      [
        ['cpu', 75],
        ['memory', 80],
      ],
    );
    const memoryOnly = render({
      autoscaling: {
        enabled: true,
        targetCPUUtilizationPercentage: 0,
        targetMemoryUtilizationPercentage: 70,
      },
    });
    assert.deepEqual(
      oneOf<HorizontalPodAutoscaler>(memoryOnly, 'HorizontalPodAutoscaler').spec.metrics.map(
        (metric) => metric.resource.name,
      ),
      ['memory'],
    );
  });

  it('refuses maxReplicas below minReplicas, and an autoscaler without a target', () => {
    assert.match(
      refusal({ autoscaling: { enabled: true, minReplicas: 4, maxReplicas: 3 } }),
      /autoscaling\.maxReplicas \(3\) must be at least autoscaling\.minReplicas \(4\)/,
    );
    assert.match(
      refusal({
        autoscaling: {
          enabled: true,
          targetCPUUtilizationPercentage: 0,
          targetMemoryUtilizationPercentage: 0,
        },
      }),
      /autoscaling\.enabled needs a target/,
    );
  });
});

describe('ports', () => {
  it('listens on containerPort, which the probes, the Service target and the NetworkPolicy follow', () => {
    const objects = render({ containerPort: 10443, networkPolicy: { enabled: true } });
    const container = webhookContainer(objects);
    const args = container.args ?? [];
    assert.equal(args[args.indexOf('--port') + 1], '10443');
    assert.deepEqual(container.ports, [{ name: 'https', containerPort: 10443, protocol: 'TCP' }]);
    assert.equal(container.readinessProbe?.httpGet?.port, 'https');
    assert.equal(container.livenessProbe?.httpGet?.port, 'https');
    assert.deepEqual(oneOf<Service>(objects, 'Service').spec.ports, [
      { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
    ]);
    const policy = oneOf<NetworkPolicy>(objects, 'NetworkPolicy');
    assert.deepEqual(policy.spec.ingress[0]?.ports, [{ protocol: 'TCP', port: 10443 }]);
  });

  it('serves the Service on service.port, where the webhook registration and helm test call it', () => {
    const objects = render({ service: { port: 8443 } });
    assert.equal(oneOf<Service>(objects, 'Service').spec.ports[0]?.port, 8443);
    const configuration = oneOf<MutatingWebhookConfiguration>(
      objects,
      'MutatingWebhookConfiguration',
    );
    assert.equal(configuration.webhooks[0]?.clientConfig.service.port, 8443);
    const args = containerOf(testPod(objects).spec, 'admission-check').args ?? [];
    assert.equal(
      args[args.indexOf('--url') + 1],
      `https://${fullname}.${releaseNamespace}.svc:8443`,
    );
  });
});

describe('hostNetwork', () => {
  it("stays on the Pod network by default, with Kubernetes' DNS policy and a surging rollout", () => {
    const spec = deploymentOf(render()).spec;
    assert.equal(spec.template.spec.hostNetwork, undefined);
    assert.equal(spec.template.spec.dnsPolicy, undefined);
    assert.deepEqual(spec.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 });
  });

  it('runs on the node network with ClusterFirstWithHostNet, replacing one Pod at a time', () => {
    const spec = deploymentOf(render({ hostNetwork: true })).spec;
    assert.equal(spec.template.spec.hostNetwork, true);
    assert.equal(spec.template.spec.dnsPolicy, 'ClusterFirstWithHostNet');
    assert.deepEqual(spec.strategy.rollingUpdate, { maxUnavailable: 1, maxSurge: 0 });
  });

  it('lets an explicit dnsPolicy win', () => {
    const spec = deploymentOf(render({ hostNetwork: true, dnsPolicy: 'Default' })).spec;
    assert.equal(spec.template.spec.dnsPolicy, 'Default');
  });
});

describe('preStop sleep and the termination grace period', () => {
  it('sleeps 5 s before SIGTERM by default with the sleep action on Kubernetes 1.30 and later', () => {
    for (const version of ['1.30.0', '1.34.10']) {
      const objects = renderWith({}, ['--kube-version', version]);
      assert.deepEqual(webhookContainer(objects).lifecycle, {
        preStop: { sleep: { seconds: 5 } },
      });
      const spec = deploymentOf(objects).spec.template.spec as {
        terminationGracePeriodSeconds?: number;
      };
      assert.equal(spec.terminationGracePeriodSeconds, 30);
    }
  });

  it('renders no preStop hook on Kubernetes 1.29, which has no sleep action by default', () => {
    const objects = renderWith({}, ['--kube-version', '1.29.5']);
    assert.equal(webhookContainer(objects).lifecycle, undefined);
  });

  it('renders no preStop hook when preStopSleepSeconds is 0', () => {
    assert.equal(webhookContainer(render({ preStopSleepSeconds: 0 })).lifecycle, undefined);
  });

  it('refuses a grace period shorter than the preStop sleep plus the 15 s the server may need', () => {
    assert.match(
      refusal({ preStopSleepSeconds: 20, terminationGracePeriodSeconds: 30 }),
      /terminationGracePeriodSeconds \(30\) must be at least preStopSleepSeconds \(20\) \+ 15/,
    );
    const accepted = render({ preStopSleepSeconds: 20, terminationGracePeriodSeconds: 35 });
    assert.deepEqual(webhookContainer(accepted).lifecycle, { preStop: { sleep: { seconds: 20 } } });
  });
});

describe('the helm test Pod', () => {
  it('is a test hook running admission-check from the webhook image against the Service over TLS', () => {
    const objects = render();
    const pod = testPod(objects);
    assert.equal(pod.metadata.annotations?.['helm.sh/hook'], 'test');
    assert.equal(
      pod.metadata.annotations?.['helm.sh/hook-delete-policy'],
      'before-hook-creation,hook-succeeded',
    );
    assert.equal(pod.metadata.labels?.['app.kubernetes.io/component'], 'test');
    assert.equal(pod.spec.restartPolicy, 'Never');
    assert.equal(pod.spec.automountServiceAccountToken, false);
    // The script connects to <SERVICE>_SERVICE_HOST: no cluster DNS needed.
    assert.equal((pod.spec as { enableServiceLinks?: boolean }).enableServiceLinks, true);
    const container = containerOf(pod.spec, 'admission-check');
    assert.equal(container.image, webhookContainer(objects).image);
    assert.deepEqual(container.command, ['node', 'dist/scripts/admission-check.js']);
    assert.deepEqual(container.args, [
      '--url',
      `https://${fullname}.${releaseNamespace}.svc:443`,
      '--ca-file',
      '/etc/harbor-image-webhook/test/ca.crt',
      '--image',
      'nginx:1.25',
      '--harbor-host',
      'harbor.example.com',
      '--namespace',
      releaseNamespace,
    ]);
    assert.deepEqual(container.volumeMounts, [
      { name: 'ca', mountPath: '/etc/harbor-image-webhook/test', readOnly: true },
    ]);
    assert.deepEqual(pod.spec.volumes, [
      {
        name: 'ca',
        secret: { secretName: `${fullname}-tls`, items: [{ key: 'ca.crt', path: 'ca.crt' }] },
      },
    ]);
  });

  it('runs a script that the image build compiles (tsconfig.build.json includes scripts/)', () => {
    assert.ok(existsSync(join(repoRoot, 'scripts', 'admission-check.ts')));
  });

  it('is never selected by the Service', () => {
    const objects = render();
    const selector = oneOf<Service>(objects, 'Service').spec.selector;
    const labels = testPod(objects).metadata.labels ?? {};
    assert.equal(
      Object.entries(selector).every(([key, value]) => labels[key] === value),
      false,
    );
  });

  it('passes the expected image, and checks mutual TLS instead of the patch when clientCA is set', () => {
    const args = (values: object): string[] =>
      containerOf(testPod(render(values)).spec, 'admission-check').args ?? [];
    const expecting = args({
      tests: { image: 'quay.io/org/app:1', expectedImage: 'h.example/q/org/app:1' },
    });
    assert.equal(expecting[expecting.indexOf('--image') + 1], 'quay.io/org/app:1');
    assert.equal(expecting[expecting.indexOf('--expect') + 1], 'h.example/q/org/app:1');
    assert.ok(!expecting.includes('--client-certificate-required'));
    assert.ok(
      args({ clientCA: { configMapName: 'apiserver-ca' } }).includes(
        '--client-certificate-required',
      ),
    );
  });

  it('is not rendered when tests.enabled is false', () => {
    assert.deepEqual(allOf(render({ tests: { enabled: false } }), 'Pod'), []);
  });

  it('is let through a NetworkPolicy that names its peers, only while it is rendered', () => {
    const from = [{ namespaceSelector: { matchLabels: { role: 'control-plane' } } }];
    const peers = (values: object): object[] | undefined =>
      oneOf<NetworkPolicy>(
        render({ networkPolicy: { enabled: true, from }, ...values }),
        'NetworkPolicy',
      ).spec.ingress[0]?.from;
    const testPeer = {
      podSelector: {
        matchLabels: {
          'app.kubernetes.io/instance': releaseName,
          'app.kubernetes.io/component': 'test',
        },
      },
    };
    assert.deepEqual(peers({}), [...from, testPeer]);
    assert.deepEqual(peers({ tests: { enabled: false } }), from);
  });
});

describe('the values schema of the operator values', () => {
  const refusals: { name: string; values: object; message: RegExp }[] = [
    {
      name: 'autoscaling.minReplicas 1',
      values: { autoscaling: { minReplicas: 1 } },
      message: /minReplicas/,
    },
    {
      name: 'an unknown autoscaling key',
      values: { autoscaling: { targetCPU: 50 } },
      message: /targetCPU/,
    },
    { name: 'containerPort 0', values: { containerPort: 0 }, message: /containerPort/ },
    { name: 'containerPort 70000', values: { containerPort: 70000 }, message: /containerPort/ },
    {
      name: 'a service.port that is a string',
      values: { service: { port: 'https' } },
      message: /port/,
    },
    { name: 'hostNetwork "yes"', values: { hostNetwork: 'yes' }, message: /hostNetwork/ },
    {
      name: 'an unknown dnsPolicy',
      values: { dnsPolicy: 'ClusterFirstWithHostnet' },
      message: /dnsPolicy/,
    },
    { name: 'extraArgs holding a number', values: { extraArgs: [8443] }, message: /extraArgs/ },
    { name: 'extraArgs given as one string', values: { extraArgs: '--x' }, message: /extraArgs/ },
    {
      name: 'an extraEnv entry without a name',
      values: { extraEnv: [{ value: 'x' }] },
      message: /extraEnv|name/,
    },
    {
      name: 'an extraVolumeMounts entry without a mountPath',
      values: { extraVolumeMounts: [{ name: 'x' }] },
      message: /extraVolumeMounts|mountPath/,
    },
    {
      name: 'an extraVolumes entry without a name',
      values: { extraVolumes: [{ emptyDir: {} }] },
      message: /extraVolumes|name/,
    },
    {
      name: 'an extraObjects entry that is a number',
      values: { extraObjects: [1] },
      message: /extraObjects/,
    },
    {
      name: 'podLabels with a number value',
      values: { podLabels: { tier: 1 } },
      message: /podLabels|tier/,
    },
    { name: 'a misspelled tests key', values: { tests: { enable: false } }, message: /enable/ },
    {
      name: 'a negative preStopSleepSeconds',
      values: { preStopSleepSeconds: -1 },
      message: /preStopSleepSeconds/,
    },
  ];
  for (const { name, values, message } of refusals) {
    it(`refuses ${name}`, () => {
      assert.match(refusal(values), message);
    });
  }

  it('describes each operator value it declares', () => {
    const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as {
      properties: Record<string, { description?: string }>;
    };
    const operatorValues = [
      'autoscaling',
      'containerPort',
      'dnsPolicy',
      'extraArgs',
      'extraEnv',
      'extraObjects',
      'extraVolumeMounts',
      'extraVolumes',
      'hostNetwork',
      'podAnnotations',
      'podLabels',
      'preStopSleepSeconds',
      'priorityClassName',
      'terminationGracePeriodSeconds',
      'tests',
      'topologySpreadConstraints',
    ];
    const undescribed = operatorValues.filter((key) => !schema.properties[key]?.description);
    assert.deepEqual(undescribed, []);
  });
});

describe('helm lint with the operator values', () => {
  it('passes in strict mode with all of them set', () => {
    const result = helm(
      ['lint', '--strict', chartDir, '--values', '-'],
      JSON.stringify({
        autoscaling: { enabled: true, targetMemoryUtilizationPercentage: 80 },
        hostNetwork: true,
        containerPort: 10443,
        service: { port: 8443 },
        extraArgs: ['--host=$(HOST_IP)'],
        extraEnv: [{ name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }],
        extraVolumes: [{ name: 'scratch', emptyDir: {} }],
        extraVolumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
        extraObjects: [
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '{{ .Release.Name }}-x' } },
        ],
        podAnnotations: { a: 'b' },
        podLabels: { c: 'd' },
        priorityClassName: 'system-cluster-critical',
        networkPolicy: { enabled: true, from: [{ podSelector: {} }] },
        tests: { expectedImage: 'harbor.example.com/dockerhub-proxy/library/nginx:1.25' },
      }),
    );
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.doesNotMatch(result.stdout, /\[(WARNING|ERROR)\]/);
  });
});
