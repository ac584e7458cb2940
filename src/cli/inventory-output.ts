/**
 * How `inventory` prints: an aligned table for people (one row per distinct
 * image of a namespace, kubectl-style), or JSON for scripts, whose schema is
 * {@link InventoryDocument} (`apiVersion` changes if a field ever does).
 */
import {
  InventoryAction,
  type Inventory,
  type InventoryImage,
  type InventoryNamespace,
} from '../core/inventory.ts';
import { boundLogString } from '../server/log-text.ts';

export const INVENTORY_FORMATS = ['table', 'json'] as const;
export type InventoryFormat = (typeof INVENTORY_FORMATS)[number];

export const INVENTORY_API_VERSION = 'inventory.harbor-image-webhook.io/v1';

/** Distinct images and the containers running them, for one action. */
export interface ActionTotals {
  readonly images: number;
  readonly containers: number;
}

/** The `-o json` document. */
export interface InventoryDocument {
  readonly apiVersion: typeof INVENTORY_API_VERSION;
  readonly kind: 'Inventory';
  /** The opt-in label the `optIn` states were read with (`key=value`; audit is `key=audit`). */
  readonly optInLabel: string;
  readonly summary: {
    readonly namespaces: number;
    readonly pods: number;
    readonly rewrite: ActionTotals;
    readonly leave: ActionTotals;
    /** Containers not listed because the inventory reached its row limit (normally 0). */
    readonly omittedContainers: number;
  };
  /** By name; each namespace's `images` by image. */
  readonly namespaces: readonly InventoryNamespace[];
}

export function toInventoryDocument(inventory: Inventory, optInLabel: string): InventoryDocument {
  const images = inventory.namespaces.flatMap((namespace) => namespace.images);
  return {
    apiVersion: INVENTORY_API_VERSION,
    kind: 'Inventory',
    optInLabel,
    summary: {
      namespaces: inventory.namespaces.length,
      pods: inventory.namespaces.reduce((sum, namespace) => sum + namespace.pods, 0),
      rewrite: totals(images, InventoryAction.rewrite),
      leave: totals(images, InventoryAction.leave),
      omittedContainers: inventory.omittedContainers,
    },
    namespaces: inventory.namespaces,
  };
}

export function renderInventory(
  inventory: Inventory,
  optInLabel: string,
  format: InventoryFormat,
): string {
  const document = toInventoryDocument(inventory, optInLabel);
  return format === 'json' ? `${JSON.stringify(document, null, 2)}\n` : renderTable(document);
}

const HEADER = ['NAMESPACE', 'OPT-IN', 'IMAGE', 'CONTAINERS', 'ACTION', 'DETAIL'] as const;

function renderTable(document: InventoryDocument): string {
  const rows: string[][] = document.namespaces.flatMap((namespace) =>
    namespace.images.length === 0
      ? [[namespace.name, namespace.optIn, '<none>', '0', '-', 'no running Pods']]
      : namespace.images.map((image) => [
          namespace.name,
          namespace.optIn,
          image.image,
          String(image.containers),
          image.action,
          image.action === InventoryAction.rewrite ? `to ${image.to}` : image.message,
        ]),
  );
  const lines = alignColumns([[...HEADER], ...rows.map((row) => row.map(printable))]);
  return `${lines.join('\n')}\n\n${summaryLine(document)}\n`;
}

/** Pads every column but the last to its widest cell, three spaces apart, as kubectl does. */
function alignColumns(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  }
  return rows.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join('   ')
      .trimEnd(),
  );
}

function summaryLine(document: InventoryDocument): string {
  const { summary } = document;
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const omitted =
    summary.omittedContainers === 0
      ? ''
      : `; ${plural(summary.omittedContainers, 'container')} not listed (row limit)`;
  return (
    `${plural(summary.namespaces, 'namespace')}, ${plural(summary.pods, 'Pod')}: ` +
    `${plural(summary.rewrite.images, 'image')} to rewrite (${plural(summary.rewrite.containers, 'container')}), ` +
    `${plural(summary.leave.images, 'image')} left (${plural(summary.leave.containers, 'container')})${omitted}`
  );
}

function totals(images: readonly InventoryImage[], action: InventoryAction): ActionTotals {
  const matching = images.filter((image) => image.action === action);
  return {
    images: matching.length,
    containers: matching.reduce((sum, image) => sum + image.containers, 0),
  };
}

/** A cell from the cluster, made safe for a terminal: control characters escaped, bounded. */
function printable(cell: string): string {
  return boundLogString(cell, 1024);
}
