import type { agentProto } from '#libs/proto';

/** What an agent knows of its virtual-router's config, keyed as ConfigUpdate's removed_* lists name things. */
export interface AgentConfig {
  /** The log position of the last update applied; 0 before any. */
  position: number;
  /** Whether a full update has arrived in this session. */
  complete: boolean;
  virtualRouter: agentProto.VirtualRouter | undefined;
  /** By uuid. */
  interfaces: Map<string, agentProto.Interface>;
  /** By VRF name. */
  vrfs: Map<string, agentProto.Vrf>;
  /** By ACL name. */
  acls: Map<string, agentProto.Acl>;
  /** By uuid. */
  securityGroups: Map<string, agentProto.SecurityGroup>;
}

export function emptyConfig(): AgentConfig {
  return { position: 0, complete: false, virtualRouter: undefined, interfaces: new Map(), vrfs: new Map(), acls: new Map(), securityGroups: new Map() };
}

/** Applies a ConfigUpdate: full replaces everything, a delta upserts by key then deletes the removed_* keys. */
export function applyConfigUpdate(config: AgentConfig, update: agentProto.ConfigUpdate): void {
  if (update.full) {
    Object.assign(config, emptyConfig(), { complete: true });
  }
  config.position = update.position;
  if (update.virtualRouter) config.virtualRouter = update.virtualRouter;
  upsert(config.interfaces, update.interfaces, (i) => i.uuid, update.removedInterfaces);
  upsert(config.vrfs, update.vrfs, (v) => v.name, update.removedVrfs);
  upsert(config.acls, update.acls, (a) => a.name, update.removedAcls);
  upsert(config.securityGroups, update.securityGroups, (s) => s.uuid, update.removedSecurityGroups);
}

function upsert<T>(map: Map<string, T>, items: readonly T[], key: (item: T) => string, removed: readonly string[]): void {
  for (const item of items) map.set(key(item), item);
  for (const name of removed) map.delete(name);
}

/** The VRFs the config asks the agent to hold: those it lists and those of its interfaces. */
export function configVrfs(config: AgentConfig): Set<string> {
  const vrfs = new Set(config.vrfs.keys());
  for (const i of config.interfaces.values()) if (i.vrf) vrfs.add(i.vrf);
  return vrfs;
}
