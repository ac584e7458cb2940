/**
 * A minimal admission webhook for scenarios that need another webhook next
 * to ours: one that adds a container (reinvocation), one that answers late
 * (timeouts), one that records what the apiserver sends (defaulting). Plain
 * node:https, AdmissionReview v1, on a free port of 127.0.0.1.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  issueLocalCertificate,
  issueLocalCertificateAuthority,
} from '../../helpers/local-certificate.ts';

/** The parts of an AdmissionReview request the test webhooks read. */
export interface ReceivedRequest {
  readonly uid: string;
  readonly operation: string;
  readonly namespace?: string;
  readonly subResource?: string;
  readonly object?: unknown;
  readonly dryRun?: boolean;
}

/** One JSON Patch operation (RFC 6902). */
export interface PatchOperation {
  readonly op: 'add' | 'remove' | 'replace';
  readonly path: string;
  readonly value?: unknown;
}

export interface BareWebhookOptions {
  /** The patch to answer `request` with; default none (allowed as is). */
  readonly respond?: (request: ReceivedRequest) => readonly PatchOperation[];
  /** Wait this long before answering (the apiserver gives up after `timeoutSeconds`). */
  readonly delayMs?: number;
}

/** A running bare webhook. */
export interface BareWebhook {
  /** `https://127.0.0.1:PORT/mutate` */
  readonly url: string;
  /** base64 PEM CA, for `clientConfig.caBundle`. */
  readonly caBundle: string;
  /** Every request received, in order. */
  readonly received: readonly ReceivedRequest[];
  /** Closes the server and every connection, answering nothing more. Idempotent. */
  stop(): Promise<void>;
}

/** Starts a bare webhook with a fresh CA and a certificate for 127.0.0.1. */
export async function startBareWebhook(options: BareWebhookOptions = {}): Promise<BareWebhook> {
  const ca = issueLocalCertificateAuthority('bare webhook CA', 2);
  const serving = issueLocalCertificate(ca, 1);
  const received: ReceivedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer(
    { cert: serving.certificatePem, key: serving.privateKeyPem },
    (req, res) => {
      void readReview(req).then(
        (review) => {
          received.push(review);
          const answer = (): void => {
            answerReview(res, review, options.respond?.(review) ?? []);
          };
          if (options.delayMs === undefined) return answer();
          const timer = setTimeout(() => {
            timers.delete(timer);
            answer();
          }, options.delayMs);
          timers.add(timer);
        },
        () => res.writeHead(400).end(),
      );
    },
  );
  const port = await listen(server);
  let stopping: Promise<void> | undefined;
  return {
    url: `https://127.0.0.1:${port}/mutate`,
    caBundle: Buffer.from(ca.certificatePem).toString('base64'),
    received,
    stop: () => {
      stopping ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

async function readReview(req: IncomingMessage): Promise<ReceivedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: ReceivedRequest };
  return review.request;
}

function answerReview(
  res: ServerResponse,
  request: ReceivedRequest,
  patch: readonly PatchOperation[],
): void {
  const response = {
    uid: request.uid,
    allowed: true,
    ...(patch.length === 0
      ? {}
      : { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') }),
  };
  res
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
}
