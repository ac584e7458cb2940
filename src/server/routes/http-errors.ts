/** Error bodies in one shape everywhere: `{statusCode, error, message}`, as Fastify's own. */
import { STATUS_CODES } from 'node:http';

export interface ErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
}

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

interface Reply {
  code(statusCode: number): { send(payload: unknown): unknown };
}

/** Replies 400 with `message`, which says what is wrong with the request. */
export function badRequest(reply: Reply, message: string): unknown {
  return reply.code(400).send(errorBody(400, message));
}
