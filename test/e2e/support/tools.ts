/**
 * The command-line tools the scenarios drive as users would: kubectl and helm
 * (from scripts/install-helm.sh) and the cert bootstrap script from `dist/`.
 */
import { join } from 'node:path';
import { CERT_BOOTSTRAP_ENTRY, INSTALL_TOOLS_SCRIPT, requireBuilt } from './paths.ts';
import { runProcess } from './processes.ts';

let toolsDir: Promise<string> | undefined;

/** The directory holding helm and kubectl; installs them on first use (idempotent). */
export function findTools(): Promise<string> {
  toolsDir ??= runProcess('bash', [INSTALL_TOOLS_SCRIPT], {
    timeoutMs: 5 * 60_000,
  }).then(({ code, stdout, stderr }) => {
    const dir = stdout.trim().split('\n').at(-1)?.trim() ?? '';
    if (code !== 0 || dir === '') {
      throw new Error(`scripts/install-helm.sh failed (exit ${code}):\n${stderr}`);
    }
    return dir;
  });
  return toolsDir;
}

/** A finished command: exit code and output. */
export interface CommandResult {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `kubectl --kubeconfig FILE ARGS`, with `input` on stdin. */
export async function kubectl(
  kubeconfigFile: string,
  args: readonly string[],
  input?: string,
): Promise<CommandResult> {
  const dir = await findTools();
  return runProcess(join(dir, 'kubectl'), ['--kubeconfig', kubeconfigFile, ...args], {
    timeoutMs: 60_000,
    ...(input === undefined ? {} : { input }),
  });
}

/** Runs `helm ARGS` (no cluster access needed for `template`). */
export async function helm(args: readonly string[]): Promise<CommandResult> {
  const dir = await findTools();
  return runProcess(join(dir, 'helm'), args, { timeoutMs: 60_000 });
}

/** Runs `node dist/scripts/cert-bootstrap.js ARGS --kubeconfig FILE`; a zero exit's JSON line is parsed. */
export async function certBootstrap(
  kubeconfigFile: string,
  args: readonly string[],
): Promise<CommandResult & { json: Record<string, unknown> | undefined }> {
  const result = await runProcess(
    process.execPath,
    [requireBuilt(CERT_BOOTSTRAP_ENTRY), ...args, '--kubeconfig', kubeconfigFile],
    { timeoutMs: 60_000 },
  );
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  const json =
    result.code === 0 && line.startsWith('{')
      ? (JSON.parse(line) as Record<string, unknown>)
      : undefined;
  return { ...result, json };
}

/**
 * Runs `cert-bootstrap local --out-dir DIR --ip 127.0.0.1 --dns localhost`:
 * the bootstrap's cluster-free mode writes ca.crt, ca.key, tls.crt and
 * tls.key into `outDir`.
 */
export async function certBootstrapLocal(outDir: string): Promise<void> {
  const result = await runProcess(
    process.execPath,
    [
      requireBuilt(CERT_BOOTSTRAP_ENTRY),
      'local',
      '--out-dir',
      outDir,
      '--ip',
      '127.0.0.1',
      '--dns',
      'localhost',
    ],
    { timeoutMs: 60_000 },
  );
  assertSucceeded('cert-bootstrap local', result);
}

/** Throws with the command's output unless it exited 0. */
export function assertSucceeded(what: string, result: CommandResult): void {
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit ${result.code}):\n${result.stderr}\n${result.stdout}`);
  }
}
