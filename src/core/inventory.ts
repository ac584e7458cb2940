/**
 * The inventory: what the policy would do to the images already running in a
 * cluster, per namespace. Each Pod goes through {@link planPod}, the function
 * admission calls, so the inventory and the webhook cannot disagree. Pods are
 * added one at a time and only the per-namespace tally is kept, so memory
 * grows with the distinct images, not with the Pods listed. Pure.
 */
import { explainDecision, finalImage, ImageOutcome } from './image-decision.ts';
import type { NamespaceFacts } from './namespace-policy.ts';
import { planPod } from './pod-plan.ts';
import { readPodTemplate } from './pod-template.ts';
import type { Policy } from './policy.ts';

/** Whether a namespace's labels opt it in, put it in audit mode, or neither. */
export const OptInState = { enabled: 'enabled', audit: 'audit', off: 'off' } as const;
export type OptInState = (typeof OptInState)[keyof typeof OptInState];

export const InventoryAction = { rewrite: 'rewrite', leave: 'leave' } as const;
export type InventoryAction = (typeof InventoryAction)[keyof typeof InventoryAction];

/** Why an image of a Pod the webhook would not look at is left: the Pod or its namespace is skipped. */
export const SKIPPED_REASON = 'skipped';

/** One distinct image of a namespace and what the policy makes of it. */
export interface InventoryImage {
  readonly image: string;
  readonly action: InventoryAction;
  /** The image after the policy: the Harbor reference for `rewrite`, `image` itself for `leave`. */
  readonly to: string;
  /** An image outcome (`rewritten`, `no-rule`, `excluded`, …) or `skipped`. */
  readonly reason: string;
  /** The explanation for people (the preview's and the warnings' wording). */
  readonly message: string;
  /** Containers (init, regular and ephemeral) running it in the namespace. */
  readonly containers: number;
}

export interface InventoryNamespace {
  readonly name: string;
  readonly optIn: OptInState;
  readonly pods: number;
  /** Sorted by image, then reason. */
  readonly images: readonly InventoryImage[];
}

export interface Inventory {
  /** Sorted by name. */
  readonly namespaces: readonly InventoryNamespace[];
  /** Containers not tallied because {@link MAX_INVENTORY_ROWS} distinct rows were reached. */
  readonly omittedContainers: number;
}

/** What the inventory needs of a Namespace: its opt-in state and the annotations that override the policy. */
export interface InventoryNamespaceInput {
  readonly name: string;
  readonly optIn: OptInState;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * Distinct (namespace, image, decision) rows kept at most: far above any real
 * cluster, a bound on memory for a hostile or broken one.
 */
export const MAX_INVENTORY_ROWS = 100_000;

export interface InventoryBuilder {
  /** Records a namespace; a Pod of a namespace never added counts under `off` with no overrides. */
  addNamespace(namespace: InventoryNamespaceInput): void;
  /** Tallies one Pod (the API object as JSON) of `namespace`. */
  addPod(namespace: string, pod: unknown): void;
  build(): Inventory;
}

interface NamespaceTally {
  readonly input: InventoryNamespaceInput;
  readonly facts: NamespaceFacts;
  pods: number;
  readonly rows: Map<string, { row: Omit<InventoryImage, 'containers'>; containers: number }>;
}

export function createInventoryBuilder(policy: Policy): InventoryBuilder {
  const tallies = new Map<string, NamespaceTally>();
  let rows = 0;
  let omittedContainers = 0;

  const tallyOf = (name: string): NamespaceTally => {
    const known = tallies.get(name);
    if (known !== undefined) return known;
    const added = newTally({ name, optIn: OptInState.off, annotations: {} });
    tallies.set(name, added);
    return added;
  };
  const count = (tally: NamespaceTally, row: Omit<InventoryImage, 'containers'>): void => {
    const key = `${row.image}\u0000${row.reason}\u0000${row.message}`;
    const known = tally.rows.get(key);
    if (known !== undefined) {
      known.containers += 1;
    } else if (rows < MAX_INVENTORY_ROWS) {
      rows += 1;
      tally.rows.set(key, { row, containers: 1 });
    } else {
      omittedContainers += 1;
    }
  };

  return {
    addNamespace(namespace) {
      const known = tallies.get(namespace.name);
      tallies.set(namespace.name, {
        ...newTally(namespace),
        pods: known?.pods ?? 0,
        rows: known?.rows ?? new Map(),
      });
    },
    addPod(namespace, pod) {
      const tally = tallyOf(namespace);
      tally.pods += 1;
      for (const row of podRows(pod, policy, tally.facts)) count(tally, row);
    },
    build() {
      const namespaces = [...tallies.values()]
        .sort((a, b) => compare(a.input.name, b.input.name))
        .map(toNamespace);
      return { namespaces, omittedContainers };
    },
  };
}

function newTally(input: InventoryNamespaceInput): NamespaceTally {
  return {
    input,
    facts: { name: input.name, annotations: input.annotations, pullSecretNames: undefined },
    pods: 0,
    rows: new Map(),
  };
}

/** One row per container with an image, as admission would decide it for this Pod. */
function podRows(
  pod: unknown,
  policy: Policy,
  facts: NamespaceFacts,
): Omit<InventoryImage, 'containers'>[] {
  const plan = planPod(pod, policy, { namespace: facts.name, facts });
  if (plan.kind === 'mutated') {
    return plan.mutation.decisions.map(({ decision }) => {
      const rewritten = decision.outcome === ImageOutcome.rewritten;
      return {
        image: decision.image,
        action: rewritten ? InventoryAction.rewrite : InventoryAction.leave,
        to: finalImage(decision),
        reason: decision.outcome,
        message: explainDecision(decision),
      };
    });
  }
  const message = plan.kind === 'skipped' ? plan.reason : `not a readable Pod: ${plan.problem}`;
  return imagesOf(pod).map((image) => ({
    image,
    action: InventoryAction.leave,
    to: image,
    reason: SKIPPED_REASON,
    message,
  }));
}

function imagesOf(pod: unknown): string[] {
  const read = readPodTemplate(pod);
  if (!read.ok) return [];
  return read.view.containers.flatMap(({ image }) => (image === undefined ? [] : [image]));
}

function toNamespace(tally: NamespaceTally): InventoryNamespace {
  const images = [...tally.rows.values()]
    .map(({ row, containers }) => ({ ...row, containers }))
    .sort((a, b) => compare(a.image, b.image) || compare(a.reason, b.reason));
  return { name: tally.input.name, optIn: tally.input.optIn, pods: tally.pods, images };
}

/** Code-point order: stable whatever the locale, like kubectl's sorting of names. */
function compare(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
