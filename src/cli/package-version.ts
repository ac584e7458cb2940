/**
 * The version `--version` prints: package.json's, the one number the chart
 * and the image share. Found by walking up from this module, which sits at
 * src/cli/ in a checkout and at dist/src/cli/ when built.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'harbor-image-webhook';

/** package.json's `version`; throws when this module is not inside the package. */
export function packageVersion(from: string = fileURLToPath(import.meta.url)): string {
  // Bounded by the depth of the layout (dist/src/cli/ is three levels down).
  let directory = dirname(from);
  for (let level = 0; level < 5; level++) {
    const manifest = readManifest(join(directory, 'package.json'));
    if (manifest?.name === PACKAGE_NAME && typeof manifest.version === 'string') {
      return manifest.version;
    }
    directory = dirname(directory);
  }
  throw new Error(`no package.json of ${PACKAGE_NAME} above ${from}`);
}

function readManifest(file: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return undefined;
  }
}
