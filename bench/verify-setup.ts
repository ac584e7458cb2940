/**
 * The registry the verify benches run against (issue 14): Debian's
 * docker-registry with TLS from a test CA and htpasswd auth (a Harbor robot
 * account), holding the rewritten images of the `typical` Pod, and one
 * policy file per verify mode that points the webhook at it.
 *
 * Every policy has the example policy's rules and excludes
 * quay.io/prometheus/node-exporter, the typical Pod's third image, whose
 * digest no test image can have: every policy then rewrites the same two
 * images, Harbor has both, and the answers have the same shape (no
 * warning), so the modes differ only by the lookups.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRegistryHarness } from '../test/helpers/registry/registry-harness.ts';

export const VERIFY_POLICIES = ['off', 'exists-warm', 'pin-warm', 'exists-cold'] as const;
export type VerifyPolicyName = (typeof VERIFY_POLICIES)[number];

export interface VerifyBenchRegistry {
  /** `127.0.0.1:<port>`: the Harbor host of every policy. */
  readonly host: string;
  /** Each policy's file. */
  readonly policies: Readonly<Record<VerifyPolicyName, string>>;
  /** Stops the registry and removes its files. */
  close(): Promise<void>;
}

const VERIFY_SETTINGS: Readonly<Record<VerifyPolicyName, Record<string, unknown>>> = {
  off: { mode: 'off' },
  // The bench repeats one Pod: every lookup after the first is a cache hit.
  'exists-warm': { mode: 'exists' },
  'pin-warm': { mode: 'pin' },
  // cacheSeconds 0: nothing is kept, so every admission waits for a HEAD per image.
  'exists-cold': { mode: 'exists', cacheSeconds: 0 },
};

export async function startVerifyBenchRegistry(): Promise<VerifyBenchRegistry> {
  const harness = await createRegistryHarness();
  try {
    const harbor = await harness.startHtpasswdRegistry('bench-harbor');
    await harness.pushImage(harbor, 'ghcr-proxy/acme/shop-api', 'v4.2.0');
    await harness.pushImage(harbor, 'dockerhub-proxy/library/nginx', '1.25');
    const credentialsFile = join(harness.dir, 'bench-config.json');
    const { username, password } = harness.puller;
    const auth = Buffer.from(`${username}:${password}`).toString('base64');
    await writeFile(credentialsFile, JSON.stringify({ auths: { [harbor.host]: { auth } } }));
    const policies = {} as Record<VerifyPolicyName, string>;
    for (const name of VERIFY_POLICIES) {
      const file = join(harness.dir, `policy-${name}.json`);
      const policy = {
        harbor: { host: harbor.host, caFile: harness.pki.caFile, credentialsFile },
        rules: [
          { match: 'docker.io/**', project: 'dockerhub-proxy' },
          { match: 'ghcr.io/**', project: 'ghcr-proxy' },
          { match: 'quay.io/**', project: 'quay-proxy' },
          { match: 'registry.k8s.io/**', project: 'k8s-proxy' },
        ],
        exclude: ['registry.k8s.io/pause', 'quay.io/prometheus/node-exporter'],
        imagePullSecrets: ['harbor-pull'],
        verify: VERIFY_SETTINGS[name],
      };
      await writeFile(file, JSON.stringify(policy));
      policies[name] = file;
    }
    return { host: harbor.host, policies, close: () => harness.close() };
  } catch (error) {
    await harness.close();
    throw error;
  }
}
