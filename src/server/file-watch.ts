/**
 * Notices when files change on disk by re-reading them on an interval and
 * comparing bytes. Polling, not fs.watch: Kubernetes updates Secret and
 * ConfigMap volumes by swapping a `..data` symlink, which inotify-based
 * watches miss or report on the wrong path; reading two small files every few
 * seconds is cheap and always right.
 */
import { readFile } from 'node:fs/promises';

export interface FileWatchOptions {
  readonly files: readonly string[];
  readonly intervalMs: number;
  /** The contents as first loaded; changes are relative to these. */
  readonly initial: readonly Buffer[];
  /** Called with the new contents of all files when any of them changed. Resolve true to accept them as current. */
  readonly onChange: (contents: readonly Buffer[]) => Promise<boolean> | boolean;
  /** Called when the files cannot be read; the watch goes on. */
  readonly onError: (error: unknown) => void;
}

/** Starts watching; returns a function that stops it. Never keeps the process alive. */
export function watchFiles(options: FileWatchOptions): () => void {
  let current = options.initial;
  let busy = false;
  const check = async (): Promise<void> => {
    const contents = await Promise.all(options.files.map((file) => readFile(file)));
    const changed = contents.some(
      (content, index) => !content.equals(current[index] ?? Buffer.alloc(0)),
    );
    if (changed && (await options.onChange(contents))) current = contents;
  };
  const timer = setInterval(() => {
    // A slow disk must not stack checks on top of each other.
    if (busy) return;
    busy = true;
    check()
      .catch(options.onError)
      .finally(() => {
        busy = false;
      });
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
