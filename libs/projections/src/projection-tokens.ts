/**
 * Injection tokens of the projections a process shares (the Nest layer binds them; nothing here depends on Nest):
 * the config projection (provided by the config API module, or on its own by a control-only process) and the
 * per-cluster desired-state projection built on it.
 */
export const CONFIG_PROJECTION = Symbol('CONFIG_PROJECTION');
export const DESIRED_STATE = Symbol('DESIRED_STATE');
