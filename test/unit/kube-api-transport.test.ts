import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { createApiTransport, type ApiTransport } from '../../src/kube/api-transport.ts';
import { collectionListWatch, isGone, type WatchEvent } from '../../src/kube/list-watch.ts';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

describe('the apiserver transport', () => {
  let handler: Handler = (_request, response) => response.end();
  const server = createServer((request, response) => handler(request, response));
  let transport: ApiTransport;

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      // Plain HTTP is allowed by client-node only with skipTLSVerify.
      clusters: [{ name: 'c', server: `http://127.0.0.1:${port}/`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'sekret' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    transport = createApiTransport(kubeConfig);
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('lists with the selectors, a page size, the bearer token and a metadata-only Accept header', async () => {
    let seen: IncomingMessage | undefined;
    handler = (request, response) => {
      seen = request;
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          metadata: { resourceVersion: '42', continue: 'next' },
          items: [{ metadata: { name: 'a' } }],
        }),
      );
    };
    const source = collectionListWatch(
      transport,
      {
        path: '/api/v1/secrets',
        fieldSelector: 'type=kubernetes.io/dockerconfigjson',
        metadataOnly: true,
      },
      { pageSize: 2 },
    );
    const page = await source.list(undefined, AbortSignal.timeout(5_000));
    assert.deepEqual(page, {
      items: [{ metadata: { name: 'a' } }],
      resourceVersion: '42',
      continue: 'next',
    });
    const url = new URL(seen?.url ?? '', 'http://x');
    assert.equal(url.pathname, '/api/v1/secrets');
    assert.equal(url.searchParams.get('fieldSelector'), 'type=kubernetes.io/dockerconfigjson');
    assert.equal(url.searchParams.get('limit'), '2');
    assert.equal(seen?.headers.authorization, 'Bearer sekret');
    assert.match(
      seen?.headers.accept ?? '',
      /^application\/json;as=PartialObjectMetadataList;g=meta\.k8s\.io;v=v1,application\/json$/,
    );
  });

  it('streams watch events split across chunks, with bookmarks, from the resourceVersion given', async () => {
    let url: URL | undefined;
    handler = (request, response) => {
      url = new URL(request.url ?? '', 'http://x');
      const body =
        JSON.stringify({
          type: 'ADDED',
          object: { metadata: { name: 'a', resourceVersion: '11' } },
        }) +
        '\n' +
        JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '12' } } }) +
        '\n' +
        JSON.stringify({
          type: 'DELETED',
          object: { metadata: { name: 'a', resourceVersion: '13' } },
        });
      response.write(body.slice(0, 30));
      setTimeout(() => response.end(body.slice(30)), 10);
    };
    const source = collectionListWatch(
      transport,
      { path: '/api/v1/namespaces', labelSelector: 'a=b', metadataOnly: true },
      { watchTimeoutSeconds: () => 300 },
    );
    const events: WatchEvent[] = [];
    await source.watch('10', (event) => events.push(event), AbortSignal.timeout(5_000));
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'BOOKMARK', 'DELETED'],
    );
    assert.equal(url?.searchParams.get('watch'), 'true');
    assert.equal(url?.searchParams.get('resourceVersion'), '10');
    assert.equal(url?.searchParams.get('allowWatchBookmarks'), 'true');
    assert.equal(url?.searchParams.get('timeoutSeconds'), '300');
    assert.equal(url?.searchParams.get('labelSelector'), 'a=b');
  });

  it('turns an error status into an ApiStatusError with the apiserver message; 410 is Gone', async () => {
    handler = (_request, response) => {
      response.statusCode = 410;
      response.end(
        JSON.stringify({
          kind: 'Status',
          code: 410,
          reason: 'Expired',
          message: 'too old resource version: 1 (200)',
        }),
      );
    };
    const source = collectionListWatch(transport, {
      path: '/api/v1/namespaces',
      metadataOnly: true,
    });
    const error = await source
      .watch('1', () => {}, AbortSignal.timeout(5_000))
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    assert.ok(isGone(error));
    assert.match(String(error), /HTTP 410: too old resource version/);
  });

  it('fails a watch whose stream is not JSON lines', async () => {
    handler = (_request, response) => response.end('not json\n');
    const source = collectionListWatch(transport, {
      path: '/api/v1/namespaces',
      metadataOnly: true,
    });
    await assert.rejects(
      source.watch('1', () => {}, AbortSignal.timeout(5_000)),
      SyntaxError,
    );
  });

  it('ends a watch quietly when it is stopped, and when its deadline passes', async () => {
    handler = (_request, response) => void response.write('');
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    await transport.streamLines(
      { path: '/api/v1/namespaces', query: {}, accept: 'application/json', signal: stop.signal },
      () => {},
    );
    await transport.streamLines(
      {
        path: '/api/v1/namespaces',
        query: {},
        accept: 'application/json',
        signal: new AbortController().signal,
        deadlineMs: 20,
      },
      () => {},
    );
  });
});
