/**
 * The `harbor-image-webhook` commands: `serve` runs the webhook, `preview`
 * shows offline what it would change in a manifest. Only the command asked
 * for is loaded: `serve` never pays for the preview's modules, nor the
 * reverse.
 */
import { UsageError } from '../config/serve-config.ts';

const USAGE = `usage:
  harbor-image-webhook serve   --config FILE [--tls-cert FILE --tls-key FILE] [--port 8443]
  harbor-image-webhook preview --config FILE -f MANIFEST|- [-n NAMESPACE] [-o json|yaml|diff]
  harbor-image-webhook sync-plan --config FILE -f MANIFEST|- [-n NAMESPACE] [--out-dir DIR] [-o list|commands]
  harbor-image-webhook inventory --config FILE [-n NAMESPACE | -A] [-o table|json]
  harbor-image-webhook <command> --help`;

interface Command {
  readonly run: (args: readonly string[]) => Promise<number>;
  readonly usage: string;
}

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => {
    const [{ runServe }, { SERVE_USAGE }] = await Promise.all([
      import('./serve-command.ts'),
      import('../config/serve-config.ts'),
    ]);
    return { run: runServe, usage: SERVE_USAGE };
  },
  preview: async () => {
    const { runPreview, PREVIEW_USAGE } = await import('./preview-command.ts');
    return { run: runPreview, usage: PREVIEW_USAGE };
  },
  inventory: async () => {
    const { runInventory, INVENTORY_USAGE } = await import('./inventory-command.ts');
    return { run: runInventory, usage: INVENTORY_USAGE };
  },
  'sync-plan': async () => {
    const { runSyncPlan, SYNC_PLAN_USAGE } = await import('./sync-plan-command.ts');
    return { run: runSyncPlan, usage: SYNC_PLAN_USAGE };
  },
};

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function runCommandLine(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load === undefined) {
    console.error(`unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  const selected = await load();
  if (args.includes('--help') || args.includes('-h')) {
    console.log(selected.usage);
    return 0;
  }
  try {
    return await selected.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`harbor-image-webhook ${command}: ${error.message}\n${selected.usage}`);
      return 2;
    }
    throw error;
  }
}
