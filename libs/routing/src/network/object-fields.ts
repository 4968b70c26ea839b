import type { ConfigObject } from '#libs/domain';

/*
 * Reading stored config values defensively: the log holds what clients wrote (validated, yet optional parts may be
 * missing or null), and the model must never throw on a shape it did not expect.
 */

export const Types = {
  globalSystemConfig: 'global-system-config',
  virtualNetwork: 'virtual-network',
  networkPolicy: 'network-policy',
  virtualNetworkRouter: 'virtual-network-router',
  tag: 'tag',
  cluster: 'cluster',
  virtualRouter: 'virtual-router',
  virtualMachine: 'virtual-machine',
  virtualMachineInterface: 'virtual-machine-interface',
  instanceIp: 'instance-ip',
  securityGroup: 'security-group',
} as const;

export type Json = Record<string, unknown>;

export function asRecord(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** An object's fq_name joined with ':'. */
export const fqOf = (object: Pick<ConfigObject, 'fq_name'>): string => object.fq_name.join(':');

/** The last element of the fq_name. */
export const nameOf = (object: Pick<ConfigObject, 'fq_name'>): string => object.fq_name[object.fq_name.length - 1] ?? '';

/** The VRF (default routing instance) name of a VN: fq(VN) + ':' + VN name. */
export const vrfNameOf = (vn: Pick<ConfigObject, 'fq_name'>): string => `${fqOf(vn)}:${nameOf(vn)}`;

/** Uuids of an object's refs to one type, in ref order. */
export function refUuids(object: ConfigObject, type: string): string[] {
  return (object.refs[type] ?? []).map((ref) => ref.uuid);
}

/** The strings of a RouteTargetList property (`{route_target: [...]}`). */
export function routeTargetsOf(object: ConfigObject, property: string): string[] {
  return asList(asRecord(object.props[property])?.route_target).filter((t): t is string => typeof t === 'string');
}

/** A value of a KeyValuePairs property (`{key_value_pair: [{key, value}]}`). */
export function keyValueOf(object: ConfigObject, property: string, key: string): string | undefined {
  for (const pair of asList(asRecord(object.props[property])?.key_value_pair)) {
    const entry = asRecord(pair);
    if (entry?.key === key) return asString(entry.value);
  }
  return undefined;
}

/** Sorted, without duplicates. */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** A fq string as a fq_name: `a:b:c` → ['a', 'b', 'c']. */
export const fqNameOf = (fq: string): string[] => fq.split(':');

/** Deep equality of JSON-like values (what the model computes), stopping at the first difference. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const key of keys) if (!Object.hasOwn(y, key) || !sameJson(x[key], y[key])) return false;
  return true;
}
