#!/usr/bin/env node
/**
 * The `harbor-image-webhook` executable. Turns on Node's compile cache before
 * any other module loads: compiling our modules and dependencies is a third
 * of start-up, and from the second start on it is read from the cache
 * (`NODE_COMPILE_CACHE` when set, as in the image; else the OS temporary
 * directory). A cache that cannot be written is skipped, never an error.
 */
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { runCommandLine } = await import('./commands.ts');
process.exitCode = await runCommandLine(process.argv.slice(2));
