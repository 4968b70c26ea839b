import type { V1LabelSelector, V1LabelSelectorRequirement } from '@kubernetes/client-node';

/**
 * Kubernetes label-selector semantics (docs/kubemanager.md §3): `matchLabels` and `matchExpressions` with `In`,
 * `NotIn`, `Exists`, `DoesNotExist`, all ANDed; an empty (or absent) selector matches everything. An operator we
 * do not know matches nothing, as the API server would have refused it.
 */
export function selectorMatches(selector: V1LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((requirement) => requirementMatches(requirement, labels));
}

function requirementMatches(requirement: V1LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
  const value = labels[requirement.key];
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return has && values.includes(value);
    case 'NotIn':
      return !has || !values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}
