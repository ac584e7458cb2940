/**
 * `imagePullPolicy` by tag: a mutable tag must be re-checked on every start,
 * a pinned one need not be.
 */
import type { PullPolicyMode } from './policy-schema.ts';
import type { ImageReference } from './reference.ts';

export const PullPolicy = {
  always: 'Always',
  ifNotPresent: 'IfNotPresent',
  never: 'Never',
} as const;
export type PullPolicy = (typeof PullPolicy)[keyof typeof PullPolicy];

/** A pull policy the webhook wants to set, and why. */
export interface PullPolicyChange {
  readonly to: PullPolicy;
  readonly because: string;
}

/** The policy a reference calls for: digest → IfNotPresent, `latest` or no tag → Always, other tags → IfNotPresent. */
export function pullPolicyForReference(reference: ImageReference): PullPolicyChange {
  if (reference.digest !== undefined) {
    return { to: PullPolicy.ifNotPresent, because: 'pinned by digest' };
  }
  if (reference.tag === undefined || reference.tag === 'latest') {
    return { to: PullPolicy.always, because: 'tag "latest" (or none) is mutable' };
  }
  return { to: PullPolicy.ifNotPresent, because: `tag "${reference.tag}" is treated as pinned` };
}

/**
 * The change `mode` asks for, or undefined when the field stays as it is.
 * The webhook only ever fills or raises the field, never lowers it:
 *
 * | current \ mode         | enforce                 | ifNotSet      | off |
 * | ---------------------- | ----------------------- | ------------- | --- |
 * | unset (or "")          | by reference            | by reference  | —   |
 * | `IfNotPresent`         | `Always` if mutable tag | —             | —   |
 * | `Always`               | —                       | —             | —   |
 * | `Never`                | —                       | —             | —   |
 * | anything else          | by reference            | —             | —   |
 *
 * `Always` is kept because clusters running the `AlwaysPullImages` admission
 * plugin refuse any other value (and a user who asked for it meant it);
 * `Never` is an explicit choice for pre-loaded images. Anything else is not a
 * value the apiserver accepts, so `enforce` may as well write a valid one.
 */
export function decidePullPolicy(
  mode: PullPolicyMode,
  current: string | undefined,
  reference: ImageReference,
): PullPolicyChange | undefined {
  if (mode === 'off' || current === PullPolicy.never || current === PullPolicy.always) {
    return undefined;
  }
  const unset = current === undefined || current === '';
  if (mode === 'ifNotSet' && !unset) return undefined;
  const wanted = pullPolicyForReference(reference);
  return wanted.to === current ? undefined : wanted;
}
