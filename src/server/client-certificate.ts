/**
 * Optional mutual TLS: with `--client-ca-file`, /mutate and /preview answer
 * only clients whose certificate that CA signed (the kube-apiserver presents
 * one when its AdmissionConfiguration names a kubeconfig with a client cert).
 *
 * The handshake asks for a certificate but does not demand one, because the
 * kubelet's HTTPS probes on /healthz and /readyz present none; the check is
 * made per route instead.
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './routes/http-errors.ts';

/** An onRequest hook refusing requests without a verified client certificate. */
export async function requireClientCertificate(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const socket = request.raw.socket as TLSSocket | undefined;
  if (socket?.authorized === true) return;
  await reply
    .code(401)
    .send(errorBody(401, 'a client certificate signed by the configured client CA is required'));
}
