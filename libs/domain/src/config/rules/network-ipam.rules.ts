import type { JsonValue } from '#libs/event-store';
import { formatCidr, overlaps, type Cidr } from '../../allocation/ip-address.js';
import { checkSubnetsDoNotOverlap, type SubnetInRequest } from '../../allocation/overlap.js';
import { planSubnet } from '../../allocation/subnet-plan.js';
import { badRequest, conflict } from '../config-error.js';
import type { ConfigObject } from '../config-object.js';
import type { ObjectDraft, RuleContext, TypeRules } from '../type-rules.js';
import { checked } from './checked.js';
import { completeSubnetList, flatSubnetsOf, networkSubnets, subnetKey, subnetMethodOf } from './ipam-subnets.js';

const SUBNETS_AT = 'ipam_subnets.subnets';

/**
 * network-ipam (spec §1.2, §4.2; tf-controller `resources/network_ipam.py`): only a flat-subnet IPAM holds
 * subnets of its own. They are checked and completed as a VN's are (valid, no overlap, gateway, DNS address,
 * subnet_uuid), and every VN linked to the IPAM without subnets allocates from them, so they form one pool
 * shared by those VNs. The method is fixed at create; the subnets may change, but a subnet still holding
 * addresses cannot go.
 */
export const networkIpamRules: TypeRules = {
  create(draft, ctx) {
    if (subnetMethodOf(draft) !== 'flat-subnet') {
      refuseSubnets(draft);
      return;
    }
    completeFlatSubnets(draft, ctx, new Map());
  },

  update(draft, previous, ctx) {
    const method = subnetMethodOf(previous);
    if (subnetMethodOf(draft) !== method) {
      throw badRequest(`ipam_subnet_method of network-ipam ${previous.fq_name.join(':')} is fixed at create (${method})`, 'ipam_subnet_method');
    }
    if (method !== 'flat-subnet') {
      // An IPAM stored with subnets before this rule existed keeps them; it may drop them, not change them.
      if (draft.props.ipam_subnets !== undefined && JSON.stringify(draft.props.ipam_subnets) !== JSON.stringify(previous.props.ipam_subnets)) refuseSubnets(draft);
      return;
    }
    const kept = new Map(flatSubnetsOf(previous).map((s) => [subnetKey(s), s.subnet_uuid!]));
    const own = completeFlatSubnets(draft, ctx, kept);
    if (JSON.stringify(draft.props.ipam_subnets) === JSON.stringify(previous.props.ipam_subnets)) return;
    refuseRemovingUsedSubnets(draft, previous, kept, ctx);
    refuseOverlapWithNetworks(draft, own, ctx);
  },
};

function refuseSubnets(draft: ObjectDraft): void {
  if (draft.props.ipam_subnets === undefined) return;
  throw badRequest(
    `network-ipam ${draft.fq_name.join(':')}: ipam_subnets are allowed only with ipam_subnet_method flat-subnet (it is ${subnetMethodOf(draft)}); ` +
      'a user-defined-subnet IPAM takes its subnets on each virtual network link',
    'ipam_subnets',
  );
}

/** Completes `ipam_subnets.subnets` in place and refuses overlaps among them; returns them with their fields. */
function completeFlatSubnets(draft: ObjectDraft, ctx: RuleContext, kept: ReadonlyMap<string, string>): SubnetInRequest[] {
  const value = draft.props.ipam_subnets as Record<string, JsonValue> | undefined;
  const list = value?.subnets;
  if (!Array.isArray(list)) return [];
  const seen: SubnetInRequest[] = [];
  draft.props.ipam_subnets = { ...value, subnets: completeSubnetList(list, SUBNETS_AT, kept, ctx.command.newUuid, seen) };
  checked(() => checkSubnetsDoNotOverlap(seen));
  return seen;
}

/** As for a VN's subnets: a subnet that goes must hold no address, whichever VN took it. */
function refuseRemovingUsedSubnets(draft: ObjectDraft, previous: ConfigObject, kept: ReadonlyMap<string, string>, ctx: RuleContext): void {
  const remaining = new Set(flatSubnetsOf(draft).map((s) => s.subnet_uuid));
  for (const [name, uuid] of kept) {
    if (remaining.has(uuid)) continue;
    // The values include allocations still being appended (SpeculativeState), not only committed ones.
    const used = ctx.state.addressValuesInUse(uuid).size;
    if (used > 0) {
      throw conflict(`subnet ${name} (${uuid}) of network-ipam ${previous.fq_name.join(':')} cannot be removed: ${used} addresses are still allocated in it`);
    }
  }
}

/**
 * A VN's subnets must not overlap (tf-controller `network_ipam.py` pre_dbe_update): new flat subnets are checked
 * against the other subnets of every VN linked to this IPAM. Different VNs may overlap each other.
 */
function refuseOverlapWithNetworks(draft: ObjectDraft, own: readonly SubnetInRequest[], ctx: RuleContext): void {
  if (own.length === 0) return;
  for (const network of ctx.state.backRefs(draft.uuid)) {
    if (network.type !== 'virtual-network') continue;
    const others = networkSubnets(network.refs['network-ipam'] ?? [], ctx.state).filter((s) => s.ipam !== draft.uuid);
    for (const other of others) {
      const cidr: Cidr = checked(() => planSubnet(other.subnet)).cidr;
      const clash = own.find((s) => overlaps(s.cidr, cidr));
      if (clash) {
        throw badRequest(
          `${clash.field}: subnet ${formatCidr(clash.cidr)} overlaps subnet ${formatCidr(cidr)} of virtual-network ${network.fq_name.join(':')}, which is linked to this IPAM`,
          clash.field,
        );
      }
    }
  }
}
