import type { JsonValue } from '#libs/event-store';
import type { SubnetInRequest } from '../../allocation/overlap.js';
import { planSubnet, type IpamSubnetInput } from '../../allocation/subnet-plan.js';
import { badRequest } from '../config-error.js';
import type { ConfigObject, RefEntry } from '../config-object.js';
import type { ConfigView } from '../config-state.js';
import { checked } from './checked.js';

/*
 * The two places an `IpamSubnetType` lives (spec §1.2): on a virtual network's link to an IPAM
 * (`network_ipam_refs[].attr.ipam_subnets`, the VN's own "user-defined" subnets), and on a flat-subnet IPAM
 * (`ipam_subnets.subnets`, one pool shared by every VN that links to the IPAM with no subnets: spec §4.2,
 * kube-manager's `k8s-pod-ipam`). Both are checked and completed the same way.
 */

type Json = Record<string, JsonValue>;

/** An `IpamSubnetType` entry as stored: what the client gave plus what the system filled in. */
export interface StoredSubnet extends IpamSubnetInput {
  subnet_uuid?: string | null;
}

/** `SubnetMethodType`; an IPAM that names none is `user-defined-subnet` (tf-controller `network_ipam.py`). */
export type SubnetMethod = 'user-defined-subnet' | 'flat-subnet' | 'auto-subnet';

export function subnetMethodOf(ipam: Pick<ConfigObject, 'props'>): SubnetMethod {
  const method = ipam.props.ipam_subnet_method;
  return typeof method === 'string' ? (method as SubnetMethod) : 'user-defined-subnet';
}

export function isFlatIpam(ipam: Pick<ConfigObject, 'props'> | undefined): ipam is ConfigObject {
  return ipam !== undefined && subnetMethodOf(ipam) === 'flat-subnet';
}

/**
 * A flat-subnet IPAM's subnets that addresses can come from: those the IPAM rules completed (they carry a
 * subnet_uuid, the key of their address pool).
 */
export function flatSubnetsOf(ipam: Pick<ConfigObject, 'props'>): StoredSubnet[] {
  const list = (ipam.props.ipam_subnets as { subnets?: JsonValue } | undefined)?.subnets;
  if (!Array.isArray(list)) return [];
  return (list as unknown as Array<StoredSubnet | null>).filter((s): s is StoredSubnet => isSubnet(s) && typeof s.subnet_uuid === 'string');
}

/** The subnets a VN's link to an IPAM carries (entries without an ip_prefix, as Contrail echoes on flat links, skipped). */
export function linkSubnetsOf(ref: RefEntry): StoredSubnet[] {
  const list = (ref.attr as { ipam_subnets?: JsonValue } | null)?.ipam_subnets;
  if (!Array.isArray(list)) return [];
  return (list as unknown as Array<StoredSubnet | null>).filter(isSubnet);
}

function isSubnet(entry: StoredSubnet | null): entry is StoredSubnet {
  return entry !== null && typeof entry === 'object' && typeof entry.subnet?.ip_prefix === 'string';
}

/** The key a subnet keeps its uuid under across an update: `ip_prefix/ip_prefix_len`. */
export const subnetKey = (s: StoredSubnet) => `${s.subnet.ip_prefix}/${s.subnet.ip_prefix_len}`;

/** One subnet a virtual network has, and where it is defined. */
export interface NetworkSubnet {
  subnet: StoredSubnet;
  /** `user`: on the VN's link, the VN's alone; `flat`: the IPAM's own, shared by every VN linked to it. */
  kind: 'user' | 'flat';
  /** Index of the link in the VN's network_ipam_refs. */
  ref: number;
  ipam: string;
}

/**
 * Every subnet of a VN with these IPAM links, in link order: a link to a flat-subnet IPAM stands for the IPAM's
 * subnets (it carries none of its own: the VN rules refuse that), any other link for the subnets it carries.
 */
export function networkSubnets(refs: readonly RefEntry[], state: ConfigView): NetworkSubnet[] {
  return refs.flatMap((ref, r) => {
    const ipam = state.get(ref.uuid);
    const kind = isFlatIpam(ipam) ? 'flat' : 'user';
    const subnets = kind === 'flat' ? flatSubnetsOf(ipam!) : linkSubnetsOf(ref);
    return subnets.map((subnet) => ({ subnet, kind, ref: r, ipam: ref.uuid }));
  });
}

/**
 * Checks each subnet of a list and fills the fields Contrail fills (default_gateway, dns_server_address,
 * enable_dhcp, subnet_uuid): a subnet whose `ip_prefix/ip_prefix_len` is in `kept` keeps that uuid, any other
 * gets a new one. `at` is the list's path in the request (`ipam_subnets.subnets`); each subnet is added to
 * `seen` for the caller's overlap check.
 */
export function completeSubnetList(
  list: readonly JsonValue[],
  at: string,
  kept: ReadonlyMap<string, string>,
  newUuid: () => string,
  seen: SubnetInRequest[],
): JsonValue[] {
  return list.map((raw, i) => {
    const field = `${at}[${i}]`;
    const subnet = raw as unknown as StoredSubnet | null;
    if (!subnet || typeof subnet !== 'object' || !subnet.subnet) throw badRequest(`${field}.subnet is required`, `${field}.subnet`);
    const plan = checked(() => planSubnet(subnet, field));
    seen.push({ cidr: plan.cidr, field: `${field}.subnet` });
    return {
      ...(raw as Json),
      default_gateway: plan.defaultGateway,
      dns_server_address: plan.dnsServerAddress,
      enable_dhcp: plan.enableDhcp,
      subnet_uuid: kept.get(subnetKey(subnet)) ?? newUuid(),
    } as JsonValue;
  });
}
