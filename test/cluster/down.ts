/** `npm run cluster:down`: stops the cluster and restores the machine (idempotent). */
import { tearDown } from './teardown.ts';
import { paths } from './layout.ts';

const started = Date.now();
const problems = await tearDown((line) => console.error(`cluster:down ${line}`));
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (problems.length === 0) {
  console.error(`cluster:down: done in ${seconds}s (logs kept in ${paths.logs})`);
} else {
  console.error(`cluster:down: finished in ${seconds}s with problems:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
