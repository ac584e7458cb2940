/**
 * A worker thread that floods /preview with the worst-case bodies from
 * `clients` concurrent connections until `durationMs` has passed, then posts
 * the count of answers by status. Run as a worker so the flood's own TLS and
 * buffer work does not delay the test's event loop, which times /mutate.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { worstCaseBodies } from './preview-bodies.ts';

export interface FloodSettings {
  readonly port: number;
  readonly clients: number;
  readonly durationMs: number;
  /** Sent as `Authorization: Bearer …` when set. */
  readonly token?: string;
}

/** Answers by `<body> <status>`; status 0 is a connection error (the server may close early on a 503). */
export type FloodCounts = Record<string, number>;

function post(settings: FloodSettings, body: string): Promise<number> {
  return new Promise((resolve) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: settings.port,
        path: '/preview',
        method: 'POST',
        rejectUnauthorized: false,
        agent: false,
        timeout: 60_000,
        headers: {
          'content-type': 'application/yaml',
          ...(settings.token === undefined ? {} : { authorization: `Bearer ${settings.token}` }),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', () => resolve(0));
      },
    );
    outgoing.on('error', () => resolve(0));
    outgoing.on('timeout', () => outgoing.destroy());
    outgoing.end(body);
  });
}

async function flood(settings: FloodSettings): Promise<FloodCounts> {
  const bodies = [...worstCaseBodies()];
  const counts: FloodCounts = {};
  const end = Date.now() + settings.durationMs;
  await Promise.all(
    Array.from({ length: settings.clients }, async (_, client) => {
      for (let next = client; Date.now() < end; next++) {
        const [name, body] = bodies[next % bodies.length]!;
        const key = `${name} ${await post(settings, body)}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
    }),
  );
  return counts;
}

/**
 * In a cluster the flooding clients run on other machines; here they share
 * two cores with the webhook and the apiserver. At nice 19 (Linux, per
 * thread) their own TLS work does not take the CPU from what is measured.
 */
function yieldTheCpu(): void {
  try {
    const threadId = Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ', 1)[0]);
    setPriority(threadId, 19);
  } catch {
    // Not Linux: the flood competes for the CPU, and the figures are worse for it.
  }
}

yieldTheCpu();
if (parentPort !== null) parentPort.postMessage(await flood(workerData as FloodSettings));
