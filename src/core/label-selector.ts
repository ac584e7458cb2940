/**
 * Kubernetes label selectors (`matchLabels` + `matchExpressions`), evaluated
 * the way the apiserver evaluates a webhook's objectSelector: all terms must
 * hold; an empty selector matches everything.
 */
import { z } from 'zod';

export const LABEL_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

export const labelSelectorSchema = z
  .strictObject({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
      .array(
        z.strictObject({
          key: z.string().min(1),
          operator: z.enum(LABEL_SELECTOR_OPERATORS),
          values: z.array(z.string()).optional(),
        }),
      )
      .optional(),
  })
  .superRefine((selector, context) => {
    for (const [index, expression] of (selector.matchExpressions ?? []).entries()) {
      const needsValues = expression.operator === 'In' || expression.operator === 'NotIn';
      if (needsValues !== (expression.values !== undefined && expression.values.length > 0)) {
        context.addIssue({
          code: 'custom',
          path: ['matchExpressions', index, 'values'],
          message: needsValues
            ? `${expression.operator} needs at least one value`
            : `${expression.operator} takes no values`,
        });
      }
    }
  });

export type LabelSelector = z.infer<typeof labelSelectorSchema>;

/** True when `labels` satisfy every term of `selector`. */
export function matchesLabelSelector(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  const has = (key: string) => Object.hasOwn(labels, key);
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(
    ([key, value]) => has(key) && labels[key] === value,
  );
  return (
    byLabels &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      switch (operator) {
        case 'In':
          return has(key) && values.includes(labels[key] ?? '');
        case 'NotIn':
          return !has(key) || !values.includes(labels[key] ?? '');
        case 'Exists':
          return has(key);
        case 'DoesNotExist':
          return !has(key);
      }
    })
  );
}
