/**
 * `cert-bootstrap local`: the same certificates without a cluster, as files
 * for `harbor-image-webhook serve --tls-cert DIR/tls.crt --tls-key DIR/tls.key`.
 * Same renewal logic as `create`, so running it again leaves good files alone.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  inspectCertificate,
  parseCertificateBundle,
  RenewalAction,
  renewCertificates,
  TlsSecretKey,
  type RenewalPlan,
  type StoredTlsSecretData,
  type TlsSecretData,
} from '../../src/certificates/index.ts';
import { FileAccessError } from '../../src/config/file-access-error.ts';
import type { CertificateSettings } from './certificate-settings.ts';
import { makeOutDir } from '../../src/cli/out-dir.ts';

/** Flags of `local`. */
export interface LocalOptions extends CertificateSettings {
  outDir: string;
  dnsNames: string[];
  ipAddresses: string[];
}

/** What `local` did, printed as one JSON line. */
export interface LocalResult {
  command: 'local';
  outDir: string;
  action: RenewalPlan['action'];
  reason: string;
  written: boolean;
  servingNotAfter: string;
  caCertificates: number;
}

// Private keys are readable by the owner only; certificates are public.
const privateKeyMode = 0o600;
const certificateMode = 0o644;
const privateKeys: ReadonlySet<string> = new Set([
  TlsSecretKey.privateKey,
  TlsSecretKey.caPrivateKey,
]);
// Trust first: the new CA is in ca.crt before anything presents a certificate it signed.
const writeOrder = [
  TlsSecretKey.caBundle,
  TlsSecretKey.caPrivateKey,
  TlsSecretKey.privateKey,
  TlsSecretKey.certificate,
] as const;

/** Runs `local`. `now` is for tests. */
export async function writeLocalCertificates(
  options: LocalOptions,
  context: { now?: () => Date } = {},
): Promise<LocalResult> {
  const stored = await readStoredFiles(options.outDir);
  const plan = renewCertificates(stored, {
    ...options,
    commonName: options.dnsNames[0] ?? options.ipAddresses[0] ?? 'harbor-image-webhook',
    now: context.now?.() ?? new Date(),
  });
  const current = plan.action === RenewalAction.keep ? stored : plan.data;
  if (plan.action !== RenewalAction.keep) await writeFiles(options.outDir, plan.data);
  return {
    command: 'local',
    outDir: options.outDir,
    action: plan.action,
    reason: plan.reason,
    written: plan.action !== RenewalAction.keep,
    servingNotAfter: inspectCertificate(current['tls.crt'] ?? '').notAfter.toISOString(),
    caCertificates: parseCertificateBundle(current['ca.crt'] ?? '').length,
  };
}

async function readStoredFiles(outDir: string): Promise<StoredTlsSecretData> {
  const stored: StoredTlsSecretData = {};
  for (const key of Object.values(TlsSecretKey)) {
    try {
      stored[key] = await readFile(join(outDir, key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new FileAccessError('read', 'certificate file', join(outDir, key), error);
      }
    }
  }
  return stored;
}

// Each file is written beside its target and renamed over it, so a server
// watching the directory never reads half a certificate.
async function writeFiles(outDir: string, data: TlsSecretData): Promise<void> {
  await makeOutDir(outDir);
  for (const key of writeOrder) {
    const target = join(outDir, key);
    const temporary = `${target}.${process.pid}.tmp`;
    const mode = privateKeys.has(key) ? privateKeyMode : certificateMode;
    try {
      await writeFile(temporary, data[key], { mode });
      await rename(temporary, target);
    } catch (error) {
      throw new FileAccessError('write', 'certificate file', target, error);
    }
  }
}
