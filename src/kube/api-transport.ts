/**
 * Raw GETs against the apiserver of a KubeConfig, for the list/watch loops.
 * client-node's generated clients cannot ask for `PartialObjectMetadata` and
 * its `Watch` gives no way to set `Accept`, so this does the two requests the
 * reflectors need itself, with the KubeConfig's TLS, token and proxy settings
 * (re-applied per request, so a rotated service-account token is picked up).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiStatusError } from './list-watch.ts';
import { stringField } from './object-metadata.ts';

export interface ApiRequest {
  /** Path below the server URL, e.g. `/api/v1/namespaces`. */
  readonly path: string;
  /** Query parameters; undefined ones are left out. */
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly accept: string;
  readonly signal: AbortSignal;
  /** Abort the request after this long; the stream then ends as if the server closed it. */
  readonly deadlineMs?: number;
}

export interface ApiTransport {
  /** GET, and the JSON body of a 2xx answer; any other status throws {@link ApiStatusError}. */
  getJson(request: ApiRequest): Promise<unknown>;
  /**
   * GET, calling `onLine` for every line of a 2xx body until it ends. Resolves
   * at the end of the body, when `signal` aborts or the deadline passes;
   * rejects on a non-2xx status, a broken connection or when `onLine` throws.
   */
  streamLines(request: ApiRequest, onLine: (line: string) => void): Promise<void>;
}

const MAX_ERROR_BODY = 64 * 1024;

export function createApiTransport(kubeConfig: KubeConfig): ApiTransport {
  return {
    async getJson(request) {
      const response = await send(kubeConfig, request, request.signal);
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    },
    async streamLines(request, onLine) {
      const signals = [request.signal];
      if (request.deadlineMs !== undefined) signals.push(AbortSignal.timeout(request.deadlineMs));
      const signal = AbortSignal.any(signals);
      try {
        await forEachLine(await send(kubeConfig, request, signal), onLine);
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
    },
  };
}

async function send(
  kubeConfig: KubeConfig,
  request: ApiRequest,
  signal: AbortSignal,
): Promise<http.IncomingMessage> {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null)
    throw new Error('the Kubernetes client configuration has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + request.path);
  for (const [key, value] of Object.entries(request.query)) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  const options: https.RequestOptions = { method: 'GET', headers: { Accept: request.accept } };
  await kubeConfig.applyToHTTPSOptions(options);
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const requestFn = url.protocol === 'http:' ? http.request : https.request;
    const outgoing = requestFn(url, { ...options, signal }, resolve);
    outgoing.on('error', reject);
    outgoing.end();
  });
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return response;
  throw await statusFailure(response, status, `GET ${url.pathname}`);
}

/** Calls `onLine` for each non-empty line of `response` (a watch sends one JSON event per line). */
async function forEachLine(
  response: http.IncomingMessage,
  onLine: (line: string) => void,
): Promise<void> {
  response.setEncoding('utf8');
  let pending = '';
  for await (const chunk of response) {
    const lines = (pending + (chunk as string)).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') onLine(line);
  }
  if (pending.trim() !== '') onLine(pending);
}

/** The apiserver's `Status` message for a failed request, when it sent one. */
async function statusFailure(
  response: http.IncomingMessage,
  status: number,
  what: string,
): Promise<ApiStatusError> {
  let text = '';
  for await (const chunk of response) {
    if (text.length < MAX_ERROR_BODY) text += (chunk as Buffer).toString('utf8');
  }
  const body = safeParse(text);
  const detail = stringField(body, 'message') ?? http.STATUS_CODES[status] ?? 'no detail';
  return new ApiStatusError(status, `${what}: HTTP ${status}: ${detail}`);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
