import type { JsonValue } from '#libs/event-store';
import { VIRTUAL_NETWORK_ID_POOL } from '../../allocation/id-ranges.js';
import { checkSubnetsDoNotOverlap } from '../../allocation/overlap.js';
import { isInSystemRange, parseRouteTarget, systemRouteTargetRange } from '../../allocation/route-target.js';
import { planSubnet, type IpamSubnetInput } from '../../allocation/subnet-plan.js';
import { ConfigError, badRequest, conflict } from '../config-error.js';
import type { Allocation, RefEntry } from '../config-object.js';
import { allocateNumber, releaseAllocation, type ObjectDraft, type RuleContext, type TypeRules } from '../type-rules.js';
import { checked } from './checked.js';
import { globalAsn } from './global-asn.js';

type Json = Record<string, JsonValue>;

/**
 * virtual-network (spec §3): subnets checked and completed (gateway, DNS, subnet_uuid), no overlaps across the
 * VN; a VN id from 1..2^24-1; a user VXLAN id reserved in the same pool (so VNI auto = VN id never clashes); a
 * system route-target number from 8,000,000; user route targets outside the system range.
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
    const kept = new Map<string, string>();
    for (const subnet of subnetsOf(previous.refs['network-ipam'] ?? [])) {
      if (subnet.subnet_uuid) kept.set(subnetKey(subnet), subnet.subnet_uuid);
    }
    completeSubnets(draft, ctx, kept);
    const remaining = new Set(subnetsOf(draft.refs['network-ipam'] ?? []).map((s) => s.subnet_uuid));
    for (const uuid of kept.values()) {
      const used = ctx.state.addressesInUse(uuid).size;
      if (!remaining.has(uuid) && used > 0) {
        throw conflict(`subnet ${uuid} of ${previous.fq_name.join(':')} cannot be removed: ${used} addresses are still allocated in it`);
      }
    }
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

interface StoredSubnet extends IpamSubnetInput {
  subnet_uuid?: string | null;
}

function subnetsOf(refs: readonly RefEntry[]): StoredSubnet[] {
  return refs.flatMap((ref) => {
    const list = (ref.attr as { ipam_subnets?: unknown } | null)?.ipam_subnets;
    return Array.isArray(list) ? (list as unknown as StoredSubnet[]) : [];
  });
}

const subnetKey = (s: StoredSubnet) => `${s.subnet.ip_prefix}/${s.subnet.ip_prefix_len}`;

/**
 * Checks every subnet of the draft, fills the system fields Contrail fills (default_gateway, dns_server_address,
 * subnet_uuid), keeps the uuid of a subnet that stays, and refuses overlaps. Rewrites the refs' attrs in place.
 */
function completeSubnets(draft: ObjectDraft, ctx: RuleContext, kept: Map<string, string>): void {
  const refs = draft.refs['network-ipam'];
  // No IPAM refs: leave the ref set absent (not an empty list GET would show).
  if (refs === undefined) return;
  const seen: Array<{ cidr: ReturnType<typeof planSubnet>['cidr']; field: string }> = [];
  draft.refs['network-ipam'] = refs.map((ref, r) => {
    const attr = (ref.attr ?? null) as Json | null;
    const list = attr?.ipam_subnets;
    if (!Array.isArray(list)) return ref;
    const completed = list.map((raw, i) => {
      const field = `network_ipam_refs[${r}].attr.ipam_subnets[${i}]`;
      const subnet = raw as unknown as StoredSubnet;
      if (!subnet || typeof subnet !== 'object' || !subnet.subnet) throw badRequest(`${field}.subnet is required`, `${field}.subnet`);
      const plan = checked(() => planSubnet(subnet, field));
      seen.push({ cidr: plan.cidr, field: `${field}.subnet` });
      return {
        ...(raw as Json),
        default_gateway: plan.defaultGateway,
        dns_server_address: plan.dnsServerAddress,
        enable_dhcp: plan.enableDhcp,
        subnet_uuid: kept.get(subnetKey(subnet)) ?? ctx.command.newUuid(),
      } as JsonValue;
    });
    return { uuid: ref.uuid, attr: { ...attr, ipam_subnets: completed } };
  });
  checked(() => checkSubnetsDoNotOverlap(seen));
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
