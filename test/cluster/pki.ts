/**
 * The cluster's credentials, made fresh by every bring-up: a cluster CA with
 * the apiserver's and kubelet's serving certificates, one CA per registry
 * (the Harbor stand-in's is not trusted by the node at start), the service
 * account signing key, and a bearer token per component (static token file:
 * no client certificates to rotate in a throw-away cluster).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  issueCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  KeyAlgorithm,
  type IssuedCertificate,
} from '../../src/certificates/issue.ts';
import { addresses, APISERVER_PORT, HOST_API_PORT, hosts, NODE_NAME, paths } from './layout.ts';

/** A certificate and key written as PEM files. */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Who each component is to the apiserver (users and groups of the default RBAC). */
const identities = {
  admin: { user: 'harbor-node-admin', groups: 'system:masters' },
  kubelet: { user: `system:node:${NODE_NAME}`, groups: 'system:nodes' },
  'kube-controller-manager': { user: 'system:kube-controller-manager', groups: '' },
  'kube-scheduler': { user: 'system:kube-scheduler', groups: '' },
  'kube-proxy': { user: 'system:kube-proxy', groups: '' },
} as const;

/** A component that talks to the apiserver. */
export type Identity = keyof typeof identities;

/** Paths of everything {@link writePki} made. */
export interface Pki {
  readonly clusterCaFile: string;
  readonly clusterCaPem: string;
  readonly apiserver: CertificateFiles;
  readonly kubelet: CertificateFiles;
  /** What the apiserver presents to the kubelet (logs, exec): signed by the cluster CA. */
  readonly apiserverKubeletClient: CertificateFiles;
  readonly harborCaFile: string;
  readonly harbor: CertificateFiles;
  readonly artifactsCaFile: string;
  readonly artifacts: CertificateFiles;
  readonly serviceAccountKeyFile: string;
  readonly tokenFile: string;
  readonly adminToken: string;
  /** Kubeconfig of each component, for the apiserver at the node's address. */
  readonly kubeconfigs: Record<Identity, string>;
}

const VALIDITY_DAYS = 7;

function newCa(commonName: string): IssuedCertificate {
  return issueCertificateAuthority({
    commonName,
    validityDays: VALIDITY_DAYS,
    keyAlgorithm: KeyAlgorithm.ecdsaP256,
  });
}

async function writeServing(
  ca: IssuedCertificate,
  name: string,
  names: { dns: string[]; ips: string[] },
): Promise<CertificateFiles> {
  const issued = issueServingCertificate(ca, {
    commonName: names.dns[0] ?? name,
    dnsNames: names.dns,
    ipAddresses: names.ips,
    validityDays: VALIDITY_DAYS,
    keyAlgorithm: KeyAlgorithm.ecdsaP256,
  });
  return writePair(name, issued);
}

async function writeClient(ca: IssuedCertificate, name: string): Promise<CertificateFiles> {
  const issued = issueClientCertificate(ca, {
    commonName: name,
    validityDays: VALIDITY_DAYS,
    keyAlgorithm: KeyAlgorithm.ecdsaP256,
  });
  return writePair(name, issued);
}

async function writePair(name: string, issued: IssuedCertificate): Promise<CertificateFiles> {
  const files = {
    certFile: join(paths.pki, `${name}.crt`),
    keyFile: join(paths.pki, `${name}.key`),
  };
  await writeFile(files.certFile, issued.certificatePem);
  await writeFile(files.keyFile, issued.privateKeyPem, { mode: 0o600 });
  return files;
}

async function writeCa(ca: IssuedCertificate, name: string): Promise<string> {
  const file = join(paths.pki, `${name}-ca.crt`);
  await writeFile(file, ca.certificatePem);
  return file;
}

/** Makes and writes every credential of the cluster under the work directory. */
export async function writePki(): Promise<Pki> {
  await mkdir(paths.pki, { recursive: true, mode: 0o700 });
  const clusterCa = newCa('harbor-node cluster CA');
  const harborCa = newCa('harbor.test private CA');
  const artifactsCa = newCa('artifacts.test CA');
  const clusterCaFile = await writeCa(clusterCa, 'cluster');
  const serviceAccountKeyFile = join(paths.pki, 'service-account.key');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(serviceAccountKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  const tokens = await writeTokens();
  return {
    clusterCaFile,
    clusterCaPem: clusterCa.certificatePem,
    apiserver: await writeServing(clusterCa, 'apiserver', {
      dns: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'localhost', NODE_NAME],
      ips: [addresses.node, addresses.kubernetesService, '127.0.0.1'],
    }),
    kubelet: await writeServing(clusterCa, 'kubelet', { dns: [NODE_NAME], ips: [addresses.node] }),
    apiserverKubeletClient: await writeClient(clusterCa, 'kube-apiserver-kubelet-client'),
    harborCaFile: await writeCa(harborCa, 'harbor'),
    harbor: await writeServing(harborCa, 'harbor', {
      dns: [hosts.harbor],
      ips: [addresses.harbor],
    }),
    artifactsCaFile: await writeCa(artifactsCa, 'artifacts'),
    artifacts: await writeServing(artifactsCa, 'artifacts', {
      dns: [hosts.artifacts],
      ips: [addresses.artifacts],
    }),
    serviceAccountKeyFile,
    tokenFile: tokens.file,
    adminToken: tokens.byIdentity.admin,
    kubeconfigs: await writeKubeconfigs(clusterCa.certificatePem, tokens.byIdentity),
  };
}

async function writeTokens(): Promise<{ file: string; byIdentity: Record<Identity, string> }> {
  const byIdentity = {} as Record<Identity, string>;
  const lines: string[] = [];
  for (const [identity, { user, groups }] of Object.entries(identities)) {
    const token = randomBytes(24).toString('hex');
    byIdentity[identity as Identity] = token;
    // token,user,uid,"group1,group2"
    lines.push(`${token},${user},${user},"${groups}"`);
  }
  const file = join(paths.pki, 'tokens.csv');
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return { file, byIdentity };
}

async function writeKubeconfigs(
  caPem: string,
  tokens: Record<Identity, string>,
): Promise<Record<Identity, string>> {
  const files = {} as Record<Identity, string>;
  for (const identity of Object.keys(identities) as Identity[]) {
    files[identity] = join(paths.pki, `${identity}.kubeconfig`);
    await writeKubeconfig(files[identity], {
      server: `https://${addresses.node}:${APISERVER_PORT}`,
      caPem,
      token: tokens[identity],
    });
  }
  // The one users take: the apiserver as carried to 127.0.0.1 on the host.
  await writeKubeconfig(paths.adminKubeconfig, {
    server: `https://127.0.0.1:${HOST_API_PORT}`,
    caPem,
    token: tokens.admin,
  });
  return files;
}

/** Writes a kubeconfig (JSON, which kubectl, helm and client libraries all read). */
export async function writeKubeconfig(
  file: string,
  options: { server: string; caPem: string; token: string },
): Promise<void> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: NODE_NAME,
        cluster: {
          server: options.server,
          'certificate-authority-data': Buffer.from(options.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: NODE_NAME, user: { token: options.token } }],
    contexts: [{ name: NODE_NAME, context: { cluster: NODE_NAME, user: NODE_NAME } }],
    'current-context': NODE_NAME,
  };
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}
