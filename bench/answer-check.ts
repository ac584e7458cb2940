/**
 * Before timing a case, one request checks that the server answers it
 * properly: a fast wrong answer is not a result.
 */
import { request } from 'node:https';
import type { CorpusCase } from './corpus.ts';

interface AnswerShape {
  response?: { uid?: unknown; allowed?: unknown; patchType?: unknown; patch?: unknown };
}

/** Throws unless the server answers `corpusCase` with 200, its uid, `allowed: true` and a patch. */
export async function checkAnswer(port: number, ca: string, corpusCase: CorpusCase): Promise<void> {
  const { status, text } = await post(port, ca, corpusCase.body);
  const answer = (status === 200 ? JSON.parse(text) : {}) as AnswerShape;
  const response = answer.response;
  const good =
    response?.uid === corpusCase.uid &&
    response.allowed === true &&
    response.patchType === 'JSONPatch' &&
    typeof response.patch === 'string';
  if (!good) {
    throw new Error(
      `port ${port} answered case ${corpusCase.name} with ${status}: ${text.slice(0, 500)}`,
    );
  }
}

function post(port: number, ca: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mutate',
        method: 'POST',
        ca,
        agent: false,
        timeout: 10_000,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 10 s')));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
