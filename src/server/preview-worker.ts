/**
 * The preview worker thread: parses and previews /preview bodies off the main
 * thread. Parsing YAML costs about a microsecond a byte, seconds for a large
 * body; here it holds only this thread, while the main thread keeps answering
 * /mutate. One job at a time; the main thread queues the rest and ends this
 * thread when a job runs past its deadline.
 */
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { NamespaceFacts } from '../core/namespace-policy.ts';
import type { Policy } from '../core/policy.ts';
import { parsePolicyText } from '../core/policy-text.ts';
import type { ImageReference } from '../core/reference.ts';
import type { LookupResults } from '../core/verification.ts';
import {
  lookupsForInput,
  namespacesOf,
  previewInput,
  readPreviewInput,
} from '../preview/preview-request.ts';
import type { FromPreviewWorker, PreviewReply, ToPreviewWorker } from './preview-messages.ts';

type Job = Extract<ToPreviewWorker, { type: 'job' }>;

const port = parentPort;
if (port === null) throw new Error('preview-worker.ts runs only as a worker thread');

lowerThisThreadsPriority();

let policy: Policy | undefined;
let policyProblem = 'no policy received';
const awaitingFacts = new Map<number, (facts: readonly NamespaceFacts[]) => void>();
const awaitingLookups = new Map<number, (lookups: LookupResults) => void>();

port.on('message', (message: ToPreviewWorker) => {
  if (message.type === 'policy') {
    const loaded = parsePolicyText(message.text);
    policy = loaded.ok ? loaded.policy : undefined;
    policyProblem = loaded.ok ? '' : loaded.problems.join('; ');
  } else if (message.type === 'facts') {
    awaitingFacts.get(message.id)?.(message.facts);
    awaitingFacts.delete(message.id);
  } else if (message.type === 'lookups') {
    awaitingLookups.get(message.id)?.(message.lookups);
    awaitingLookups.delete(message.id);
  } else {
    post({ type: 'started', id: message.id });
    void run(message)
      .catch(failure)
      .then((reply) => post({ type: 'done', id: message.id, reply }));
  }
});

function post(message: FromPreviewWorker): void {
  const transfer =
    message.type === 'done' && message.reply.status === 200 ? [message.reply.body.buffer] : [];
  port?.postMessage(message, transfer as ArrayBuffer[]);
}

async function run(job: Job): Promise<PreviewReply> {
  // The main thread checked it when it loaded the policy; a failure here is a defect.
  if (policy === undefined) return { status: 500, message: `preview policy: ${policyProblem}` };
  const bytes = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
  if (!isUtf8(bytes)) return { status: 400, message: 'body is not valid UTF-8' };
  const text = bytes.toString('utf8');
  if (text.trim() === '') return { status: 400, message: 'body is empty' };
  const input = readPreviewInput(text, job.limits);
  const facts = job.withNamespaces ? await factsFor(job, namespacesOf(input, job.namespace)) : [];
  const byName = new Map(facts.map((entry) => [entry.name, entry]));
  const options = {
    ...(job.namespace === undefined ? {} : { namespace: job.namespace }),
    ...(job.withNamespaces ? { directory: { lookup: (name: string) => byName.get(name) } } : {}),
  };
  const lookups = job.withLookups
    ? await lookupsFor(job, lookupsForInput(input, policy, options))
    : undefined;
  const outcome = previewInput(input, policy, {
    ...options,
    ...(lookups === undefined ? {} : { lookups }),
  });
  if (!outcome.ok)
    return { status: outcome.tooLarge === true ? 413 : 400, message: outcome.problem };
  // A fresh buffer of its own (not Buffer's shared pool), so it can be transferred.
  return { status: 200, body: new TextEncoder().encode(JSON.stringify(outcome.response)) };
}

/** An input nested deeper than the parser's stack is too large; anything else is a defect. */
function failure(error: unknown): PreviewReply {
  if (error instanceof RangeError)
    return { status: 413, message: 'the input is nested too deeply to preview' };
  return {
    status: 500,
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  };
}

function factsFor(job: Job, namespaces: readonly string[]): Promise<readonly NamespaceFacts[]> {
  if (namespaces.length === 0) return Promise.resolve([]);
  return new Promise((resolve) => {
    awaitingFacts.set(job.id, resolve);
    post({ type: 'facts-needed', id: job.id, namespaces });
  });
}

/** What Harbor said about `references`, asked of the main thread; undefined when none need asking. */
function lookupsFor(
  job: Job,
  references: readonly ImageReference[],
): Promise<LookupResults | undefined> {
  if (references.length === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    awaitingLookups.set(job.id, resolve);
    post({ type: 'lookups-needed', id: job.id, references });
  });
}

/**
 * Makes this thread yield the CPU to the main thread: on Linux a thread has
 * its own nice value, set through its thread id, which /proc/thread-self names
 * (Node has no gettid). When both are runnable on a busy node, /mutate then
 * waits for no preview. Elsewhere, or when refused, the thread keeps the
 * process's priority.
 */
function lowerThisThreadsPriority(): void {
  try {
    const threadId = Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ', 1)[0]);
    if (Number.isInteger(threadId) && threadId !== process.pid) setPriority(threadId, 19);
  } catch {
    // Not Linux, or /proc not mounted: nothing to lower.
  }
}
