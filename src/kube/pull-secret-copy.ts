/**
 * What a managed copy of the pull Secret looks like: its labels, the hash that
 * tells a stale copy from a current one, and its body. Pure.
 */
import { createHash } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import type { Policy } from '../core/policy.ts';

export const MANAGER = 'harbor-image-webhook';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** `<namespace>.<name>` of the source (shortened with a hash past 63 characters). */
export const SOURCE_LABEL = 'harbor-image-webhook/pull-secret-source';
/** `<namespace>/<name>` of the source, in full. */
export const SOURCE_ANNOTATION = 'harbor-image-webhook/pull-secret-source';
/** `sha256:<hex>` of the source's `.dockerconfigjson`: a rotation changes it. */
export const HASH_ANNOTATION = 'harbor-image-webhook/pull-secret-hash';
export const DOCKER_CONFIG_KEY = '.dockerconfigjson';
export const DOCKER_CONFIG_JSON_TYPE = 'kubernetes.io/dockerconfigjson';

/** Selects every copy this webhook manages, whatever its source. */
export const MANAGED_COPY_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGER},${SOURCE_LABEL}`;

/** Selects the copies made from one source: what an uninstall of its release deletes. */
export function copiesOfSourceSelector(sourceNamespace: string, sourceName: string): string {
  return `${MANAGED_BY_LABEL}=${MANAGER},${SOURCE_LABEL}=${sourceLabelValue(sourceNamespace, sourceName)}`;
}

/** The policy's `pullSecretSync`, resolved. */
export interface SyncSettings {
  readonly sourceNamespace: string;
  readonly sourceName: string;
  /** Name of every copy. */
  readonly copyName: string;
  readonly sourceLabel: string;
  readonly pruneOnOptOut: boolean;
}

/** The sync settings of `policy`, or undefined when it asks for no sync. */
export function syncSettings(policy: Policy): SyncSettings | undefined {
  const sync = policy.pullSecretSync;
  if (sync === undefined) return undefined;
  const slash = sync.source.indexOf('/');
  const sourceNamespace = sync.source.slice(0, slash);
  const sourceName = sync.source.slice(slash + 1);
  return Object.freeze({
    sourceNamespace,
    sourceName,
    copyName: sync.name ?? sourceName,
    sourceLabel: sourceLabelValue(sourceNamespace, sourceName),
    pruneOnOptOut: sync.pruneOnOptOut,
  });
}

export function sameSettings(a: SyncSettings | undefined, b: SyncSettings | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.sourceNamespace === b.sourceNamespace &&
    a.sourceName === b.sourceName &&
    a.copyName === b.copyName &&
    a.pruneOnOptOut === b.pruneOnOptOut
  );
}

/** A label value (≤ 63 characters) naming the source. */
export function sourceLabelValue(namespace: string, name: string): string {
  const full = `${namespace}.${name}`;
  if (full.length <= 63) return full;
  const digest = createHash('sha256').update(full).digest('hex').slice(0, 10);
  return `${full.slice(0, 52)}-${digest}`;
}

/** The hash recorded on every copy of `dockerConfigJson` (the base64 value of the data key). */
export function dockerConfigHash(dockerConfigJson: string): string {
  return `sha256:${createHash('sha256').update(dockerConfigJson).digest('hex')}`;
}

/** The source's pull credentials, as the copies carry them. */
export interface SourceData {
  /** Base64, as in the source's `data`. */
  readonly dockerConfigJson: string;
  readonly hash: string;
}

/** The managed copy for `namespace`; with `resourceVersion` for an update. */
export function copyBody(
  settings: SyncSettings,
  source: SourceData,
  namespace: string,
  resourceVersion?: string,
): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: settings.copyName,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGER, [SOURCE_LABEL]: settings.sourceLabel },
      annotations: {
        [SOURCE_ANNOTATION]: `${settings.sourceNamespace}/${settings.sourceName}`,
        [HASH_ANNOTATION]: source.hash,
      },
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    },
    type: DOCKER_CONFIG_JSON_TYPE,
    data: { [DOCKER_CONFIG_KEY]: source.dockerConfigJson },
  };
}

/** True when labels say this webhook manages the Secret. */
export function isManaged(labels: Readonly<Record<string, string>> | undefined): boolean {
  return labels?.[MANAGED_BY_LABEL] === MANAGER && labels[SOURCE_LABEL] !== undefined;
}
