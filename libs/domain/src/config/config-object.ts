import type { JsonValue } from '#libs/event-store';

/** One outgoing reference, as the log keeps it: the target's uuid and the link's attribute data. */
export interface RefEntry {
  uuid: string;
  attr: JsonValue | null;
}

/** A resource of the config model as the fold of its stream (spec §1.1). */
export interface ConfigObject {
  type: string;
  uuid: string;
  fq_name: string[];
  parent_type?: string;
  parent_uuid?: string;
  /** Every property the client set or the system filled in, by its JSON key (`virtual_network_properties`). */
  props: Record<string, JsonValue>;
  /** Outgoing refs by target type (`network-ipam`), in the order given. */
  refs: Record<string, RefEntry[]>;
  /** Numbers and addresses the system allocated for it, released with it. */
  allocations: Allocation[];
  created: string;
  last_modified: string;
  /** Revision of the resource's own stream: the ETag. */
  revision: number;
}

/**
 * A copy of an object that later applies to a ConfigState will not change: the fold replaces property values, ref
 * lists, fq_name and allocations whole and never edits them in place, so those are shared. The copy is not frozen.
 */
export function copyConfigObject(object: ConfigObject): ConfigObject {
  return { ...object, props: { ...object.props }, refs: { ...object.refs } };
}

/** A number or address held by an object, by the pool it came from. */
export type Allocation =
  | { kind: 'number'; pool: NumberPoolName; number: number }
  | { kind: 'address'; subnet_uuid: string; address: string };

/** The integer pools of the config plane (DESIGN §3). */
export type NumberPoolName = 'vn-id' | 'route-target' | 'security-group-id';

/** Stream names: one per resource, one per fq_name reservation, one per pool (DESIGN §3). */
export const streams = {
  resource: (type: string, uuid: string) => `${type}-${uuid}`,
  fqName: (type: string, fqName: string[]) => `fqname-${type}-${fqName.join(':')}`,
  numberPool: (pool: NumberPoolName) => `pool-${pool}`,
  addressPool: (subnetUuid: string) => `pool-ipam-${subnetUuid}`,
};
