/**
 * The floor: the least any Node webhook must do per admission. TLS, HTTP/2
 * with HTTP/1.1 by ALPN, read the body, JSON.parse the AdmissionReview,
 * JSON.stringify a fixed AdmissionReview answer with a fixed base64 patch.
 * No framework, no policy, no logging, no metrics.
 *
 *   node bench/floor-server.ts --tls-cert F --tls-key F --port N
 */
import { readFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

/** A patch the size of the typical Pod's: four images, their pull policy, secrets, annotation. */
const PATCH = Buffer.from(
  JSON.stringify([
    ...[0, 1, 2, 3].flatMap((index) => [
      {
        op: 'replace',
        path: `/spec/containers/${index}/image`,
        value: `harbor.example.com/dockerhub-proxy/library/app-${index}:1.25`,
      },
      { op: 'replace', path: `/spec/containers/${index}/imagePullPolicy`, value: 'IfNotPresent' },
    ]),
    { op: 'add', path: '/spec/imagePullSecrets/1', value: { name: 'harbor-pull' } },
    {
      op: 'add',
      path: '/metadata/annotations/harbor-image-webhook~1original-images',
      value: '{"api":"ghcr.io/acme/shop-api:v4.2.0","proxy":"nginx:1.25"}',
    },
  ]),
).toString('base64');

function answer(response: Http2ServerResponse, text: string): void {
  let review: { apiVersion?: string; request?: { uid?: string } };
  try {
    review = JSON.parse(text) as typeof review;
  } catch {
    response.writeHead(400).end();
    return;
  }
  const body = JSON.stringify({
    apiVersion: review.apiVersion,
    kind: 'AdmissionReview',
    response: { uid: review.request?.uid, allowed: true, patchType: 'JSONPatch', patch: PATCH },
  });
  response.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

function handle(request: Http2ServerRequest, response: Http2ServerResponse): void {
  if (request.method === 'GET') {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}');
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => answer(response, Buffer.concat(chunks).toString('utf8')));
}

const { values } = parseArgs({
  options: {
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    port: { type: 'string', default: '0' },
  },
});
const server = createSecureServer(
  {
    cert: readFileSync(values['tls-cert'] ?? ''),
    key: readFileSync(values['tls-key'] ?? ''),
    allowHTTP1: true,
  },
  handle,
);
server.listen(Number(values.port), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ port, msg: 'floor listening' }));
});
// Nothing to finish: the bench stops the floor only between runs.
process.once('SIGTERM', () => process.exit(0));
