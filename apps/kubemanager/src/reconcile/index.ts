/* The reconciler's pure part (docs/kubemanager.md §5): what to send to make the owned config match. */
export type { ActualObject } from './actual-object.js';
export { changedFields, isRefField } from './changed-fields.js';
export { planKey, type ConfigCommand } from './plan.js';
export { OWNED_TYPES_PARENTS_FIRST, typeRank } from './type-order.js';
