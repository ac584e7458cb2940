/** Reads the webhook's Prometheus text exposition, as a scraper would. */
import { request as httpsRequest } from 'node:https';

export interface MetricsScrape {
  readonly text: string;
  /** The value of `name` with exactly `labels`, 0 when the series is absent. */
  value(name: string, labels?: Readonly<Record<string, string>>): number;
}

export function fetchMetrics(port: number, ca: string): Promise<MetricsScrape> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      { host: '127.0.0.1', port, path: '/metrics', ca, agent: false, timeout: 10_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          if (response.statusCode !== 200) {
            reject(new Error(`/metrics answered ${response.statusCode}`));
            return;
          }
          resolve(parseMetrics(Buffer.concat(chunks).toString('utf8')));
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('/metrics timed out')));
    request.on('error', reject);
    request.end();
  });
}

export function parseMetrics(text: string): MetricsScrape {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (match === null) continue;
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    series.set(seriesKey(match[1]!, labels), Number(match[3]));
  }
  return { text, value: (name, labels = {}) => series.get(seriesKey(name, labels)) ?? 0 };
}

function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`);
  return `${name}{${sorted.join(',')}}`;
}

/** `harbor_image_webhook_reloads_total` by kind and result. */
export function reloadCounts(scrape: MetricsScrape) {
  const reloads = (kind: string, result: string) =>
    scrape.value('harbor_image_webhook_reloads_total', { kind, result });
  return {
    tlsSuccess: reloads('tls', 'success'),
    tlsFailure: reloads('tls', 'failure'),
    policySuccess: reloads('policy', 'success'),
    policyFailure: reloads('policy', 'failure'),
  };
}
