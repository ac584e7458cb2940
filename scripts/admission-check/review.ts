/**
 * The AdmissionReview `helm test` sends, and the judgement of the answer. Pure,
 * so that the rules are unit-tested apart from the network.
 */
import { randomUUID } from 'node:crypto';

/** The container name of the reviewed Pod, and the JSON pointer of its image. */
const CONTAINER = 'admission-check';
const IMAGE_POINTER = '/spec/containers/0/image';

/** What the check expects the webhook to do to `image`. */
export interface Expectation {
  /** The image of the Pod sent for review. */
  readonly image: string;
  /** The Harbor host the rewritten image must be on. */
  readonly harborHost: string;
  /** The exact rewritten image, when the operator knows it. */
  readonly expectedImage?: string;
}

/** A dry-run CREATE review of a one-container Pod running `image` in `namespace`. */
export function admissionReviewFor(image: string, namespace: string): object {
  const pod = { group: '', version: 'v1', kind: 'Pod' };
  const pods = { group: '', version: 'v1', resource: 'pods' };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: randomUUID(),
      kind: pod,
      resource: pods,
      requestKind: pod,
      requestResource: pods,
      name: 'helm-test-admission-check',
      namespace,
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:helm-test' },
      dryRun: true,
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'helm-test-admission-check', namespace },
        spec: { containers: [{ name: CONTAINER, image }] },
      },
    },
  };
}

export type Verdict =
  { readonly ok: true; readonly image: string } | { readonly ok: false; readonly problem: string };

interface PatchOperation {
  readonly op?: unknown;
  readonly path?: unknown;
  readonly value?: unknown;
}

/** Judges the HTTP answer (`status`, `body`) to the review against `expectation`. */
export function judgeAnswer(status: number, body: string, expectation: Expectation): Verdict {
  if (status !== 200) return fail(`/mutate answered HTTP ${status}: ${body.slice(0, 500)}`);
  const response = parseResponse(body);
  if (typeof response === 'string') return fail(response);
  if (response.allowed !== true) {
    return fail(`the webhook refused the Pod: ${JSON.stringify(response.status ?? {})}`);
  }
  const rewritten = rewrittenImage(response.patch);
  if (typeof rewritten === 'object') return fail(rewritten.problem);
  if (rewritten === undefined) {
    return fail(
      `the webhook left ${expectation.image} unchanged: no rule of the policy rewrites it ` +
        '(set tests.image to an image one of your rules matches)',
    );
  }
  return checkImage(rewritten, expectation);
}

function checkImage(image: string, expectation: Expectation): Verdict {
  if (expectation.expectedImage !== undefined && image !== expectation.expectedImage) {
    return fail(`expected ${expectation.expectedImage}, the webhook answered ${image}`);
  }
  if (!image.startsWith(`${expectation.harborHost}/`)) {
    return fail(`${expectation.image} was rewritten to ${image}, not to ${expectation.harborHost}`);
  }
  return { ok: true, image };
}

interface ReviewResponse {
  readonly allowed?: unknown;
  readonly status?: unknown;
  readonly patch?: unknown;
  readonly patchType?: unknown;
}

function parseResponse(body: string): ReviewResponse | string {
  let review: unknown;
  try {
    review = JSON.parse(body);
  } catch {
    return `/mutate answered a body that is not JSON: ${body.slice(0, 200)}`;
  }
  const response = (review as { response?: unknown } | null)?.response;
  if (typeof response !== 'object' || response === null) {
    return '/mutate answered an AdmissionReview without a response';
  }
  return response as ReviewResponse;
}

/** The image the patch sets, undefined when it sets none, or the problem with the patch. */
function rewrittenImage(patch: unknown): string | undefined | { problem: string } {
  if (patch === undefined) return undefined;
  if (typeof patch !== 'string') return { problem: 'response.patch is not a base64 string' };
  let operations: unknown;
  try {
    operations = JSON.parse(Buffer.from(patch, 'base64').toString('utf8'));
  } catch {
    return { problem: 'response.patch is not base64 of a JSON patch' };
  }
  if (!Array.isArray(operations)) return { problem: 'response.patch is not a JSON patch array' };
  const image = (operations as PatchOperation[]).find(
    (operation) => operation.path === IMAGE_POINTER && operation.op === 'replace',
  )?.value;
  return typeof image === 'string' ? image : undefined;
}

function fail(problem: string): Verdict {
  return { ok: false, problem };
}
