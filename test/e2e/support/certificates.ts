/** Certificates for servers on 127.0.0.1 (the apiserver, webhooks), from the project's own issuer. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  issueLocalCertificate,
  issueLocalCertificateAuthority,
} from '../../helpers/local-certificate.ts';

/** PEM files of a serving certificate for 127.0.0.1 and localhost, and the CA that signed it. */
export interface LocalServingFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  readonly caPem: string;
  /** `caPem` base64-encoded, as `clientConfig.caBundle` wants it. */
  readonly caBundle: string;
}

/** Writes `<prefix>.crt`, `<prefix>.key` and `<prefix>-ca.crt` into `dir`: a fresh CA and a serving certificate for 127.0.0.1. */
export async function writeLocalServingCertificate(
  dir: string,
  prefix: string,
): Promise<LocalServingFiles> {
  const ca = issueLocalCertificateAuthority(`${prefix} e2e CA`, 2);
  const serving = issueLocalCertificate(ca, 1);
  const files = {
    certFile: join(dir, `${prefix}.crt`),
    keyFile: join(dir, `${prefix}.key`),
    caFile: join(dir, `${prefix}-ca.crt`),
  };
  await writeFile(files.certFile, serving.certificatePem);
  await writeFile(files.keyFile, serving.privateKeyPem, { mode: 0o600 });
  await writeFile(files.caFile, ca.certificatePem);
  return {
    ...files,
    caPem: ca.certificatePem,
    caBundle: Buffer.from(ca.certificatePem).toString('base64'),
  };
}
