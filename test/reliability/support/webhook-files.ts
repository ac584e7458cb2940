/**
 * The files `serve` runs from, laid out as Kubernetes mounts them: a Secret
 * volume with tls.crt and tls.key, and a ConfigMap volume with policy.yaml,
 * each updated atomically. Serving certificates come from one CA, so clients
 * that trust the CA keep working across every rotation.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  issueCertificateAuthority,
  KeyAlgorithm,
  type IssuedCertificate,
} from '../../../src/certificates/issue.ts';
import { issueLocalCertificate } from '../../helpers/local-certificate.ts';
import { createAtomicVolume, type AtomicVolume } from './atomic-volume.ts';

export interface WebhookFiles {
  readonly dir: string;
  readonly ca: IssuedCertificate;
  /** The pair last written that the server should accept. */
  readonly serving: () => IssuedCertificate;
  /** Every serving certificate and key written so far, the refused one included. */
  readonly issued: readonly IssuedCertificate[];
  /** `serve` arguments for these files on 127.0.0.1, a free port, checking files every second. */
  serveArgs(...extra: string[]): string[];
  /** Writes a new valid pair from the same CA; returns it. */
  rotateCertificate(): Promise<IssuedCertificate>;
  /** Writes a certificate with the key of another one: the server must refuse it. */
  writeMismatchedPair(): Promise<void>;
  writePolicy(yaml: string): Promise<void>;
  remove(): Promise<void>;
}

export async function createWebhookFiles(policyYaml: string): Promise<WebhookFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'hiw-reliability-'));
  await mkdir(join(dir, 'tls'));
  await mkdir(join(dir, 'config'));
  const ca = issueCertificateAuthority({
    commonName: 'reliability test CA',
    validityDays: 30,
    keyAlgorithm: KeyAlgorithm.ecdsaP256,
  });
  const issued: IssuedCertificate[] = [issueLocalCertificate(ca)];
  let serving = issued[0]!;
  const pairFiles = (certificate: IssuedCertificate, key: IssuedCertificate) => ({
    'tls.crt': certificate.certificatePem,
    'tls.key': key.privateKeyPem,
  });
  const tls: AtomicVolume = await createAtomicVolume(join(dir, 'tls'), pairFiles(serving, serving));
  const config = await createAtomicVolume(join(dir, 'config'), { 'policy.yaml': policyYaml });
  return {
    dir,
    ca,
    serving: () => serving,
    issued,
    serveArgs: (...extra) => [
      '--config',
      config.path('policy.yaml'),
      '--tls-cert',
      tls.path('tls.crt'),
      '--tls-key',
      tls.path('tls.key'),
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--reload-interval',
      '1',
      ...extra,
    ],
    rotateCertificate: async () => {
      const next = issueLocalCertificate(ca);
      issued.push(next);
      await tls.write(pairFiles(next, next));
      serving = next;
      return next;
    },
    writeMismatchedPair: async () => {
      const certificate = issueLocalCertificate(ca);
      const key = issueLocalCertificate(ca);
      issued.push(certificate, key);
      await tls.write(pairFiles(certificate, key));
    },
    writePolicy: (yaml) => config.write({ 'policy.yaml': yaml }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
