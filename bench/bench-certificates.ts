/**
 * A CA and a serving certificate for 127.0.0.1, written to a directory, the
 * way the cert bootstrap writes them for the cluster (ECDSA P-256, its
 * default). Both servers serve the same pair; clients trust the CA.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  issueLocalCertificate,
  issueLocalCertificateAuthority,
} from '../test/helpers/local-certificate.ts';

export interface BenchCertificates {
  readonly caPem: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export function writeBenchCertificates(directory: string): BenchCertificates {
  const ca = issueLocalCertificateAuthority('bench CA', 2);
  const serving = issueLocalCertificate(ca, 1);
  const certFile = join(directory, 'tls.crt');
  const keyFile = join(directory, 'tls.key');
  writeFileSync(certFile, serving.certificatePem);
  writeFileSync(keyFile, serving.privateKeyPem, { mode: 0o600 });
  return { caPem: ca.certificatePem, certFile, keyFile };
}
