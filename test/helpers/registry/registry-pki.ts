/**
 * One test CA for a harness run and the files the servers and clients read:
 * the registries' and the token issuer's serving certificate (127.0.0.1 and
 * localhost), the token issuer's signing certificate, and a `ca.crt`
 * directory for skopeo's `--cert-dir`/`--dest-cert-dir`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { issueServingCertificate, KeyAlgorithm } from '../../../src/certificates/issue.ts';
import type { IssuedCertificate } from '../../../src/certificates/issue.ts';
import { issueLocalCertificate, issueLocalCertificateAuthority } from '../local-certificate.ts';

/** The harness's certificates, in memory and on disk. */
export interface RegistryPki {
  /** The CA's certificate, PEM: what a client passes as `caPem`. */
  readonly caPem: string;
  /** The CA's certificate file (also docker-registry's `rootcertbundle` and the proxy's trust). */
  readonly caFile: string;
  /** A directory holding only `ca.crt`: skopeo's `--cert-dir`. */
  readonly certDir: string;
  /** Serving certificate and key files for 127.0.0.1. */
  readonly serving: { readonly certFile: string; readonly keyFile: string };
  readonly servingCertificate: IssuedCertificate;
  /** The token issuer's signing key and certificate (its chain ends at the CA). */
  readonly tokenSigning: IssuedCertificate;
}

/** Issues the certificates and writes them under `dir`. */
export async function createRegistryPki(dir: string): Promise<RegistryPki> {
  const ca = issueLocalCertificateAuthority('registry test CA');
  const servingCertificate = issueLocalCertificate(ca);
  const tokenSigning = issueServingCertificate(ca, {
    commonName: 'registry test token signer',
    // A name is required by the builder; nothing checks it (distribution verifies the chain only).
    dnsNames: ['token-signer.invalid'],
    ipAddresses: [],
    validityDays: 30,
    keyAlgorithm: KeyAlgorithm.ecdsaP256,
  });
  const certDir = join(dir, 'cert-dir');
  await mkdir(certDir, { recursive: true });
  const caFile = join(dir, 'ca.crt');
  const certFile = join(dir, 'serving.crt');
  const keyFile = join(dir, 'serving.key');
  await writeFile(caFile, ca.certificatePem);
  await writeFile(join(certDir, 'ca.crt'), ca.certificatePem);
  await writeFile(certFile, servingCertificate.certificatePem);
  await writeFile(keyFile, servingCertificate.privateKeyPem, { mode: 0o600 });
  return {
    caPem: ca.certificatePem,
    caFile,
    certDir,
    serving: { certFile, keyFile },
    servingCertificate,
    tokenSigning,
  };
}
