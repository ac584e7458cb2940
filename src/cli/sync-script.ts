/**
 * `sync.sh`, the script `sync-plan --out-dir` writes: one `skopeo copy` per
 * planned image, with the arguments the script is run with passed to each.
 * Each copy is printed before it runs, without those arguments, which may
 * hold credentials.
 *
 * Only `skopeo copy` is used, not `skopeo sync --src yaml` (which would batch
 * many images in one process): with `--src yaml`, skopeo (1.9 in Debian 12,
 * and later ones: skopeo PR #2710 was still open in 2025) lets the YAML's
 * per-registry `cert-dir` and `tls-verify`, even unset, override the command
 * line's `--src-cert-dir` and `--src-tls-verify`, so the script's arguments
 * would not reach the sources; and with one command kind the arguments need
 * to be valid for that command only.
 */
import type { ImageCopy } from '../core/sync-plan.ts';
import { shellQuote, SKOPEO_COPY_FLAGS, skopeoReferences } from './skopeo-copy.ts';

/** The script's file name inside `--out-dir`. */
export const SYNC_SCRIPT_NAME = 'sync.sh';

/** The whole script for `copies`; `notes` are extra comment lines for its header. */
export function renderSyncScript(
  copies: readonly ImageCopy[],
  notes: readonly string[] = [],
): string {
  const flags = SKOPEO_COPY_FLAGS.join(' ');
  const header = [
    '#!/usr/bin/env bash',
    '# Written by `harbor-image-webhook sync-plan`. Copies every image the policy',
    '# rewrites to Harbor, all architectures, to exactly the reference the webhook',
    `# rewrites it to (${describeCount(copies.length)}).`,
    ...notes.map((note) => `# ${note}`),
    '#',
    '# usage: ./sync.sh [skopeo copy options]',
    '# Every argument goes to each `skopeo copy`, e.g.',
    '#   ./sync.sh --dest-creds "$HARBOR_USER:$HARBOR_PASSWORD" --dest-cert-dir /etc/harbor/certs.d',
    '# Commands are printed without these arguments, which may hold credentials.',
    'set -euo pipefail',
    'command -v skopeo >/dev/null || { echo "sync.sh: skopeo is not installed" >&2; exit 127; }',
    '',
    'copy_image() {',
    '  local source=$1 destination=$2',
    '  shift 2',
    `  printf '+ skopeo copy ${flags} %s %s\\n' "$source" "$destination"`,
    `  skopeo copy ${flags} "$@" "$source" "$destination"`,
    '}',
    '',
  ];
  const body =
    copies.length === 0
      ? ["echo 'Nothing to copy.'"]
      : copies.map((copy) => {
          const { source, destination } = skopeoReferences(copy);
          return `copy_image ${shellQuote(source)} ${shellQuote(destination)} "$@"`;
        });
  return [...header, ...body, ''].join('\n');
}

function describeCount(count: number): string {
  return count === 1 ? '1 image' : `${count} images`;
}
