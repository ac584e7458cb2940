/**
 * A real kube-apiserver (with embedded etcd) on 127.0.0.1, from the harness
 * in test/e2e/apiserver, built once and cached by scripts/build-apiserver.sh.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { writeLocalServingCertificate } from './certificates.ts';
import { makeTempDir, type TempDir } from './exit-cleanup.ts';
import { BUILD_APISERVER_SCRIPT } from './paths.ts';
import { httpsGet } from './tls-probes.ts';
import { startProcess, type ManagedProcess } from './processes.ts';
import { hasGo, settings } from './settings.ts';
import { findFreePort, pollUntil } from './wait.ts';

/** A cold build of the harness takes 10-20 minutes on 2 cores; a cached one, milliseconds. */
const BUILD_TIMEOUT_MS = 40 * 60_000;
const READY_TIMEOUT_MS = 120_000;
const START_ATTEMPTS = 3;

/** A running kube-apiserver and how to reach it as `system:masters`. */
export interface KubeApiserver {
  /** `https://127.0.0.1:PORT` */
  readonly server: string;
  /** Client configuration for @kubernetes/client-node: bearer token, the apiserver's CA. */
  readonly kubeConfig: KubeConfig;
  /** The same configuration as a file, for kubectl, helm and cert-bootstrap. */
  readonly kubeconfigFile: string;
  /** The CA that signed the apiserver's serving certificate. */
  readonly caPem: string;
  /** The apiserver's and etcd's log so far (the last 256 KiB). */
  output(): string;
  /** Stops the apiserver (SIGTERM, SIGKILL after 10 s) and removes its files. */
  stop(): Promise<void>;
}

/**
 * Builds (or finds cached) the harness binary and returns its path. Streams
 * the build's progress to stderr, since a cold build is long.
 */
export async function buildKubeApiserver(): Promise<string> {
  if (!hasGo()) {
    throw new Error(
      "Go is not installed (no 'go' on PATH). The e2e suite builds a real kube-apiserver from " +
        "Kubernetes' Go modules (test/e2e/apiserver); install Go >= 1.24 from https://go.dev/dl/ " +
        'and re-run, or set HARBOR_E2E_SKIP_WITHOUT_GO=1 to skip the e2e tests on this machine.',
    );
  }
  const build = startProcess('build-apiserver', 'bash', [BUILD_APISERVER_SCRIPT]);
  const streamed = streamNewOutput(build);
  const timer = setTimeout(() => void build.stop(), BUILD_TIMEOUT_MS);
  const code = await build.exited;
  clearTimeout(timer);
  streamed();
  const lines = build.output().trim().split('\n');
  const path = lines.at(-1)?.trim() ?? '';
  if (code !== 0 || !path.startsWith('/')) {
    throw new Error(
      `scripts/build-apiserver.sh failed (exit ${code}):\n${build.output().slice(-4000)}`,
    );
  }
  return path;
}

// Copies the build's progress lines to stderr as they come (unless verbose mode already does).
function streamNewOutput(build: ManagedProcess): () => void {
  let shown = 0;
  const flush = (): void => {
    const text = build.output();
    if (!settings.verbose && text.length > shown) process.stderr.write(text.slice(shown));
    shown = text.length;
  };
  const interval = setInterval(flush, 2_000);
  return () => {
    clearInterval(interval);
    flush();
  };
}

/** How a test file wants its apiserver to differ from the default one. */
export interface KubeApiserverOptions {
  /**
   * Admission plugins to turn on besides the default set
   * (`--enable-admission-plugins`), e.g. `AlwaysPullImages`.
   */
  readonly enableAdmissionPlugins?: readonly string[];
}

/** Starts a kube-apiserver on a free port of 127.0.0.1 and waits until `/readyz` answers 200. */
export async function startKubeApiserver(
  options: KubeApiserverOptions = {},
): Promise<KubeApiserver> {
  const binary = await buildKubeApiserver();
  const dir = await makeTempDir('harbor-e2e-apiserver-');
  try {
    const files = await writeApiserverFiles(dir.path);
    return await startOnFreePort(binary, { files, options }, dir);
  } catch (error) {
    await dir.remove();
    throw error;
  }
}

// A port found free can be taken before the apiserver binds it: only that is worth another try.
async function startOnFreePort(
  binary: string,
  { files, options }: { files: ApiserverFiles; options: KubeApiserverOptions },
  dir: TempDir,
): Promise<KubeApiserver> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = await findFreePort();
    const args = [...apiserverArgs(files, port), ...pluginArgs(options)];
    const child = startProcess('kube-apiserver', binary, args);
    try {
      return await connect(child, files, port, dir);
    } catch (error) {
      lastError = error;
      await child.stop();
      if (!/address already in use/.test(child.output())) break;
    }
  }
  throw lastError;
}

interface ApiserverFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caPem: string;
  readonly serviceAccountKeyFile: string;
  readonly tokenFile: string;
  readonly token: string;
}

async function writeApiserverFiles(dir: string): Promise<ApiserverFiles> {
  const serving = await writeLocalServingCertificate(dir, 'apiserver');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceAccountKeyFile = join(dir, 'service-account.key');
  await writeFile(serviceAccountKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  const token = randomBytes(24).toString('hex');
  const tokenFile = join(dir, 'tokens.csv');
  // token,user,uid,"group1,group2"
  await writeFile(tokenFile, `${token},e2e-admin,e2e-admin,"system:masters"\n`, { mode: 0o600 });
  return {
    certFile: serving.certFile,
    keyFile: serving.keyFile,
    caPem: serving.caPem,
    serviceAccountKeyFile,
    tokenFile,
    token,
  };
}

/** Harness flags, `--`, then the flags a standalone kube-apiserver needs (see the issue). */
function apiserverArgs(files: ApiserverFiles, port: number): string[] {
  return [
    // Within the 10 s before our SIGKILL, so etcd's data dir is removed by the harness.
    '--shutdown-timeout=8s',
    '--etcd-log-level=error',
    '--',
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--tls-cert-file=${files.certFile}`,
    `--tls-private-key-file=${files.keyFile}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${files.serviceAccountKeyFile}`,
    `--service-account-signing-key-file=${files.serviceAccountKeyFile}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    `--token-auth-file=${files.tokenFile}`,
    '--authorization-mode=RBAC',
    // No controller-manager creates the default ServiceAccount a Pod would need.
    '--disable-admission-plugins=ServiceAccount',
    // A host without a default route (a CI sandbox) has no other address to advertise; the
    // loopback one is accepted with the `none` reconciler (test/e2e/apiserver/README.md).
    '--advertise-address=127.0.0.1',
    '--endpoint-reconciler-type=none',
    '--profiling=false',
  ];
}

function pluginArgs(options: KubeApiserverOptions): string[] {
  const enabled = options.enableAdmissionPlugins ?? [];
  return enabled.length === 0 ? [] : [`--enable-admission-plugins=${enabled.join(',')}`];
}

async function connect(
  child: ManagedProcess,
  files: ApiserverFiles,
  port: number,
  dir: TempDir,
): Promise<KubeApiserver> {
  const server = `https://127.0.0.1:${port}`;
  await waitUntilReady(child, server, files);
  const kubeConfig = buildKubeConfig(server, files.caPem, files.token);
  const kubeconfigFile = join(dir.path, 'kubeconfig.json');
  await writeFile(kubeconfigFile, kubeConfig.exportConfig(), { mode: 0o600 });
  return {
    server,
    kubeConfig,
    kubeconfigFile,
    caPem: files.caPem,
    output: () => child.output(),
    stop: async () => {
      await child.stop();
      await dir.remove();
    },
  };
}

async function waitUntilReady(
  child: ManagedProcess,
  server: string,
  files: ApiserverFiles,
): Promise<void> {
  const probe = async (): Promise<true | undefined> => {
    const { status } = await httpsGet(`${server}/readyz`, {
      caPem: files.caPem,
      token: files.token,
    });
    return status === 200 ? true : undefined;
  };
  try {
    await pollUntil(`the kube-apiserver at ${server} answers /readyz with 200`, probe, {
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 500,
      giveUpIf: () => (child.hasExited() ? 'the kube-apiserver process exited' : undefined),
    });
  } catch (error) {
    const log = child.output().slice(-6000);
    throw new Error(`kube-apiserver did not become ready; its log:\n${log}`, { cause: error });
  }
}

/** A KubeConfig for `server` with a bearer token, trusting `caPem`. */
export function buildKubeConfig(server: string, caPem: string, token: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      { name: 'e2e', server, caData: Buffer.from(caPem).toString('base64'), skipTLSVerify: false },
    ],
    users: [{ name: 'e2e-admin', token }],
    contexts: [{ name: 'e2e', cluster: 'e2e', user: 'e2e-admin' }],
    currentContext: 'e2e',
  });
  return kubeConfig;
}
