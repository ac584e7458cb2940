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
import { isJsonObject, type JsonObject } from '../core/json-object.ts';

export type ParsedReview =
  | {
      readonly ok: true;
      readonly apiVersion: AdmissionApiVersion;
      readonly request: AdmissionRequest;
    }
  | { readonly ok: false; readonly problem: string };

const includes = <T extends string>(list: readonly T[], value: unknown): value is T =>
  (list as readonly unknown[]).includes(value);

/** Validates an AdmissionReview request body. */
export function parseAdmissionReview(body: unknown): ParsedReview {
  if (!isJsonObject(body)) return fail('body must be a JSON object (an AdmissionReview)');
  if (body['kind'] !== 'AdmissionReview') return fail('kind must be "AdmissionReview"');
  const apiVersion = body['apiVersion'];
  if (!includes(ADMISSION_API_VERSIONS, apiVersion)) {
    return fail(`apiVersion must be one of ${ADMISSION_API_VERSIONS.join(', ')}`);
  }
  const request = body['request'];
  if (!isJsonObject(request)) return fail('request is missing or not an object');
  const problem = checkRequest(request);
  if (problem !== undefined) return fail(problem);
  return { ok: true, apiVersion, request: request as unknown as AdmissionRequest };
}

const optionalOf =
  (type: 'string' | 'boolean') =>
  (value: unknown): boolean =>
    value === undefined || typeof value === type;

/** Each field the code relies on, and what it must be. */
const REQUEST_CHECKS: readonly [(request: JsonObject) => boolean, string][] = [
  [({ uid }) => typeof uid === 'string' && uid !== '', 'request.uid must be a non-empty string'],
  [
    ({ operation }) => includes(ADMISSION_OPERATIONS, operation),
    `request.operation must be one of ${ADMISSION_OPERATIONS.join(', ')}`,
  ],
  [
    ({ resource }) => isJsonObject(resource) && typeof resource['resource'] === 'string',
    'request.resource must be an object with a "resource" string',
  ],
  [
    ({ resource }) => optionalOf('string')((resource as JsonObject)['group']),
    'request.resource.group must be a string',
  ],
  [({ subResource }) => optionalOf('string')(subResource), 'request.subResource must be a string'],
  [({ namespace }) => optionalOf('string')(namespace), 'request.namespace must be a string'],
  [({ dryRun }) => optionalOf('boolean')(dryRun), 'request.dryRun must be a boolean'],
  [
    ({ oldObject }) => oldObject === undefined || oldObject === null || isJsonObject(oldObject),
    'request.oldObject must be an object',
  ],
];

function checkRequest(request: JsonObject): string | undefined {
  return REQUEST_CHECKS.find(([holds]) => !holds(request))?.[1];
}

function fail(problem: string): ParsedReview {
  return { ok: false, problem };
}
