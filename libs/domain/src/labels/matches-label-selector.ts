import type { LabelRequirement } from './parse-label-selector';

/**
 * True when the labels satisfy every requirement (an empty list matches everything).
 * NotIn and DoesNotExist match objects that lack the key, as in Kubernetes.
 */
export function matchesLabelSelector(
  labels: Readonly<Record<string, string>>,
  requirements: readonly LabelRequirement[],
): boolean {
  return requirements.every(({ key, operator, values }) => {
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (operator) {
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      case 'In':
        return has && values.includes(labels[key]);
      case 'NotIn':
        return !has || !values.includes(labels[key]);
    }
  });
}
