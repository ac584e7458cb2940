/**
 * Pods the webhook must leave alone: those that opt out themselves, and those
 * matched by the policy's `skipPods` selectors — operators such as
 * CloudNativePG or Zalando's postgres-operator recreate any Pod whose image
 * differs from their spec, so rewriting their Pods starts an endless loop.
 */
import { isJsonObject } from './json-object.ts';
import { matchesLabelSelector } from './label-selector.ts';
import type { Policy } from './policy.ts';

/** A Pod (or template) carrying this label or annotation with value "true" is never mutated. */
export const SKIP_KEY = 'harbor-image-webhook/skip';

/** Why the Pod is skipped, or undefined when it is mutated. */
export function podSkipReason(template: unknown, policy: Policy): string | undefined {
  const metadata = (template as { metadata?: unknown } | null)?.metadata;
  const labels = (metadata as { labels?: unknown } | undefined)?.labels;
  const annotations = (metadata as { annotations?: unknown } | undefined)?.annotations;
  if (ownString(labels, SKIP_KEY) === 'true') return `the Pod has the label ${SKIP_KEY}=true`;
  if (ownString(annotations, SKIP_KEY) === 'true') {
    return `the Pod has the annotation ${SKIP_KEY}: "true"`;
  }
  // Copied only when a selector needs them: annotations can be large (last-applied-configuration).
  if (policy.skipPods.length === 0) return undefined;
  const labelMap = stringMap(labels);
  const index = policy.skipPods.findIndex((selector) => matchesLabelSelector(selector, labelMap));
  return index === -1 ? undefined : `the Pod matches skipPods[${index}]`;
}

function ownString(map: unknown, key: string): string | undefined {
  if (!isJsonObject(map) || !Object.hasOwn(map, key)) return undefined;
  const value = map[key];
  return typeof value === 'string' ? value : undefined;
}

function stringMap(value: unknown): Readonly<Record<string, string>> {
  if (!isJsonObject(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => typeof entry === 'string'),
  ) as Record<string, string>;
}
