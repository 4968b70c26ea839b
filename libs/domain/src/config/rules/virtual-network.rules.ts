import type { JsonValue } from '#libs/event-store';
import { VIRTUAL_NETWORK_ID_POOL } from '../../allocation/id-ranges.js';
import { isInSystemRange, parseRouteTarget, systemRouteTargetRange } from '../../allocation/route-target.js';
import { checkSubnetsDoNotOverlap, type SubnetInRequest } from '../../allocation/overlap.js';
import { planSubnet } from '../../allocation/subnet-plan.js';
import { ConfigError, badRequest, conflict } from '../config-error.js';
import type { Allocation, ConfigObject, RefEntry } from '../config-object.js';
import { allocateNumber, releaseAllocation, type ObjectDraft, type RuleContext, type TypeRules } from '../type-rules.js';
import { checked } from './checked.js';
import { globalAsn } from './global-asn.js';
import { completeSubnetList, flatSubnetsOf, isFlatIpam, networkSubnets, subnetKey, type NetworkSubnet } from './ipam-subnets.js';

type Json = Record<string, JsonValue>;

/**
 * virtual-network (spec §3): subnets checked and completed (gateway, DNS, subnet_uuid), no overlaps across the
 * VN, none carried on a link to a flat-subnet IPAM (spec §4.2: such a VN takes the IPAM's subnets); a VN id from
 * 1..2^24-1; a user VXLAN id reserved in the same pool (so VNI auto = VN id never clashes); a system route-target
 * number from 8,000,000; user route targets outside the system range.
 */
export const virtualNetworkRules: TypeRules = {
  create(draft, ctx) {
    completeSubnets(draft, ctx, new Map());
    checkUserRouteTargets(draft, ctx);
    const id = allocateNumber(ctx, draft, 'vn-id', VIRTUAL_NETWORK_ID_POOL);
    const vni = userVni(draft);
    if (vni !== undefined) allocateNumber(ctx, draft, 'vn-id', VIRTUAL_NETWORK_ID_POOL, vni);
    const range = systemRouteTargetRange(globalAsn(ctx.state));
    allocateNumber(ctx, draft, 'route-target', { min: range.start, max: range.end });
    draft.props.virtual_network_network_id = id;
    draft.props.virtual_network_properties = { ...properties(draft), network_id: id };
  },

  update(draft, previous, ctx) {
    const subnetsBefore = networkSubnets(previous.refs['network-ipam'] ?? [], ctx.state);
    const kept = new Map<string, string>();
    for (const { kind, subnet } of subnetsBefore) if (kind === 'user' && subnet.subnet_uuid) kept.set(subnetKey(subnet), subnet.subnet_uuid);
    completeSubnets(draft, ctx, kept);
    refuseRemovingUsedSubnets(subnetsBefore, networkSubnets(draft.refs['network-ipam'] ?? [], ctx.state), previous, ctx);
    checkUserRouteTargets(draft, ctx);
    const id = previous.props.virtual_network_network_id as number;
    draft.props.virtual_network_network_id = id;
    const before = userVni({ ...draft, props: previous.props });
    const after = userVni(draft);
    if (before !== after) {
      const held = draft.allocations.find((a): a is Allocation & { kind: 'number' } => a.kind === 'number' && a.pool === 'vn-id' && a.number === before);
      if (held) releaseAllocation(ctx, draft, held);
      if (after !== undefined) allocateNumber(ctx, draft, 'vn-id', VIRTUAL_NETWORK_ID_POOL, after);
    }
    draft.props.virtual_network_properties = { ...properties(draft), network_id: id };
  },
};

function properties(draft: Pick<ObjectDraft, 'props'>): Json {
  const value = draft.props.virtual_network_properties;
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function userVni(draft: Pick<ObjectDraft, 'props'>): number | undefined {
  const vni = properties(draft).vxlan_network_identifier;
  return typeof vni === 'number' ? vni : undefined;
}

/**
 * Checks every subnet the VN's links carry, fills the system fields Contrail fills (default_gateway,
 * dns_server_address, subnet_uuid), keeps the uuid of a subnet that stays, and refuses overlaps among them and
 * with the subnets of the flat-subnet IPAMs it links to. A link to a flat-subnet IPAM carries no subnet of its
 * own (tf-controller `virtual_network.py` `_check_ipam_network_subnets`: "with flat-subnet, network can not have
 * user-defined subnet"); whatever else it carries is kept as given. Rewrites the refs' attrs in place.
 */
function completeSubnets(draft: ObjectDraft, ctx: RuleContext, kept: Map<string, string>): void {
  const refs = draft.refs['network-ipam'];
  // No IPAM refs: leave the ref set absent (not an empty list GET would show).
  if (refs === undefined) return;
  const seen: SubnetInRequest[] = [];
  draft.refs['network-ipam'] = refs.map((ref, r) => {
    const at = `network_ipam_refs[${r}].attr.ipam_subnets`;
    const attr = (ref.attr ?? null) as Json | null;
    const list = attr?.ipam_subnets;
    const ipam = ctx.state.get(ref.uuid);
    if (isFlatIpam(ipam)) {
      refuseLinkSubnets(ref, at, ipam);
      for (const subnet of flatSubnetsOf(ipam)) seen.push({ cidr: checked(() => planSubnet(subnet)).cidr, field: `network_ipam_refs[${r}]` });
      return ref;
    }
    if (!Array.isArray(list)) return ref;
    return { uuid: ref.uuid, attr: { ...attr, ipam_subnets: completeSubnetList(list, at, kept, ctx.command.newUuid, seen) } };
  });
  checked(() => checkSubnetsDoNotOverlap(seen));
}

function refuseLinkSubnets(ref: RefEntry, at: string, ipam: ConfigObject): void {
  const list = (ref.attr as { ipam_subnets?: JsonValue } | null)?.ipam_subnets;
  if (!Array.isArray(list)) return;
  list.forEach((entry, i) => {
    const prefix = (entry as { subnet?: { ip_prefix?: JsonValue } | null } | null)?.subnet?.ip_prefix;
    if (prefix === undefined || prefix === null) return;
    throw badRequest(
      `${at}[${i}].subnet: network-ipam ${ipam.fq_name.join(':')} is flat-subnet: a network linked to it takes addresses from the ` +
        "IPAM's own subnets and cannot carry subnets of its own on the link (leave attr empty, or ipam_subnets [])",
      `${at}[${i}].subnet`,
    );
  });
}

/**
 * A subnet that goes must hold no address: the VN's own subnets none at all, a flat-subnet IPAM the VN unlinks
 * none taken by the VN's instance-ips (the other VNs on that IPAM keep theirs).
 */
function refuseRemovingUsedSubnets(before: NetworkSubnet[], after: NetworkSubnet[], previous: ConfigObject, ctx: RuleContext): void {
  const remaining = new Set(after.map((s) => s.subnet.subnet_uuid));
  const name = previous.fq_name.join(':');
  for (const { kind, subnet, ipam } of before) {
    const uuid = subnet.subnet_uuid;
    if (!uuid || remaining.has(uuid)) continue;
    if (kind === 'user') {
      const used = ctx.state.addressesInUse(uuid).size;
      if (used > 0) throw conflict(`subnet ${uuid} of ${name} cannot be removed: ${used} addresses are still allocated in it`);
      continue;
    }
    const holders = ctx.state.backRefs(previous.uuid).filter((o) => o.type === 'instance-ip' && o.props.subnet_uuid === uuid);
    if (holders.length > 0) {
      const ipamName = ctx.state.get(ipam)?.fq_name.join(':') ?? ipam;
      throw conflict(
        `network-ipam ${ipamName} cannot be unlinked from ${name}: ${holders.length} of its instance-ips hold addresses in the IPAM's ` +
          `subnet ${subnetKey(subnet)} (${holders.map((o) => o.fq_name.join(':')).join(', ')})`,
      );
    }
  }
}

/** User route targets must parse, and those with the global ASN must stay below the system range. */
function checkUserRouteTargets(draft: ObjectDraft, ctx: RuleContext): void {
  const asn = globalAsn(ctx.state);
  for (const key of ['route_target_list', 'import_route_target_list', 'export_route_target_list']) {
    const list = (draft.props[key] as { route_target?: unknown } | undefined)?.route_target;
    if (!Array.isArray(list)) continue;
    list.forEach((text, i) => {
      const field = `${key}.route_target[${i}]`;
      if (typeof text !== 'string') throw badRequest(`${field} must be a string target:<asn>:<n>`, field);
      const rt = checked(() => parseRouteTarget(text, field));
      if (isInSystemRange(rt, asn)) {
        throw new ConfigError(400, `${field}: ${text} is in the range the system allocates for ASN ${asn}; use a number below ${systemRouteTargetRange(asn).start}`, field);
      }
    });
  }
}
