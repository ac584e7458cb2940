/**
 * AdmissionReview wire types (admission.k8s.io/v1 and v1beta1 share the
 * shape). Hand-written from the Kubernetes API: client-node does not ship them.
 */
import type { Operation } from 'fast-json-patch';

export const ADMISSION_API_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
/** The review's apiVersion; the response must be sent in the same one. */
export type AdmissionApiVersion = (typeof ADMISSION_API_VERSIONS)[number];

export const ADMISSION_OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
export type AdmissionOperation = (typeof ADMISSION_OPERATIONS)[number];

/** Group, version and kind of the object, e.g. `{group: "", version: "v1", kind: "Pod"}`. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** Group, version and resource, e.g. `{group: "", version: "v1", resource: "pods"}`. */
export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/** The part of `request` this webhook reads. */
export interface AdmissionRequest {
  /** Identifies this call; the response must echo it. */
  readonly uid: string;
  readonly kind?: GroupVersionKind;
  readonly resource: GroupVersionResource;
  /** `ephemeralcontainers` for `kubectl debug`; absent or "" for the main resource. */
  readonly subResource?: string;
  readonly name?: string;
  /** Empty for cluster-scoped objects; a Pod created with generateName has no name yet. */
  readonly namespace?: string;
  readonly operation: AdmissionOperation;
  /** The object after the operation (CREATE, UPDATE). */
  readonly object?: unknown;
  /** The object before the operation (UPDATE, DELETE). */
  readonly oldObject?: unknown;
  /** True for server-side dry runs: the webhook must have no side effects (ours never has). */
  readonly dryRun?: boolean;
}

/** The `status` of a refused request; `message` is shown to the user by kubectl. */
export interface AdmissionStatus {
  readonly code: number;
  readonly message: string;
  readonly reason?: string;
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: AdmissionStatus;
  /** base64 of the JSON Patch; present only with `patchType`. */
  readonly patch?: string;
  readonly patchType?: 'JSONPatch';
  /** Shown by kubectl as "Warning: …"; the apiserver truncates long ones. */
  readonly warnings?: readonly string[];
  readonly auditAnnotations?: Readonly<Record<string, string>>;
}

export interface AdmissionReview<Body> {
  readonly apiVersion: AdmissionApiVersion;
  readonly kind: 'AdmissionReview';
  readonly request?: Body extends AdmissionRequest ? Body : never;
  readonly response?: Body extends AdmissionResponse ? Body : never;
}

/** What the webhook decided, before it is put on the wire. */
export interface AdmissionVerdict {
  readonly allowed: boolean;
  readonly patch: readonly Operation[];
  readonly warnings: readonly string[];
  /** Set when refused. */
  readonly status?: AdmissionStatus;
}
