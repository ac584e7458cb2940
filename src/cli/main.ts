#!/usr/bin/env node
/**
 * The `harbor-image-webhook` command: `serve` runs the webhook, `preview`
 * shows offline what it would change in a manifest. Wiring only.
 */
import { UsageError } from '../config/serve-config.ts';
import { runServe } from './serve-command.ts';

const USAGE = `usage:
  harbor-image-webhook serve   --config FILE [--tls-cert FILE --tls-key FILE] [--port 8443]
  harbor-image-webhook preview --config FILE -f MANIFEST|- [-n NAMESPACE] [-o json|yaml|diff]
  harbor-image-webhook <command> --help`;

const COMMANDS: Readonly<Record<string, (args: readonly string[]) => Promise<number>>> = {
  serve: runServe,
};

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (run === undefined) {
    console.error(`unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  try {
    return await run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`harbor-image-webhook ${command}: ${error.message}\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
