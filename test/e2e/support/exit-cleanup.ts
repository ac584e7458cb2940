/**
 * The safety net under every `after` hook: whatever is still registered here
 * when the test process ends (normally, on an uncaught error, or on
 * SIGINT/SIGTERM, which node:test's runner sends to a file it cancels) is
 * cleaned up synchronously: child processes SIGKILLed, temp dirs removed.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const children = new Set<ChildProcess>();
const directories = new Set<string>();
let installed = false;

/** Kills `child` at exit unless it is gone by then; returns the function that forgets it. */
export function killOnExit(child: ChildProcess): () => void {
  install();
  children.add(child);
  return () => children.delete(child);
}

/** Removes `dir` at exit unless forgotten before; returns the function that forgets it. */
export function removeOnExit(dir: string): () => void {
  install();
  directories.add(dir);
  return () => directories.delete(dir);
}

/** A directory of the suite's. */
export interface TempDir {
  readonly path: string;
  /** Removes it now (idempotent). */
  remove(): Promise<void>;
}

/** A fresh directory under the OS temp dir, removed by `remove()` or, failing that, at exit. */
export async function makeTempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  const forget = removeOnExit(path);
  return {
    path,
    remove: async () => {
      await rm(path, { recursive: true, force: true });
      forget();
    },
  };
}

function cleanUp(): void {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', cleanUp);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      // `exit` runs cleanUp.
      process.exit(code);
    });
  }
}
