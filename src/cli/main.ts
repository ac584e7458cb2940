#!/usr/bin/env node
/**
 * The `harbor-image-webhook` program (the image's ENTRYPOINT runs it; the
 * `bin` shim in bin/ checks the Node.js version first, then loads it).
 * Turns on Node's compile cache before any other module loads: compiling our
 * modules and dependencies is a third of start-up, and from the second start
 * on it is read from the cache. The cache lives next to the code
 * (`dist/.compile-cache`), not in a shared temporary directory where another
 * local user could plant one; the image sets `NODE_COMPILE_CACHE` instead,
 * which takes precedence. A cache that cannot be written is skipped, never an
 * error.
 */
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';

enableCompileCache(fileURLToPath(new URL('../../.compile-cache/', import.meta.url)));
const { runCommandLine } = await import('./commands.ts');
process.exitCode = await runCommandLine(process.argv.slice(2));
