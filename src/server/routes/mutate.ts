/**
 * POST /mutate: the kube-apiserver's AdmissionReview in, AdmissionReview out.
 * Thin: validate, call the core, count, log one line, reply.
 *
 * POST /audit: the same decision, answered without a patch and with the
 * would-be changes as warnings (audit-admission.ts). The path is the audit
 * switch: the registration sends `<opt-in key>=audit` namespaces here, so the
 * apiserver, which evaluates the namespaceSelector anyway, tells us the mode,
 * and no namespace cache (nor its lag after a relabel) is needed.
 */
import type {
  ContextConfigDefault,
  FastifyBaseLogger,
  FastifySchema,
  FastifyTypeProviderDefault,
  RouteHandlerMethod,
} from 'fastify';
import type { Http2SecureServer, Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { AdmissionRequest, AdmissionVerdict } from '../../admission/admission-review.ts';
import { toAdmissionReview } from '../../admission/admission-response.ts';
import {
  beginAdmission,
  completeAdmission,
  isPending,
  type Admission,
} from '../../admission/admit.ts';
import {
  auditAdmission,
  MAX_AUDIT_WARNINGS,
  type AuditedAdmission,
} from '../../admission/audit-admission.ts';
import { parseAdmissionReview } from '../../admission/parse-review.ts';
import type { NamespaceDirectory, NamespaceFacts } from '../../core/namespace-policy.ts';
import type { OnErrorMode } from '../../core/policy-schema.ts';
import type { Policy } from '../../core/policy.ts';
import type { ImageReference } from '../../core/reference.ts';
import type { RegistryLookups } from '../../core/registry-lookup.ts';
import { parseJsonBody } from '../json-body.ts';
import { boundLogString, boundLogValue } from '../log-text.ts';
import { fixedFieldsLogger, type Logger } from '../logger.ts';
import type { LiveState } from '../live-state.ts';
import { boundChildren, type WebhookMetrics } from '../metrics.ts';
import type { WebhookServer } from '../webhook-server.ts';
import {
  cachedLookups,
  lookUpWithin,
  type LookedUp,
  type VerifyCounts,
} from '../registry-lookups.ts';
import { badRequest } from './http-errors.ts';

/** Where the registration's audit entry sends `<opt-in key>=audit` namespaces. */
export const AUDIT_PATH = '/audit';

export interface MutateRouteOptions {
  readonly state: LiveState;
  readonly metrics: WebhookMetrics;
  /** The namespace cache, when the server watches namespaces. */
  readonly directory: NamespaceDirectory | undefined;
  /** The root logger; each admission's line goes through its {@link fixedFieldsLogger}. */
  readonly logger: Logger;
}

export async function mutateRoute(app: WebhookServer, options: MutateRouteOptions): Promise<void> {
  const { state, metrics, directory } = options;
  const admissionLog = fixedFieldsLogger(options.logger);
  const counters: AdmissionCounters = {
    reviews: boundChildren((labels: { operation: string; outcome: string }) =>
      metrics.admissionReviews.labels(labels),
    ),
    decisions: boundChildren((labels: { outcome: string }) =>
      metrics.imageDecisions.labels(labels),
    ),
    missingSecrets: metrics.pullSecretsMissing,
    auditChanges: boundChildren((labels: { change: string }) =>
      metrics.auditChanges.labels(labels),
    ),
  };
  // The apiserver always sends application/json; any other content type is parsed as JSON too,
  // so a client gets the same clear 400 for a bad body instead of a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  // One handler on both paths; the route's own path says which mode it answers in.
  const review: ReviewHandler = async (request, reply) => {
    const json = parseJsonBody(request.body);
    const parsed = json.ok ? parseAdmissionReview(json.value) : json;
    if (!parsed.ok) {
      counters.reviews({ operation: 'unknown', outcome: 'invalid' }).inc();
      return badRequest(reply, parsed.problem);
    }
    const admissionRequest = parsed.request;
    // Fields on each line rather than a child logger: a child per request cost ~20% of
    // throughput (BENCHMARKS.md), and the route writes at most two lines.
    const fields = describeRequest(admissionRequest);
    const log = request.log;
    const policy = state.policy;
    const facts = namespaceFacts(directory, admissionRequest.namespace);
    const onInternalError = (error: unknown) =>
      log.error(
        { ...fields, err: error, onError: policy.onError },
        'internal error while mutating; answering by onError',
      );
    // One read of the Pod: a verifying policy stops half-way for Harbor's answers. Mode off
    // never does: no lookup planning, no promise, no timer.
    const step = safely(() => beginAdmission(admissionRequest, policy, facts), onInternalError);
    let admission: Admission | undefined;
    let verified: LookedUp | undefined;
    if (step !== undefined && isPending(step)) {
      verified =
        safely(() => cachedLookups(state.lookups, step.references), onInternalError) ??
        (await lookUpSafely(state.lookups, step.references, policy, onInternalError));
      const { lookups } = verified;
      admission = safely(() => completeAdmission(step, lookups), onInternalError);
    } else {
      admission = step;
    }
    if (admission === undefined) {
      counters.reviews({ operation: admissionRequest.operation, outcome: 'error' }).inc();
      return toAdmissionReview(
        parsed.apiVersion,
        admissionRequest.uid,
        internalErrorVerdict(policy.onError),
      );
    }
    if (!admission.ok) {
      counters.reviews({ operation: admissionRequest.operation, outcome: 'invalid' }).inc();
      log.info(
        { ...fields, problem: boundLogString(admission.problem) },
        'admission review refused as malformed',
      );
      return badRequest(reply, admission.problem);
    }
    const audited = request.routeOptions.url === AUDIT_PATH ? auditAdmission(admission) : undefined;
    const answer = audited?.admission ?? admission;
    record(counters, admissionRequest, answer, audited);
    admissionLog.info(
      { ...fields, ...reviewLogFields(admission, answer, audited, verified?.counts) },
      'admission reviewed',
    );
    return toAdmissionReview(parsed.apiVersion, admissionRequest.uid, answer.verdict);
  };
  app.post<{ Body: Buffer | undefined }>('/mutate', review);
  app.post<{ Body: Buffer | undefined }>(AUDIT_PATH, review);
}

type ReviewHandler = RouteHandlerMethod<
  Http2SecureServer,
  Http2ServerRequest,
  Http2ServerResponse,
  { Body: Buffer | undefined },
  ContextConfigDefault,
  FastifySchema,
  FastifyTypeProviderDefault,
  FastifyBaseLogger
>;

/** The admission metrics' labelled children, bound once per label set. */
interface AdmissionCounters {
  readonly reviews: (labels: { operation: string; outcome: string }) => { inc(): void };
  readonly decisions: (labels: { outcome: string }) => { inc(): void };
  readonly missingSecrets: { inc(): void };
  readonly auditChanges: (labels: { change: string }) => { inc(): void };
}

function record(
  counters: AdmissionCounters,
  request: AdmissionRequest,
  admission: Extract<Admission, { ok: true }>,
  audited: AuditedAdmission | undefined,
): void {
  counters.reviews({ operation: request.operation, outcome: admission.outcome }).inc();
  for (const change of audited?.changes ?? []) counters.auditChanges({ change: change.kind }).inc();
  for (const { decision } of admission.decisions)
    counters.decisions({ outcome: decision.outcome }).inc();
  if (admission.missingSecrets.length > 0) counters.missingSecrets.inc();
}

/** What the namespace cache knows of the request's namespace, when the server watches them. */
function namespaceFacts(
  directory: NamespaceDirectory | undefined,
  namespace: string | undefined,
): NamespaceFacts | undefined {
  return namespace === undefined ? undefined : directory?.lookup(namespace);
}

/** The "admission reviewed" line's fields beyond the request's identity. */
function reviewLogFields(
  admission: Extract<Admission, { ok: true }>,
  answer: Extract<Admission, { ok: true }>,
  audited: AuditedAdmission | undefined,
  verifyCounts: VerifyCounts | undefined,
): Record<string, unknown> {
  return {
    outcome: answer.outcome,
    ...auditLogFields(audited),
    ...(admission.skipReason === undefined ? {} : { skipReason: admission.skipReason }),
    images: admission.decisions.length,
    patchOperations: answer.verdict.patch.length,
    warnings: answer.verdict.warnings.length,
    ...(admission.missingSecrets.length === 0 ? {} : { missingSecrets: admission.missingSecrets }),
    ...(verifyCounts === undefined ? {} : { verify: verifyCounts }),
  };
}

/** What enforcing would have done, for an audited review's log line; the first changes, bounded. */
function auditLogFields(audited: AuditedAdmission | undefined): Record<string, unknown> {
  if (audited === undefined) return {};
  return {
    wouldBe: audited.wouldBe,
    wouldChange: audited.changes
      .slice(0, MAX_AUDIT_WARNINGS)
      .map((change) => boundLogString(change.message)),
    wouldChangeCount: audited.changes.length,
  };
}

/**
 * The core never throws on valid input; if it ever does, the error is logged
 * and undefined returned, so the answer follows `onError` instead of a 500.
 */
function safely<T>(step: () => T, onError: (error: unknown) => void): T | undefined {
  try {
    return step();
  } catch (error) {
    onError(error);
    return undefined;
  }
}

/**
 * The lookups that the cache could not answer: one `lookupAll` for the
 * Pod's references within `budgetMs`. Never throws: a defect is logged and
 * every image counts as unavailable (an empty result), so the answer
 * follows `onUnavailable`.
 */
async function lookUpSafely(
  client: RegistryLookups | undefined,
  references: readonly ImageReference[],
  policy: Policy,
  onError: (error: unknown) => void,
): Promise<LookedUp> {
  try {
    return await lookUpWithin(client, references, policy.verify.budgetMs);
  } catch (error) {
    onError(error);
    return { lookups: new Map(), counts: { found: 0, missing: 0, unavailable: 0 } };
  }
}

function internalErrorVerdict(onError: OnErrorMode): AdmissionVerdict {
  if (onError === 'allow') {
    return {
      allowed: true,
      patch: [],
      warnings: [
        'harbor-image-webhook: internal error; images were not rewritten (onError: allow)',
      ],
    };
  }
  return {
    allowed: false,
    patch: [],
    warnings: [],
    status: {
      code: 500,
      reason: 'InternalError',
      message:
        'harbor-image-webhook: internal error; Pod refused because the policy says onError: deny',
    },
  };
}

/**
 * The request's identity for its log lines. Every string is the requester's
 * (a Pod name can be a megabyte in a malformed review), so each is bounded.
 */
function describeRequest(request: AdmissionRequest): Record<string, unknown> {
  const metadata = (request.object as { metadata?: { generateName?: unknown } } | undefined)
    ?.metadata;
  const generateName =
    typeof metadata?.generateName === 'string' ? metadata.generateName : undefined;
  return {
    uid: boundLogValue(request.uid),
    namespace: boundLogValue(request.namespace),
    name: boundLogValue(
      request.name !== undefined && request.name !== '' ? request.name : generateName,
    ),
    operation: boundLogValue(request.operation),
    ...(request.subResource === undefined || request.subResource === ''
      ? {}
      : { subResource: boundLogValue(request.subResource) }),
    ...(request.dryRun === true ? { dryRun: true } : {}),
  };
}
