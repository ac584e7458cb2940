/**
 * The product's version, read from package.json: the one number shared by the
 * package, the chart and `--version`. Found from this module's location both
 * when run from source (src/version.ts) and when built (dist/src/version.js).
 */
import { readFileSync } from 'node:fs';

const CANDIDATES = ['../package.json', '../../package.json'];

let cached: string | undefined;

/** The `version` of harbor-image-webhook's package.json; throws when it cannot be found. */
export function productVersion(): string {
  cached ??= readProductVersion();
  return cached;
}

function readProductVersion(): string {
  for (const candidate of CANDIDATES) {
    let text: string;
    try {
      text = readFileSync(new URL(candidate, import.meta.url), 'utf8');
    } catch {
      continue;
    }
    const manifest = JSON.parse(text) as { name?: unknown; version?: unknown };
    if (manifest.name === 'harbor-image-webhook' && typeof manifest.version === 'string')
      return manifest.version;
  }
  throw new Error(
    `cannot find harbor-image-webhook's package.json next to ${new URL('.', import.meta.url).pathname}`,
  );
}
