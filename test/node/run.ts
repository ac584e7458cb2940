/**
 * `npm run test:node`: one cluster for every file of test/node. Brings it up
 * unless one runs already, runs the files one at a time, and tears down what
 * it brought up, whatever the tests did. A file run alone (node --test FILE)
 * brings up and tears down its own.
 */
import { spawnSync } from 'node:child_process';
import { bringUp, findRunningCluster } from '../cluster/bring-up.ts';
import { tearDown } from '../cluster/teardown.ts';

const SUITE_TIMEOUT_MS = 15 * 60_000;
const log = (line: string): void => console.error(`test:node ${line}`);

const running = await findRunningCluster();
let code = 1;
try {
  if (running === undefined) await bringUp(log);
  else log('reusing the running cluster (left running)');
  const result = spawnSync(
    process.execPath,
    ['--test', '--test-concurrency=1', '--test-reporter=spec', 'test/node/**/*.test.ts'],
    { stdio: 'inherit', timeout: SUITE_TIMEOUT_MS },
  );
  code = result.status ?? 1;
} catch (error) {
  log(`cluster:up failed: ${(error as Error).message}`);
} finally {
  if (running === undefined) {
    const problems = await tearDown(log);
    if (problems.length > 0) {
      log(`cluster:down problems:\n  ${problems.join('\n  ')}`);
      code = 1;
    }
  }
}
process.exitCode = code;
