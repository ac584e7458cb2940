/**
 * The verify benches' registry on its own, for runs by hand: starts it,
 * prints the policy files, and keeps it up until stdin closes or
 * SIGINT/SIGTERM, then stops it and removes its files.
 *
 *   node bench/verify-registry.ts            # prints the policy files, keeps the registry up
 *   npm run bench -- --case typical --protocol h1 --policy <printed file>
 *
 * `npm run bench:verify` (bench/verify-ab.ts) starts its own and compares the modes.
 */
import { startVerifyBenchRegistry } from './verify-setup.ts';

const registry = await startVerifyBenchRegistry();
for (const [name, file] of Object.entries(registry.policies)) console.log(`${name}: ${file}`);
console.log(`registry ${registry.host} up; close stdin or press Ctrl-C to stop it`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await registry.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
