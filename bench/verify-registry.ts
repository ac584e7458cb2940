/**
 * A local registry for benchmarking registry verification (issue 14):
 * Debian's docker-registry with TLS from a test CA and htpasswd auth (a
 * Harbor robot account), holding the rewritten images of the `typical`
 * Pod, and policy files that point the webhook at it. Runs until stdin
 * closes or SIGINT/SIGTERM, then stops the registry and removes its files.
 *
 *   node bench/verify-registry.ts            # prints the policy files, keeps the registry up
 *   npm run bench -- --case typical --protocol h1 --policy <printed file>
 *
 * The typical Pod's images are ghcr.io/acme/shop-api:v4.2.0 and nginx:1.25,
 * pushed here under their rewritten names (found), and
 * quay.io/prometheus/node-exporter@sha256:4cb2…, whose digest no test image
 * can have (missing; onMissing: rewrite keeps the patch the same shape).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRegistryHarness } from '../test/helpers/registry/registry-harness.ts';

const harness = await createRegistryHarness();
const harbor = await harness.startHtpasswdRegistry('bench-harbor');
await harness.pushImage(harbor, 'ghcr-proxy/acme/shop-api', 'v4.2.0');
await harness.pushImage(harbor, 'dockerhub-proxy/library/nginx', '1.25');
const credentialsFile = join(harness.dir, 'bench-config.json');
const { username, password } = harness.puller;
await writeFile(
  credentialsFile,
  JSON.stringify({
    auths: { [harbor.host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } },
  }),
);

/** examples/policy.yaml's rules on this registry, with `verify`. */
function policy(verify: Record<string, unknown>): string {
  return JSON.stringify({
    harbor: { host: harbor.host, caFile: harness.pki.caFile, credentialsFile },
    rules: [
      { match: 'docker.io/**', project: 'dockerhub-proxy' },
      { match: 'ghcr.io/**', project: 'ghcr-proxy' },
      { match: 'quay.io/**', project: 'quay-proxy' },
      { match: 'registry.k8s.io/**', project: 'k8s-proxy' },
    ],
    exclude: ['registry.k8s.io/pause'],
    imagePullSecrets: ['harbor-pull'],
    verify: { onMissing: 'rewrite', ...verify },
  });
}

const files: Record<string, string> = {
  off: policy({ mode: 'off' }),
  'exists-warm': policy({ mode: 'exists' }),
  'pin-warm': policy({ mode: 'pin' }),
  // cacheSeconds 0: every found result is asked again, so each admission waits on the registry.
  'exists-cold': policy({ mode: 'exists', cacheSeconds: 0 }),
};
for (const [name, text] of Object.entries(files)) {
  const file = join(harness.dir, `policy-${name}.json`);
  await writeFile(file, text);
  console.log(`${name}: ${file}`);
}
console.log(`registry ${harbor.host} up; close stdin or press Ctrl-C to stop it`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await harness.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
