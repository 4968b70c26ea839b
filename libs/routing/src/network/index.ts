// The network model (docs/routing-semantics.md §1, §2, §4, §5): config → VRFs, connections, agent configs, and
// each cluster's desired state.
export * from './network-config-types.js';
export { NetworkModel } from './network-model.js';
