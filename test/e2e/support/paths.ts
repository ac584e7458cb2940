/** Where the suite finds the project's own artifacts. `dist/` is built by `npm run build`. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** `harbor-image-webhook` (the `bin` of package.json). */
export const CLI_ENTRY = join(REPO_ROOT, 'dist/src/cli/main.js');
/** The cert bootstrap script the chart's Jobs run. */
export const CERT_BOOTSTRAP_ENTRY = join(REPO_ROOT, 'dist/scripts/cert-bootstrap.js');
export const CHART_DIR = join(REPO_ROOT, 'charts/harbor-image-webhook');
/** Prints the cached kube-apiserver harness binary's path on its last stdout line. */
export const BUILD_APISERVER_SCRIPT = join(REPO_ROOT, 'scripts/build-apiserver.sh');
export const INSTALL_TOOLS_SCRIPT = join(REPO_ROOT, 'scripts/install-helm.sh');

/** Throws a clear message when `dist/` lacks `file`: the suite runs what `npm run build` made. */
export function requireBuilt(file: string): string {
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run "npm run build" first (npm run test:e2e does)`);
  }
  return file;
}
