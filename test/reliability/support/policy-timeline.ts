/**
 * Which policy may answer a request, given when the policy file was switched.
 * A switch is written at `writtenAt` and confirmed at `confirmedAt`, when a
 * probe request was answered by the new policy. Between the two either
 * policy may answer; outside, only the one in force. A request that spans
 * [startedAt, finishedAt] may be answered by any policy possibly in force
 * during that time; anything else is a wrong answer (stale or mixed).
 */
import type { PolicyName } from './policy-oracle.ts';

interface Switch {
  readonly policy: PolicyName;
  readonly writtenAt: number;
  confirmedAt: number | undefined;
}

export class PolicyTimeline {
  readonly #switches: Switch[];

  constructor(initial: PolicyName) {
    this.#switches = [
      {
        policy: initial,
        writtenAt: Number.NEGATIVE_INFINITY,
        confirmedAt: Number.NEGATIVE_INFINITY,
      },
    ];
  }

  /** Call just before the new policy file is written. */
  begin(policy: PolicyName, writtenAt: number): void {
    this.#switches.push({ policy, writtenAt, confirmedAt: undefined });
  }

  /** Call when a request that started at or after `begin` came back answered by the new policy. */
  confirm(confirmedAt: number): void {
    const last = this.#switches.at(-1)!;
    last.confirmedAt ??= confirmedAt;
  }

  /** The policy a probe expects once the last switch has taken effect. */
  get latest(): PolicyName {
    return this.#switches.at(-1)!.policy;
  }

  allowed(startedAt: number, finishedAt: number): ReadonlySet<PolicyName> {
    const allowed = new Set<PolicyName>();
    this.#switches.forEach((entry, index) => {
      const replaced = this.#switches[index + 1];
      const lastPossible =
        replaced === undefined
          ? Number.POSITIVE_INFINITY
          : (replaced.confirmedAt ?? Number.POSITIVE_INFINITY);
      if (entry.writtenAt <= finishedAt && startedAt <= lastPossible) allowed.add(entry.policy);
    });
    return allowed;
  }
}
