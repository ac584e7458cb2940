/**
 * `harbor-image-webhook sync-plan`: which images must be copied into Harbor
 * before the webhook's rewrites can be pulled, as a list or as a skopeo
 * script. Reads workloads exactly as `preview` does; the plan is `planSync`
 * over the webhook's own decisions. Exit codes: 0 done, 1 the manifest has
 * problems, 2 usage, 3 bad policy (or its verify files), 4 a manifest that
 * cannot be read or an out dir that cannot be written.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFlags } from '../config/command-flags.ts';
import { FileAccessError } from '../config/file-access-error.ts';
import { loadPolicyFile } from '../config/policy-file.ts';
import { ExitCode, UsageError, UserError } from '../config/user-error.ts';
import type { Policy } from '../core/policy.ts';
import { leaveOutPresent, planSync, type ImageCopy } from '../core/sync-plan.ts';
import { previewInput } from '../preview/preview-request.ts';
import type { Command } from './command.ts';
import {
  MANIFEST_INPUT_FLAGS,
  manifestInputArgs,
  manifestSource,
  readManifestInput,
  type ManifestInputArgs,
} from './manifest-input.ts';
import { makeOutDir } from './out-dir.ts';
import { skopeoCopyCommand } from './skopeo-copy.ts';
import { renderSyncScript, SYNC_SCRIPT_NAME } from './sync-script.ts';

export const SYNC_PLAN_OUTPUTS = ['list', 'commands'] as const;
type SyncPlanOutput = (typeof SYNC_PLAN_OUTPUTS)[number];

const SYNC_PLAN_USAGE = `usage: harbor-image-webhook sync-plan --config FILE -f MANIFEST|- [-n NAMESPACE] [--out-dir DIR] [-o list|commands] [--verify]
Plans the copy into Harbor of every image the policy rewrites (whatever verify.mode
says), to exactly the reference the webhook rewrites it to.
  --config FILE        policy file (YAML or JSON)
  -f, --filename FILE  manifest to read (JSON or YAML, many documents, Lists); - reads stdin
  -n, --namespace NS   namespace for objects that name none
  --out-dir DIR        write DIR/${SYNC_SCRIPT_NAME}: one \`skopeo copy --all --preserve-digests\` per image,
                       each given the script's own arguments (--dest-creds, --dest-cert-dir, …)
  -o, --output FORMAT  list: "SOURCE -> DESTINATION" per image, sorted by source (default)
                       commands: the skopeo commands (default with --out-dir)
  --verify             leave out what Harbor already has (asked with the policy's harbor.caFile,
                       harbor.credentialsFile and verify.budgetMs, even when verify.mode is off);
                       what Harbor cannot answer for stays in the plan

Examples:
  harbor-image-webhook sync-plan --config policy.yaml -f deploy.yaml
  harbor-image-webhook sync-plan --config policy.yaml -f deploy.yaml --verify --out-dir out
  out/${SYNC_SCRIPT_NAME} --dest-creds "$HARBOR_USER:$HARBOR_PASSWORD" --dest-cert-dir /etc/harbor/certs.d
  helm template my-release ./chart | harbor-image-webhook sync-plan --config policy.yaml -f -`;

export const syncPlanCommand: Command = { usage: SYNC_PLAN_USAGE, run: runSyncPlan };

async function runSyncPlan(args: readonly string[]): Promise<number> {
  const options = parseSyncPlanArgs(args);
  const { policy } = await loadPolicyFile(options.config);
  const input = await readManifestInput(options.filename);
  const outcome = previewInput(
    input,
    policy,
    options.namespace === undefined ? {} : { namespace: options.namespace },
  );
  if (!outcome.ok) {
    throw new UserError(
      ExitCode.problems,
      `${manifestSource(options.filename)}: ${outcome.problem}`,
    );
  }
  const planned = planSync(outcome.decisions);
  const { copies, notes } = options.verify
    ? await verify(policy, planned, options.config)
    : { copies: planned, notes: [] };
  if (options.outDir !== undefined) {
    await writeSyncScript(options.outDir, renderSyncScript(copies, notes));
  }
  process.stdout.write(render(copies, options.output));
  return ExitCode.ok;
}

/** The plan without what Harbor has, each decision said on stderr. */
async function verify(
  policy: Policy,
  planned: readonly ImageCopy[],
  config: string,
): Promise<{ copies: readonly ImageCopy[]; notes: readonly string[] }> {
  // Loaded only for --verify: a plain plan never loads the registry client.
  const { lookUpInHarbor } = await import('./harbor-lookups.ts');
  const lookups = await lookUpInHarbor(
    policy,
    planned.map((copy) => copy.destinationReference),
    config,
  );
  const plan = leaveOutPresent(planned, lookups);
  for (const copy of plan.present) console.error(`in Harbor already: ${copy.destination}`);
  for (const { copy, reason } of plan.unverified) {
    console.error(`not verified, kept in the plan: ${copy.destination} (${reason})`);
  }
  const summary = `--verify: ${plan.present.length} of ${planned.length} images are in Harbor already and left out`;
  console.error(summary);
  return { copies: plan.copies, notes: [summary] };
}

function render(copies: readonly ImageCopy[], output: SyncPlanOutput): string {
  const lines =
    output === 'list'
      ? copies.map((copy) => `${copy.source} -> ${copy.destination}`)
      : copies.map(skopeoCopyCommand);
  return lines.map((line) => `${line}\n`).join('');
}

/** Writes the script, executable; a directory or file that cannot be written is exit 4. */
async function writeSyncScript(outDir: string, script: string): Promise<void> {
  await makeOutDir(outDir);
  const file = join(outDir, SYNC_SCRIPT_NAME);
  try {
    await writeFile(file, script, { mode: 0o755 });
    // `mode` applies only to a new file; an existing one is made executable too.
    await chmod(file, 0o755);
  } catch (error) {
    throw new FileAccessError('write', 'sync script', file, error);
  }
  console.error(`wrote ${file}`);
}

interface SyncPlanArgs extends ManifestInputArgs {
  readonly outDir: string | undefined;
  readonly output: SyncPlanOutput;
  readonly verify: boolean;
}

function parseSyncPlanArgs(args: readonly string[]): SyncPlanArgs {
  const values = parseFlags(args, {
    ...MANIFEST_INPUT_FLAGS,
    'out-dir': { type: 'string' },
    output: { type: 'string', short: 'o' },
    verify: { type: 'boolean' },
  });
  const input = manifestInputArgs(values);
  const outDir = values['out-dir'];
  if (outDir === '') throw new UsageError('--out-dir must name a directory');
  const output = values.output ?? (outDir === undefined ? 'list' : 'commands');
  if (!(SYNC_PLAN_OUTPUTS as readonly string[]).includes(output)) {
    throw new UsageError(
      `-o must be one of ${SYNC_PLAN_OUTPUTS.join(', ')}, not ${JSON.stringify(output)}`,
    );
  }
  return {
    ...input,
    outDir,
    output: output as SyncPlanOutput,
    verify: values.verify === true,
  };
}
