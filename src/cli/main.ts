#!/usr/bin/env node
/**
 * The `harbor-image-webhook` command: `serve` runs the webhook, `preview`
 * shows offline what it would change in a manifest. Wiring only.
 */
import { SERVE_USAGE, UsageError } from '../config/serve-config.ts';
import { PREVIEW_USAGE, runPreview } from './preview-command.ts';
import { runServe } from './serve-command.ts';

const USAGE = `usage:
  harbor-image-webhook serve   --config FILE [--tls-cert FILE --tls-key FILE] [--port 8443]
  harbor-image-webhook preview --config FILE -f MANIFEST|- [-n NAMESPACE] [-o json|yaml|diff]
  harbor-image-webhook <command> --help`;

interface Command {
  readonly run: (args: readonly string[]) => Promise<number>;
  readonly usage: string;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  serve: { run: runServe, usage: SERVE_USAGE },
  preview: { run: runPreview, usage: PREVIEW_USAGE },
};

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  const selected = COMMANDS[command];
  if (selected === undefined) {
    console.error(`unknown command "${command}"\n${USAGE}`);
    return 2;
  }
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

process.exitCode = await main(process.argv.slice(2));
