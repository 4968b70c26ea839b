import { canonicalIpAddress, canonicalJson, findProperty, resourceType } from '#libs/domain';
import type { DesiredObject } from '../mapping/desired-object.js';
import type { ActualObject } from './actual-object.js';

/** Whole fields the controller fills in (§5: ids, MACs, the allocated subnet): never compared. */
const FILLED_BY_CONTROLLER: Readonly<Record<string, ReadonlySet<string>>> = {
  'virtual-network': new Set(['virtual_network_network_id']),
  'security-group': new Set(['security_group_id']),
  'virtual-machine-interface': new Set(['virtual_machine_interface_mac_addresses']),
  'instance-ip': new Set(['subnet_uuid', 'instance_ip_family']),
};

/** What the controller completes in each subnet (IpamSubnetType) it is given. */
const FILLED_IN_SUBNETS = ['subnet_uuid', 'default_gateway', 'dns_server_address', 'enable_dhcp', 'created', 'last_modified'];

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The fields of `desired.body` whose value differs from `actual`'s (§5: only the fields the kubemanager manages).
 * Values compare canonically: key order, null versus absent, KeyValuePairs order and address spelling do not
 * count; refs compare as sets of (target fq_name, attr), since Contrail keeps one ref per target. Fields the
 * controller fills — instance_ip_address when desired names none, MACs, ids, subnet uuids and gateways — never count.
 */
export function changedFields(desired: DesiredObject, actual: ActualObject): string[] {
  const filled = FILLED_BY_CONTROLLER[desired.type];
  const changed: string[] = [];
  for (const [field, wanted] of Object.entries(desired.body)) {
    if (filled?.has(field)) continue;
    if (field === 'instance_ip_address' && (wanted === undefined || wanted === null)) continue;
    const have = actual.body[field];
    const same = isRefField(field)
      ? refSetOf(desired.type, field, wanted) === refSetOf(desired.type, field, have)
      : canonicalProperty(desired.type, field, wanted) === canonicalProperty(desired.type, field, have);
    if (!same) changed.push(field);
  }
  return changed;
}

export const isRefField = (field: string): boolean => field.endsWith('_refs') && !field.endsWith('_back_refs');

/** A ref list as a canonical set: each ref by target fq_name (or uuid when it names none) and attr, sorted. */
function refSetOf(type: string, field: string, refs: unknown): string {
  if (!Array.isArray(refs)) return '[]';
  const items = refs.map((ref: unknown) => {
    const { to, uuid, attr } = (isObject(ref) ? ref : {}) as { to?: unknown; uuid?: unknown; attr?: unknown };
    const target = Array.isArray(to) ? to.join(':') : `uuid:${String(uuid)}`;
    const normalized = withoutNulls(normalizeRefAttr(type, field, attr));
    const attribute = isObject(normalized) && Object.keys(normalized).length === 0 ? undefined : normalized;
    return canonicalJson({ target, attr: attribute });
  });
  return `[${[...new Set(items)].sort().join(',')}]`;
}

function normalizeRefAttr(type: string, field: string, attr: unknown): unknown {
  if (type === 'virtual-network' && field === 'network_ipam_refs' && isObject(attr) && Array.isArray(attr.ipam_subnets)) {
    return { ...attr, ipam_subnets: attr.ipam_subnets.map(withoutFilledSubnetFields) };
  }
  return attr;
}

function canonicalProperty(type: string, field: string, value: unknown): string {
  return canonicalJson(withoutNulls(normalizeProperty(type, field, value)) ?? null);
}

function normalizeProperty(type: string, field: string, value: unknown): unknown {
  if (type === 'virtual-network' && field === 'virtual_network_properties' && isObject(value)) {
    const { network_id: _filled, ...rest } = value;
    return rest;
  }
  if (type === 'network-ipam' && field === 'ipam_subnets' && isObject(value) && Array.isArray(value.subnets)) {
    return { ...value, subnets: value.subnets.map(withoutFilledSubnetFields) };
  }
  const declared = propertyTypeOf(type, field);
  if (declared === 'KeyValuePairs' && isObject(value) && Array.isArray(value.key_value_pair)) {
    const pairs = [...value.key_value_pair].sort((a, b) => compareText(pairKey(a), pairKey(b)));
    return { ...value, key_value_pair: pairs };
  }
  if (declared === 'IpAddressType' && typeof value === 'string') {
    try {
      return canonicalIpAddress(value);
    } catch {
      return value;
    }
  }
  return value;
}

function withoutFilledSubnetFields(subnet: unknown): unknown {
  if (!isObject(subnet)) return subnet;
  const out: Json = { ...subnet };
  for (const field of FILLED_IN_SUBNETS) delete out[field];
  return out;
}

function propertyTypeOf(type: string, field: string): string | undefined {
  const spec = resourceType(type);
  return spec === undefined ? undefined : findProperty(spec, field)?.type;
}

const pairKey = (pair: unknown): string => (isObject(pair) && typeof pair.key === 'string' ? pair.key : '');

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The value with every null or undefined object member left out (null means "not set" on the wire). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isObject(value)) return value ?? undefined;
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null || item === undefined) continue;
    out[key] = withoutNulls(item);
  }
  return out;
}
