import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderInventory, type InventoryDocument } from '../../src/cli/inventory-output.ts';
import { createInventoryBuilder, type Inventory } from '../../src/core/inventory.ts';
import type { ApiRequest, ApiTransport } from '../../src/kube/api-transport.ts';
import { ClusterReadError, readInventory } from '../../src/kube/inventory-source.ts';
import { ApiStatusError } from '../../src/kube/list-watch.ts';
import { AUDIT_VALUE, optInSelector, optInState } from '../../src/kube/opt-in-label.ts';
import { examplePolicy } from '../helpers/fixtures.ts';

const OPT_IN = 'harbor-image-webhook/enabled=true';

function pod(namespace: string, name: string, images: Record<string, string>, extra = {}) {
  return {
    metadata: { namespace, name, ...extra },
    spec: {
      initContainers: [],
      containers: Object.entries(images).map(([container, image]) => ({ name: container, image })),
    },
  };
}

function sampleInventory(): Inventory {
  const builder = createInventoryBuilder(examplePolicy());
  builder.addNamespace({ name: 'shop', optIn: 'enabled', annotations: {} });
  builder.addNamespace({ name: 'billing', optIn: 'audit', annotations: {} });
  builder.addNamespace({ name: 'empty', optIn: 'off', annotations: {} });
  builder.addPod(
    'shop',
    pod('shop', 'a', { web: 'nginx:1.25', pause: 'registry.k8s.io/pause:3.9' }),
  );
  builder.addPod('shop', pod('shop', 'b', { web: 'nginx:1.25', tool: 'quay.io/acme/tool:1' }));
  builder.addPod(
    'billing',
    pod(
      'billing',
      'c',
      { api: 'ghcr.io/acme/api:2' },
      { labels: { 'harbor-image-webhook/skip': 'true' } },
    ),
  );
  builder.addPod('billing', pod('billing', 'd', { api: 'ghcr.io/acme/api:2' }));
  return builder.build();
}

describe('the inventory (pure)', () => {
  it('deduplicates images per namespace, counting the containers that run each', () => {
    const shop = sampleInventory().namespaces.find((namespace) => namespace.name === 'shop');
    assert.equal(shop?.pods, 2);
    assert.deepEqual(
      shop.images.map(({ image, action, containers }) => ({ image, action, containers })),
      [
        { image: 'nginx:1.25', action: 'rewrite', containers: 2 },
        { image: 'quay.io/acme/tool:1', action: 'leave', containers: 1 },
        { image: 'registry.k8s.io/pause:3.9', action: 'leave', containers: 1 },
      ],
    );
  });

  it('says to what an image is rewritten and why one is left, in the words of the preview', () => {
    const shop = sampleInventory().namespaces.find((namespace) => namespace.name === 'shop')!;
    const [nginx, tool, pause] = shop.images;
    assert.equal(nginx?.to, 'harbor.example.com/dockerhub-proxy/library/nginx:1.25');
    assert.equal(nginx?.reason, 'rewritten');
    assert.equal(tool?.reason, 'no-rule');
    assert.equal(tool?.to, 'quay.io/acme/tool:1');
    assert.match(tool?.message ?? '', /no rule matches "quay.io\/acme\/tool"/);
    assert.equal(pause?.reason, 'excluded');
  });

  it('lists an opted-out Pod apart from a mutated one of the same image, with the skip reason', () => {
    const billing = sampleInventory().namespaces.find((namespace) => namespace.name === 'billing')!;
    assert.deepEqual(
      billing.images.map(({ action, reason, containers }) => ({ action, reason, containers })),
      [
        { action: 'rewrite', reason: 'rewritten', containers: 1 },
        { action: 'leave', reason: 'skipped', containers: 1 },
      ],
    );
  });

  it('honours the namespace annotations, as admission does with --namespace-aware', () => {
    const builder = createInventoryBuilder(examplePolicy());
    builder.addNamespace({
      name: 'legacy',
      optIn: 'enabled',
      annotations: { 'harbor-image-webhook/rewrite': 'false' },
    });
    builder.addPod('legacy', pod('legacy', 'a', { web: 'nginx:1.25' }));
    const [legacy] = builder.build().namespaces;
    assert.deepEqual(legacy?.images[0], {
      image: 'nginx:1.25',
      action: 'leave',
      to: 'nginx:1.25',
      reason: 'skipped',
      message: 'the namespace turned the webhook off',
      containers: 1,
    });
  });

  it('leaves every image of kube-system, whatever the policy', () => {
    const builder = createInventoryBuilder(examplePolicy());
    builder.addPod('kube-system', pod('kube-system', 'dns', { dns: 'coredns/coredns:1.11' }));
    const [system] = builder.build().namespaces;
    assert.equal(system?.optIn, 'off');
    assert.equal(system?.images[0]?.message, 'namespace kube-system is a system namespace');
  });

  it('sorts namespaces by name and keeps those without Pods', () => {
    assert.deepEqual(
      sampleInventory().namespaces.map((namespace) => [namespace.name, namespace.optIn]),
      [
        ['billing', 'audit'],
        ['empty', 'off'],
        ['shop', 'enabled'],
      ],
    );
  });
});

describe('the inventory output', () => {
  it('prints an aligned table, one row per distinct image, and a summary', () => {
    const text = renderInventory(sampleInventory(), OPT_IN, 'table');
    assert.equal(
      text,
      [
        'NAMESPACE   OPT-IN    IMAGE                       CONTAINERS   ACTION    DETAIL',
        'billing     audit     ghcr.io/acme/api:2          1            rewrite   to harbor.example.com/ghcr-proxy/acme/api:2',
        'billing     audit     ghcr.io/acme/api:2          1            leave     the Pod has the label harbor-image-webhook/skip=true',
        'empty       off       <none>                      0            -         no running Pods',
        'shop        enabled   nginx:1.25                  2            rewrite   to harbor.example.com/dockerhub-proxy/library/nginx:1.25',
        'shop        enabled   quay.io/acme/tool:1         1            leave     no rule matches "quay.io/acme/tool"; left unchanged',
        'shop        enabled   registry.k8s.io/pause:3.9   1            leave     excluded by "registry.k8s.io/pause"; left unchanged',
        '',
        '3 namespaces, 4 Pods: 2 images to rewrite (3 containers), 3 images left (3 containers)',
        '',
      ].join('\n'),
    );
  });

  it('prints JSON with a versioned kind, the opt-in label, totals and every row', () => {
    const document = JSON.parse(
      renderInventory(sampleInventory(), OPT_IN, 'json'),
    ) as InventoryDocument;
    assert.equal(document.apiVersion, 'inventory.harbor-image-webhook.io/v1');
    assert.equal(document.kind, 'Inventory');
    assert.equal(document.optInLabel, OPT_IN);
    assert.deepEqual(document.summary, {
      namespaces: 3,
      pods: 4,
      rewrite: { images: 2, containers: 3 },
      leave: { images: 3, containers: 3 },
      omittedContainers: 0,
    });
    assert.deepEqual(Object.keys(document.namespaces[0]!), ['name', 'optIn', 'pods', 'images']);
    assert.deepEqual(Object.keys(document.namespaces[0]!.images[0]!), [
      'image',
      'action',
      'to',
      'reason',
      'message',
      'containers',
    ]);
  });

  it('escapes control characters of an image so the terminal does not act on them', () => {
    const builder = createInventoryBuilder(examplePolicy());
    builder.addPod('x', pod('x', 'a', { web: 'evil\u001b[2Jimage' }));
    const text = renderInventory(builder.build(), OPT_IN, 'table');
    assert.ok(!text.includes('\u001b'));
    assert.match(text, /evil\\u001b\[2Jimage/);
  });
});

describe('the opt-in state of a namespace', () => {
  const cases: { labels: Record<string, string> | undefined; label: string; state: string }[] = [
    { labels: { 'harbor-image-webhook/enabled': 'true' }, label: OPT_IN, state: 'enabled' },
    { labels: { 'harbor-image-webhook/enabled': 'audit' }, label: OPT_IN, state: 'audit' },
    { labels: { 'harbor-image-webhook/enabled': 'false' }, label: OPT_IN, state: 'off' },
    { labels: undefined, label: OPT_IN, state: 'off' },
    { labels: { 'example.com/harbor': 'on' }, label: 'example.com/harbor=on', state: 'enabled' },
    { labels: { 'example.com/harbor': 'audit' }, label: 'example.com/harbor=on', state: 'audit' },
    {
      labels: { 'harbor-image-webhook/enabled': 'audit' },
      label: 'example.com/harbor=on',
      state: 'off',
    },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.labels)} under ${c.label} is ${c.state}`, () => {
      assert.equal(optInState(c.label, c.labels), c.state);
    });
  }

  it(`refuses an opt-in label whose value is the reserved "${AUDIT_VALUE}"`, () => {
    assert.throws(() => optInSelector('example.com/harbor=audit'), /reserved for audit mode/);
  });
});

/** A transport answering from scripted pages, recording each request. */
function scriptedTransport(answer: (request: ApiRequest) => unknown): {
  transport: ApiTransport;
  requests: ApiRequest[];
} {
  const requests: ApiRequest[] = [];
  return {
    requests,
    transport: {
      getJson(request) {
        requests.push(request);
        return Promise.resolve().then(() => answer(request));
      },
      streamLines: () => Promise.reject(new Error('inventory never watches')),
    },
  };
}

const list = (items: unknown[], next?: string) => ({
  metadata: { resourceVersion: '1', ...(next === undefined ? {} : { continue: next }) },
  items,
});

describe('reading the cluster for the inventory', () => {
  it('pages through Pods with limit and continue, unfinished ones only', async () => {
    const { transport, requests } = scriptedTransport((request) => {
      if (request.path === '/api/v1/namespaces') {
        return list([
          { metadata: { name: 'shop', labels: { 'harbor-image-webhook/enabled': 'audit' } } },
        ]);
      }
      const page = request.query['continue'] === undefined ? 0 : Number(request.query['continue']);
      const items = [pod('shop', `p${page}`, { web: 'nginx:1.25' })];
      return page < 2 ? list(items, String(page + 1)) : list(items);
    });
    const builder = createInventoryBuilder(examplePolicy());

    await readInventory(builder, {
      transport,
      scope: { kind: 'all' },
      optInLabel: OPT_IN,
      server: 'https://k',
      pageSize: 1,
    });

    const podRequests = requests.filter((request) => request.path === '/api/v1/pods');
    assert.deepEqual(
      podRequests.map((request) => [request.query['limit'], request.query['continue']]),
      [
        ['1', undefined],
        ['1', '1'],
        ['1', '2'],
      ],
    );
    assert.equal(
      podRequests[0]?.query['fieldSelector'],
      'status.phase!=Succeeded,status.phase!=Failed',
    );
    const [shop] = builder.build().namespaces;
    assert.equal(shop?.optIn, 'audit');
    assert.equal(shop?.images[0]?.containers, 3);
  });

  it('asks for one namespace by field selector and its Pods only', async () => {
    const { transport, requests } = scriptedTransport((request) =>
      request.path === '/api/v1/namespaces' ? list([{ metadata: { name: 'shop' } }]) : list([]),
    );
    await readInventory(createInventoryBuilder(examplePolicy()), {
      transport,
      scope: { kind: 'namespace', name: 'shop' },
      optInLabel: OPT_IN,
      server: 'https://k',
    });
    assert.equal(requests[0]?.query['fieldSelector'], 'metadata.name=shop');
    assert.equal(requests[1]?.path, '/api/v1/namespaces/shop/pods');
  });

  const failures: { name: string; error: unknown; message: RegExp }[] = [
    {
      name: 'a missing namespace says so',
      error: undefined,
      message: /^namespace "shop" not found on https:\/\/k$/,
    },
    {
      name: 'a 403 says which permission inventory needs',
      error: new ApiStatusError(
        403,
        'GET /api/v1/namespaces: HTTP 403: namespaces is forbidden: User "u" cannot list',
      ),
      message:
        /^forbidden to list namespaces on https:\/\/k \(HTTP 403: namespaces is forbidden: User "u" cannot list\); inventory needs list on namespaces and pods$/,
    },
    {
      name: 'a 401 says the credentials were refused',
      error: new ApiStatusError(401, 'GET /api/v1/namespaces: HTTP 401: Unauthorized'),
      message: /refused the credentials of the kubeconfig/,
    },
    {
      name: 'a refused connection says the cluster is not reachable',
      error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      message:
        /^cannot reach the Kubernetes API at https:\/\/k \(ECONNREFUSED\); is the cluster running/,
    },
  ];
  for (const c of failures) {
    it(c.name, async () => {
      const { transport } = scriptedTransport(() => {
        if (c.error !== undefined) throw c.error;
        return list([]);
      });
      await assert.rejects(
        readInventory(createInventoryBuilder(examplePolicy()), {
          transport,
          scope: { kind: 'namespace', name: 'shop' },
          optInLabel: OPT_IN,
          server: 'https://k',
        }),
        (error: unknown) => error instanceof ClusterReadError && c.message.test(error.message),
      );
    });
  }

  it('gives up on a list that never ends, after maxPages', async () => {
    const { transport } = scriptedTransport(() => list([], 'again'));
    await assert.rejects(
      readInventory(createInventoryBuilder(examplePolicy()), {
        transport,
        scope: { kind: 'all' },
        optInLabel: OPT_IN,
        server: 'https://k',
        maxPages: 3,
      }),
      /did not end after 3 pages/,
    );
  });
});
