/**
 * Pod creations running back to back while something changes underneath
 * (a certificate swap, a policy reload), to prove that none fails. Bounded
 * by a number of Pods and a duration, whichever comes first.
 */
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { apiMessage } from './api-errors.ts';
import { buildPod, createPod } from './pods.ts';
import { sleep } from './wait.ts';

export interface ContinuousAdmissionOptions {
  /** True when the stored Pod is what the test expects (e.g. rewritten); false counts as a failure. */
  readonly accept: (pod: V1Pod) => boolean;
  /** Default 400. */
  readonly maxPods?: number;
  /** Default 90 s. */
  readonly maxMs?: number;
  /** Pause between creations, default 20 ms. */
  readonly pauseMs?: number;
}

/** What the creations came to. */
export interface AdmissionTally {
  readonly admitted: number;
  /** One line per failed or unexpected creation. */
  readonly failures: readonly string[];
  /** When each accepted Pod was admitted (ms since the epoch). */
  readonly admittedAt: readonly number[];
}

/** A running series of Pod creations. */
export interface ContinuousAdmission {
  /** Stops after the creation in flight and returns the tally. */
  stop(): Promise<AdmissionTally>;
}

/** Starts creating Pods `load-0`, `load-1`, … in `namespace` until stopped or a bound is reached. */
export function startContinuousAdmission(
  core: CoreV1Api,
  namespace: string,
  options: ContinuousAdmissionOptions,
): ContinuousAdmission {
  const maxPods = options.maxPods ?? 400;
  const deadline = Date.now() + (options.maxMs ?? 90_000);
  const failures: string[] = [];
  const admittedAt: number[] = [];
  let stopped = false;
  const run = (async () => {
    for (let index = 0; index < maxPods && !stopped && Date.now() < deadline; index++) {
      const pod = buildPod(`load-${index}`, [{ name: 'web', image: 'nginx:1.25' }]);
      try {
        const stored = await createPod(core, namespace, pod);
        if (options.accept(stored)) admittedAt.push(Date.now());
        else
          failures.push(
            `load-${index}: admitted but not as expected: ${JSON.stringify(stored.spec?.containers)}`,
          );
      } catch (error) {
        failures.push(`load-${index}: ${apiMessage(error)}`);
      }
      await sleep(options.pauseMs ?? 20);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await run;
      return { admitted: admittedAt.length, failures, admittedAt };
    },
  };
}
