import type { AclConfig, AgentConfig, InterfaceConfig, RouteEntry, SecurityGroupConfig, VirtualRouterConfig, VrfConfig } from '#libs/routing';

/**
 * What control sends an agent, independent of the wire (gRPC here, the XMPP bridge later). Versioned messages are
 * acked; a notice is not part of the acked sequence (version 0).
 */
export type SessionMessage =
  | { version: number; kind: 'config'; update: ConfigDelta }
  | { version: number; kind: 'routes'; updates: RouteEntry[] }
  | { version: number; kind: 'end-of-rib'; vrf: string }
  | { version: 0; kind: 'notice'; code: NoticeCode; message: string };

export type NoticeCode = 'unknown-vrf' | 'not-subscribed' | 'bad-route' | 'bad-request' | 'bad-ack' | 'stale-swept' | 'too-far-behind';

/** A config update: with `full` it replaces everything; otherwise upserts by key and removals. */
export interface ConfigDelta {
  full: boolean;
  position: number;
  virtualRouter: VirtualRouterConfig | undefined;
  interfaces: InterfaceConfig[];
  removedInterfaces: string[];
  vrfs: VrfConfig[];
  removedVrfs: string[];
  acls: AclConfig[];
  removedAcls: string[];
  securityGroups: SecurityGroupConfig[];
  removedSecurityGroups: string[];
}

const EMPTY_CONFIG: Omit<AgentConfig, 'virtualRouter'> = { interfaces: [], vrfs: [], acls: [], securityGroups: [] };

/**
 * The update that takes an agent from `before` (what it was last sent; undefined = nothing) to `after` (undefined:
 * its virtual-router is not configured). Items compare by value, so an unchanged item is not resent.
 */
export function configDelta(before: AgentConfig | undefined, after: AgentConfig | undefined, full: boolean, position: number): ConfigDelta {
  const next = after ?? EMPTY_CONFIG;
  const previous = full || before === undefined ? EMPTY_CONFIG : before;
  const interfaces = diffByKey(previous.interfaces, next.interfaces, (i) => i.uuid);
  const vrfs = diffByKey(previous.vrfs, next.vrfs, (v) => v.name);
  const acls = diffByKey(previous.acls, next.acls, (a) => a.name);
  const securityGroups = diffByKey(previous.securityGroups, next.securityGroups, (g) => g.uuid);
  return {
    full: full || before === undefined,
    position,
    virtualRouter: after?.virtualRouter,
    interfaces: interfaces.upserted,
    removedInterfaces: interfaces.removed,
    vrfs: vrfs.upserted,
    removedVrfs: vrfs.removed,
    acls: acls.upserted,
    removedAcls: acls.removed,
    securityGroups: securityGroups.upserted,
    removedSecurityGroups: securityGroups.removed,
  };
}

/** True when the delta carries nothing (a non-full update with no item and the same virtual-router). */
export function isEmptyDelta(delta: ConfigDelta, before: AgentConfig | undefined): boolean {
  return (
    !delta.full &&
    delta.interfaces.length + delta.removedInterfaces.length + delta.vrfs.length + delta.removedVrfs.length === 0 &&
    delta.acls.length + delta.removedAcls.length + delta.securityGroups.length + delta.removedSecurityGroups.length === 0 &&
    JSON.stringify(delta.virtualRouter) === JSON.stringify(before?.virtualRouter)
  );
}

function diffByKey<T>(before: readonly T[], after: readonly T[], key: (item: T) => string): { upserted: T[]; removed: string[] } {
  const old = new Map(before.map((item) => [key(item), JSON.stringify(item)]));
  const upserted = after.filter((item) => old.get(key(item)) !== JSON.stringify(item));
  const kept = new Set(after.map(key));
  const removed = [...old.keys()].filter((k) => !kept.has(k));
  return { upserted, removed };
}
