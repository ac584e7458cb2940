/**
 * The `kubernetes.io/tls` Secret as the apiserver stores it: base64 data,
 * metadata owned by whoever made it. Only the certificate keys are touched;
 * other data keys, labels and annotations survive a renewal.
 */
import type { V1Secret } from '@kubernetes/client-node';
import {
  TlsSecretKey,
  type StoredTlsSecretData,
  type TlsSecretData,
} from '../../src/certificates/index.ts';

/** The Secret type whose `tls.crt`/`tls.key` kubelet and ingress controllers understand. */
export const tlsSecretType = 'kubernetes.io/tls';

/** Marks Secrets this tool made, since a hook Job's objects are not tracked by Helm. */
export const managedByLabels = {
  'app.kubernetes.io/managed-by': 'harbor-image-webhook-cert-bootstrap',
} as const;

/** The certificate keys of a Secret's `data`, decoded from base64 to PEM text. */
export function decodeTlsSecretData(data: Record<string, string> | undefined): StoredTlsSecretData {
  const stored: StoredTlsSecretData = {};
  for (const key of Object.values(TlsSecretKey)) {
    const value = data?.[key];
    if (value !== undefined) stored[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  return stored;
}

/** The Secret to create, or to replace `existing` with (keeping its resourceVersion for the conflict check). */
export function buildTlsSecret(
  target: { namespace: string; name: string },
  data: TlsSecretData,
  existing: V1Secret | undefined,
): V1Secret {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([key, pem]) => [key, Buffer.from(pem, 'utf8').toString('base64')]),
  );
  const metadata = existing?.metadata ?? { name: target.name, namespace: target.namespace };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: tlsSecretType,
    metadata: { ...metadata, labels: { ...metadata.labels, ...managedByLabels } },
    data: { ...existing?.data, ...encoded },
  };
}
