import type { AgentConfig } from '#libs/routing';
import type { ConfigDelta } from '../control-plane/session-messages.js';

/**
 * The agent's whole config after one ConfigDelta, as an agent builds it from what control sends: a full delta
 * replaces everything, any other upserts by key and removes the keys its `removed*` lists name (interfaces and
 * security groups by uuid, VRFs and ACLs by name). A delta without a virtual-router means the agent is not
 * configured (any more): undefined, nothing to tell it.
 */
export function applyConfigDelta(current: AgentConfig | undefined, delta: ConfigDelta): AgentConfig | undefined {
  if (delta.virtualRouter === undefined) return undefined;
  const base = delta.full || current === undefined ? undefined : current;
  return {
    virtualRouter: delta.virtualRouter,
    interfaces: merge(base?.interfaces, delta.interfaces, delta.removedInterfaces, (i) => i.uuid),
    vrfs: merge(base?.vrfs, delta.vrfs, delta.removedVrfs, (v) => v.name),
    acls: merge(base?.acls, delta.acls, delta.removedAcls, (a) => a.name),
    securityGroups: merge(base?.securityGroups, delta.securityGroups, delta.removedSecurityGroups, (g) => g.uuid),
  };
}

/** `before` with `upserted` put in by key and `removed` taken out, sorted by key (AgentConfig's order). */
function merge<T>(before: readonly T[] | undefined, upserted: readonly T[], removed: readonly string[], key: (item: T) => string): T[] {
  const items = new Map<string, T>();
  for (const item of before ?? []) items.set(key(item), item);
  for (const name of removed) items.delete(name);
  for (const item of upserted) items.set(key(item), item);
  return [...items.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, item]) => item);
}
