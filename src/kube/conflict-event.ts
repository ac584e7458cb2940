/**
 * The Event that tells a namespace's owners why their pull Secret was not
 * replaced: a Secret of the copy's name exists and this webhook does not
 * manage it. `kubectl describe secret NAME` and `kubectl get events` show it.
 * Its name is derived from the Secret's uid, so replicas (and resyncs) that
 * find the same conflict create one Event, not one each.
 */
import { createHash } from 'node:crypto';
import type { CoreV1Event } from '@kubernetes/client-node';
import { MANAGER } from './pull-secret-copy.ts';

export const CONFLICT_REASON = 'PullSecretConflict';

export interface Conflict {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string | undefined;
  /** `namespace/name` of the source. */
  readonly source: string;
}

/** The core/v1 Event reporting `conflict` on the Secret. */
export function conflictEvent(
  conflict: Conflict,
  reportingInstance: string,
  now: Date,
): CoreV1Event {
  const digest = createHash('sha256')
    .update(`${conflict.namespace}/${conflict.name}/${conflict.uid ?? ''}`)
    .digest('hex')
    .slice(0, 16);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${conflict.name.slice(0, 200)}.${digest}`,
      namespace: conflict.namespace,
      labels: { 'app.kubernetes.io/managed-by': MANAGER },
    },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: conflict.namespace,
      name: conflict.name,
      ...(conflict.uid === undefined ? {} : { uid: conflict.uid }),
    },
    type: 'Warning',
    reason: CONFLICT_REASON,
    message:
      `Secret ${conflict.namespace}/${conflict.name} exists and is not managed by ${MANAGER}; ` +
      `the pull secret from ${conflict.source} was not copied over it. ` +
      `Rename or delete it, or set pullSecretSync.name in the policy to another name.`,
    source: { component: MANAGER },
    reportingComponent: MANAGER,
    reportingInstance: reportingInstance.slice(0, 128),
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}
