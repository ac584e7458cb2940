/**
 * What a running cluster offers its users and tests, written by bring-up to
 * the work directory so a later process (a test, `npm run demo`) can reuse
 * the cluster instead of starting its own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WORK_DIR } from './layout.ts';
import type { RegistryInfo } from './registry.ts';

const INFO_FILE = join(WORK_DIR, 'cluster.json');

/** A running cluster. */
export interface ClusterInfo {
  /** Admin kubeconfig for the host (the apiserver at 127.0.0.1). */
  readonly kubeconfig: string;
  readonly apiServer: string;
  /** The cluster CA (apiserver and kubelet serving certificates). */
  readonly clusterCaFile: string;
  /** PID whose namespaces are the node's: `nsenter -t PID -m -n CMD` runs CMD on the node. */
  readonly holderPid: number;
  readonly nodeName: string;
  readonly registries: { readonly harbor: RegistryInfo; readonly artifacts: RegistryInfo };
  readonly logsDir: string;
}

export async function writeClusterInfo(info: ClusterInfo): Promise<void> {
  await writeFile(INFO_FILE, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

/** The running cluster's info, or undefined when none was brought up. */
export function readClusterInfo(): ClusterInfo | undefined {
  if (!existsSync(INFO_FILE)) return undefined;
  return JSON.parse(readFileSync(INFO_FILE, 'utf8')) as ClusterInfo;
}
