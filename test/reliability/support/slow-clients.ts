/**
 * Clients that hold a connection without ever finishing a request: the
 * slowloris family. Each records when it started holding and when the server
 * cut it off; none closes its own connection until told to (`release`).
 */
import { performance } from 'node:perf_hooks';
import { connect as http2Connect } from 'node:http2';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export const SlowKind = {
  silentTcp: 'TCP connect, send nothing',
  stalledHandshake: 'TLS record header, then nothing',
  trickledHandshake: 'ClientHello one byte every 2 s',
  slowHeaders: 'TLS, then HTTP/1.1 headers one byte every 2 s',
  idleHttp2: 'HTTP/2 session, no request',
  slowHttp2Body: 'HTTP/2 request, body one byte every 2 s',
  slowHttp1Body: 'HTTP/1.1 headers, body one byte every 2 s',
} as const;
export type SlowKind = (typeof SlowKind)[keyof typeof SlowKind];

export interface SlowClient {
  readonly kind: SlowKind;
  /** When the hold began: TCP connect, TLS done or stream open, whichever the timeout counts from. */
  readonly heldFrom: () => number | undefined;
  /** When the server cut it off; undefined while it holds. */
  readonly cutOffAt: () => number | undefined;
  /** What the server said, if anything: "408", "GOAWAY", "RST 8"… */
  readonly answer: () => string;
  /** Closes it from this side (cleanup). */
  release(): void;
}

const TRICKLE_MS = 2_000;

interface Tracker {
  heldFrom: number | undefined;
  cutOffAt: number | undefined;
  answer: string;
  released: boolean;
  timer: NodeJS.Timeout | undefined;
}

function newTracker(): Tracker {
  return {
    heldFrom: undefined,
    cutOffAt: undefined,
    answer: '',
    released: false,
    timer: undefined,
  };
}

function view(kind: SlowKind, tracker: Tracker, release: () => void): SlowClient {
  return {
    kind,
    heldFrom: () => tracker.heldFrom,
    cutOffAt: () => tracker.cutOffAt,
    answer: () => tracker.answer,
    release: () => {
      tracker.released = true;
      clearInterval(tracker.timer);
      release();
    },
  };
}

/** Watches a raw or TLS socket: what it receives, and when the server closes it. */
function watchSocket(socket: Socket, tracker: Tracker): void {
  socket.on('data', (chunk: Buffer) => {
    if (tracker.answer === '')
      tracker.answer = /^HTTP\/1\.1 (\d{3})/.exec(chunk.toString())?.[1] ?? 'data';
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    clearInterval(tracker.timer);
    if (!tracker.released) tracker.cutOffAt ??= performance.now();
  });
}

/** Sends `bytes` one at a time every {@link TRICKLE_MS}, stopping at the end or on close. */
function trickle(
  socket: { write(chunk: Buffer): unknown; destroyed: boolean },
  bytes: Buffer,
  tracker: Tracker,
): void {
  let next = 0;
  const send = (): void => {
    if (socket.destroyed || next >= bytes.length) {
      clearInterval(tracker.timer);
      return;
    }
    socket.write(bytes.subarray(next, next + 1));
    next++;
  };
  send();
  tracker.timer = setInterval(send, TRICKLE_MS);
}

export function openSilentTcp(port: number): SlowClient {
  const tracker = newTracker();
  const socket = netConnect(port, '127.0.0.1', () => (tracker.heldFrom = performance.now()));
  watchSocket(socket, tracker);
  return view(SlowKind.silentTcp, tracker, () => socket.destroy());
}

export function openStalledHandshake(port: number): SlowClient {
  const tracker = newTracker();
  const socket = netConnect(port, '127.0.0.1', () => {
    tracker.heldFrom = performance.now();
    // A handshake record announcing 512 bytes, of which none follow.
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
  });
  watchSocket(socket, tracker);
  return view(SlowKind.stalledHandshake, tracker, () => socket.destroy());
}

/** A real ClientHello, captured from Node's TLS client by a throwaway local listener. */
export async function captureClientHello(): Promise<Buffer> {
  const server = createServer();
  const hello = new Promise<Buffer>((resolve) =>
    server.once('connection', (socket) =>
      socket.once('data', (chunk: Buffer) => {
        resolve(chunk);
        socket.destroy();
      }),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const client = tlsConnect({
    host: '127.0.0.1',
    port,
    rejectUnauthorized: false,
    ALPNProtocols: ['h2', 'http/1.1'],
  });
  client.on('error', () => undefined);
  try {
    return await hello;
  } finally {
    client.destroy();
    server.close();
  }
}

export function openTrickledHandshake(port: number, clientHello: Buffer): SlowClient {
  const tracker = newTracker();
  const socket = netConnect(port, '127.0.0.1', () => {
    tracker.heldFrom = performance.now();
    trickle(socket, clientHello, tracker);
  });
  watchSocket(socket, tracker);
  return view(SlowKind.trickledHandshake, tracker, () => socket.destroy());
}

interface Http1Hold {
  readonly kind: SlowKind;
  /** Sent at once after the handshake, if any. */
  readonly atOnce?: Buffer;
  /** Then trickled. */
  readonly trickled: Buffer;
}

function openHttp1(port: number, ca: string, hold: Http1Hold): SlowClient {
  const tracker = newTracker();
  const socket = tlsConnect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['http/1.1'] }, () => {
    tracker.heldFrom = performance.now();
    if (hold.atOnce !== undefined) socket.write(hold.atOnce);
    trickle(socket, hold.trickled, tracker);
  });
  watchSocket(socket, tracker);
  return view(hold.kind, tracker, () => socket.destroy());
}

export function openSlowHeaders(port: number, ca: string): SlowClient {
  const trickled = Buffer.from(
    'POST /mutate HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'z'.repeat(200),
  );
  return openHttp1(port, ca, { kind: SlowKind.slowHeaders, trickled });
}

export function openSlowHttp1Body(port: number, ca: string): SlowClient {
  const headers = Buffer.from(
    'POST /mutate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
  );
  return openHttp1(port, ca, {
    kind: SlowKind.slowHttp1Body,
    atOnce: headers,
    trickled: Buffer.from(' '.repeat(1000)),
  });
}

export function openIdleHttp2(port: number, ca: string): SlowClient {
  const tracker = newTracker();
  const session = http2Connect(`https://127.0.0.1:${port}`, { ca });
  session.on('connect', () => (tracker.heldFrom = performance.now()));
  session.on('goaway', () => (tracker.answer = 'GOAWAY'));
  session.on('error', () => undefined);
  session.on('close', () => {
    if (!tracker.released) tracker.cutOffAt ??= performance.now();
  });
  return view(SlowKind.idleHttp2, tracker, () => session.destroy());
}

export function openSlowHttp2Body(port: number, ca: string): SlowClient {
  const tracker = newTracker();
  const session = http2Connect(`https://127.0.0.1:${port}`, { ca });
  session.on('error', () => undefined);
  const stream = session.request({
    ':method': 'POST',
    ':path': '/mutate',
    'content-type': 'application/json',
    'content-length': '1000',
  });
  stream.once('ready', () => {
    tracker.heldFrom = performance.now();
    trickle(stream, Buffer.from(' '.repeat(1000)), tracker);
  });
  stream.on('response', (headers) => (tracker.answer = String(headers[':status'])));
  stream.on('error', () => undefined);
  stream.on('close', () => {
    clearInterval(tracker.timer);
    if (tracker.answer === '') tracker.answer = `RST ${stream.rstCode}`;
    if (!tracker.released) tracker.cutOffAt ??= performance.now();
  });
  return view(SlowKind.slowHttp2Body, tracker, () => session.destroy());
}
