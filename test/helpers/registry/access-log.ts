/**
 * The registry's access log, as data. docker-registry writes one Apache
 * "combined" line per request on stdout (gorilla's CombinedLoggingHandler);
 * tests count them to prove what reached the registry (a cache hit is a
 * request that never shows up here).
 */

/** One request the registry served. */
export interface AccessLogEntry {
  readonly method: string;
  /** The request target as sent: path and query. */
  readonly path: string;
  readonly status: number;
  readonly userAgent: string;
}

// 127.0.0.1 - - [02/Dec/2026:06:41:23 +0000] "HEAD /v2/a/manifests/1 HTTP/1.1" 200 0 "" "ua"
const COMBINED_LINE = /^\S+ \S+ \S+ \[[^\]]*\] "(\S+) (\S+) [^"]*" (\d{3}) \S+ "[^"]*" "([^"]*)"/;

/** The entry of one access-log line; undefined for anything else (the registry's own log lines). */
export function parseAccessLogLine(line: string): AccessLogEntry | undefined {
  const match = COMBINED_LINE.exec(line);
  if (match === null) return undefined;
  const [, method = '', path = '', status = '0', userAgent = ''] = match;
  return { method, path, status: Number(status), userAgent };
}

/** Splits a stream's chunks into lines, holding a partial last line until its end arrives. */
export function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let pending = '';
  return (chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
}
