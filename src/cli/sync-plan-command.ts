/**
 * `harbor-image-webhook sync-plan`: which images must be copied into Harbor
 * before the webhook's rewrites can be pulled, as a list or as a skopeo
 * script. Reads workloads exactly as `preview` does; the plan is
 * `planSync` over the webhook's own decisions. Exit codes: 0 done, 1 bad
 * input or an out dir that cannot be written, 2 bad policy or usage.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../config/serve-config.ts';
import { planSync, type ImageCopy } from '../core/sync-plan.ts';
import {
  MANIFEST_INPUT_USAGE,
  parseManifestCommandArgs,
  previewManifest,
  type ManifestInputArgs,
} from './manifest-input.ts';
import { makeOutDir } from './out-dir.ts';
import { skopeoCopyCommand } from './skopeo-copy.ts';
import { renderSyncScript, SYNC_SCRIPT_NAME } from './sync-script.ts';

export const SYNC_PLAN_OUTPUTS = ['list', 'commands'] as const;
type SyncPlanOutput = (typeof SYNC_PLAN_OUTPUTS)[number];

export const SYNC_PLAN_USAGE = `usage: harbor-image-webhook sync-plan --config FILE -f MANIFEST|- [-n NAMESPACE] [--out-dir DIR] [-o list|commands]
Plans the copy into Harbor of every image the policy rewrites (whatever verify.mode
says), to exactly the reference the webhook rewrites it to.
${MANIFEST_INPUT_USAGE}
  --out-dir DIR        write DIR/${SYNC_SCRIPT_NAME}: one \`skopeo copy --all --preserve-digests\` per image,
                       each given the script's own arguments (--dest-creds, --dest-cert-dir, …)
  -o, --output FORMAT  list: "SOURCE -> DESTINATION" per image, sorted by source (default)
                       commands: the skopeo commands (default with --out-dir)
example:
  harbor-image-webhook sync-plan --config policy.yaml -f deploy.yaml --out-dir out
  out/${SYNC_SCRIPT_NAME} --dest-creds "$HARBOR_USER:$HARBOR_PASSWORD" --dest-cert-dir /etc/harbor/certs.d`;

export async function runSyncPlan(args: readonly string[]): Promise<number> {
  const options = parseSyncPlanArgs(args);
  const previewed = await previewManifest(options);
  if (!previewed.ok) return previewed.exitCode;
  const copies = planSync(previewed.outcome.decisions);
  if (options.outDir !== undefined) {
    const written = await writeSyncScript(options.outDir, renderSyncScript(copies));
    if (!written) return 1;
  }
  process.stdout.write(render(copies, options.output));
  return 0;
}

function render(copies: readonly ImageCopy[], output: SyncPlanOutput): string {
  const lines =
    output === 'list'
      ? copies.map((copy) => `${copy.source} -> ${copy.destination}`)
      : copies.map(skopeoCopyCommand);
  return lines.map((line) => `${line}\n`).join('');
}

/** Writes the script, executable; on failure says why on stderr and resolves to false. */
async function writeSyncScript(outDir: string, script: string): Promise<boolean> {
  const file = join(outDir, SYNC_SCRIPT_NAME);
  try {
    await makeOutDir(outDir);
    await writeFile(file, script, { mode: 0o755 });
    // `mode` applies only to a new file; an existing one is made executable too.
    await chmod(file, 0o755);
  } catch (error) {
    console.error(`${file}: cannot be written (${describeFailure(error)})`);
    return false;
  }
  console.error(`wrote ${file}`);
  return true;
}

/** `ENOTDIR`, or makeOutDir's own words with its cause's code: `cannot create /proc/x (ENOENT)`. */
function describeFailure(error: unknown): string {
  const { code } = error as NodeJS.ErrnoException;
  if (code !== undefined) return code;
  const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
  const message = error instanceof Error ? error.message : String(error);
  return cause?.code === undefined ? message : `${message}: ${cause.code}`;
}

interface SyncPlanArgs extends ManifestInputArgs {
  readonly outDir: string | undefined;
  readonly output: SyncPlanOutput;
}

function parseSyncPlanArgs(args: readonly string[]): SyncPlanArgs {
  const { input, values } = parseManifestCommandArgs(args, {
    'out-dir': { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  const outDir = values['out-dir'];
  if (outDir === '') throw new UsageError('--out-dir must name a directory');
  const output = values.output ?? (outDir === undefined ? 'list' : 'commands');
  if (!(SYNC_PLAN_OUTPUTS as readonly string[]).includes(output)) {
    throw new UsageError(`-o must be one of ${SYNC_PLAN_OUTPUTS.join(', ')}`);
  }
  return { ...input, outDir, output: output as SyncPlanOutput };
}
