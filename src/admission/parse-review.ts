/**
 * Checks that a request body is an AdmissionReview this webhook can answer.
 * Everything the rest of the code relies on is checked here, once; anything
 * else is a 400 with a message that says what is wrong.
 */
import {
  ADMISSION_API_VERSIONS,
  ADMISSION_OPERATIONS,
  type AdmissionApiVersion,
  type AdmissionRequest,
} from './admission-review.ts';

export type ParsedReview =
  | { readonly ok: true; readonly apiVersion: AdmissionApiVersion; readonly request: AdmissionRequest }
  | { readonly ok: false; readonly problem: string };

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const includes = <T extends string>(list: readonly T[], value: unknown): value is T =>
  (list as readonly unknown[]).includes(value);

/** Validates an AdmissionReview request body. */
export function parseAdmissionReview(body: unknown): ParsedReview {
  if (!isObject(body)) return fail('body must be a JSON object (an AdmissionReview)');
  if (body['kind'] !== 'AdmissionReview') return fail('kind must be "AdmissionReview"');
  const apiVersion = body['apiVersion'];
  if (!includes(ADMISSION_API_VERSIONS, apiVersion)) {
    return fail(`apiVersion must be one of ${ADMISSION_API_VERSIONS.join(', ')}`);
  }
  const request = body['request'];
  if (!isObject(request)) return fail('request is missing or not an object');
  const problem = checkRequest(request);
  if (problem !== undefined) return fail(problem);
  return { ok: true, apiVersion, request: request as unknown as AdmissionRequest };
}

function checkRequest(request: JsonObject): string | undefined {
  const { uid, operation, resource, subResource, namespace, dryRun } = request;
  if (typeof uid !== 'string' || uid === '') return 'request.uid must be a non-empty string';
  if (!includes(ADMISSION_OPERATIONS, operation)) {
    return `request.operation must be one of ${ADMISSION_OPERATIONS.join(', ')}`;
  }
  if (!isObject(resource) || typeof resource['resource'] !== 'string') {
    return 'request.resource must be an object with a "resource" string';
  }
  if (typeof resource['group'] !== 'string' && resource['group'] !== undefined) {
    return 'request.resource.group must be a string';
  }
  if (subResource !== undefined && typeof subResource !== 'string') {
    return 'request.subResource must be a string';
  }
  if (namespace !== undefined && typeof namespace !== 'string') {
    return 'request.namespace must be a string';
  }
  if (dryRun !== undefined && typeof dryRun !== 'boolean') return 'request.dryRun must be a boolean';
  return undefined;
}

function fail(problem: string): ParsedReview {
  return { ok: false, problem };
}
