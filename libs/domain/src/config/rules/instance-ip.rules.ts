import type { JsonValue } from '#libs/event-store';
import { AllocationError } from '../../allocation/allocation-error.js';
import { formatIpAddress, parseIpAddress } from '../../allocation/ip-address.js';
import { checkRequestedAddress, nextFreeAddress, type AllocationCursor } from '../../allocation/ip-allocator.js';
import { planSubnet, type IpamSubnetInput, type SubnetPlan } from '../../allocation/subnet-plan.js';
import { ConfigError, badRequest, conflict } from '../config-error.js';
import type { ConfigObject } from '../config-object.js';
import type { ConfigView } from '../config-state.js';
import { allocateAddress, type RuleContext, type TypeRules } from '../type-rules.js';
import { checked } from './checked.js';

/**
 * instance-ip (spec §1.2, KM pod ports): an address of its virtual network, the one asked for (instance_ip_address)
 * or the next free one of the chosen subnet (subnet_uuid) or of the first subnet of its family with room. The
 * address and the subnet are then fixed for the object's life.
 */
export const instanceIpRules: TypeRules = {
  create(draft, ctx) {
    const vnRef = draft.refs['virtual-network']?.[0];
    if (!vnRef) throw badRequest('an instance-ip needs virtual_network_refs naming the network to take its address from', 'virtual_network_refs');
    const network = ctx.state.get(vnRef.uuid)!;
    const family = draft.props.instance_ip_family === 'v6' ? 'v6' : 'v4';
    const requested = typeof draft.props.instance_ip_address === 'string' ? draft.props.instance_ip_address : undefined;
    const wantedSubnet = typeof draft.props.subnet_uuid === 'string' ? draft.props.subnet_uuid : undefined;
    const subnets = subnetPlans(network).filter((s) => (wantedSubnet ? s.uuid === wantedSubnet : s.plan.cidr.family === (requested ? parseFamily(requested) : family)));
    if (subnets.length === 0) {
      throw badRequest(
        wantedSubnet
          ? `subnet ${wantedSubnet} is not a subnet of virtual-network ${network.fq_name.join(':')}`
          : `virtual-network ${network.fq_name.join(':')} has no IP${requested ? parseFamily(requested) : family} subnet`,
        wantedSubnet ? 'subnet_uuid' : 'virtual_network_refs',
      );
    }
    const { uuid, address } = requested ? takeRequested(ctx.state, subnets, requested) : takeNext(ctx.state, subnets, network);
    allocateAddress(ctx, draft, uuid, address);
    draft.props.instance_ip_address = address;
    draft.props.subnet_uuid = uuid;
    draft.props.instance_ip_family = parseFamily(address);
  },

  update(draft, previous) {
    for (const key of ['instance_ip_address', 'subnet_uuid', 'instance_ip_family']) {
      if (JSON.stringify(draft.props[key]) !== JSON.stringify(previous.props[key])) {
        throw badRequest(`${key} of instance-ip ${previous.fq_name.join(':')} is fixed at create`, key);
      }
    }
    if (JSON.stringify(draft.refs['virtual-network']) !== JSON.stringify(previous.refs['virtual-network'])) {
      throw badRequest(`the virtual network of instance-ip ${previous.fq_name.join(':')} is fixed at create`, 'virtual_network_refs');
    }
  },
};

interface PlannedSubnet {
  uuid: string;
  plan: SubnetPlan;
}

/** The subnets of a network, in the order of its IPAM refs, with their plans. */
export function subnetPlans(network: ConfigObject): PlannedSubnet[] {
  return (network.refs['network-ipam'] ?? []).flatMap((ref) => {
    const list = (ref.attr as { ipam_subnets?: JsonValue } | null)?.ipam_subnets;
    if (!Array.isArray(list)) return [];
    return list.flatMap((raw) => {
      const subnet = raw as unknown as IpamSubnetInput & { subnet_uuid?: string };
      return subnet.subnet_uuid ? [{ uuid: subnet.subnet_uuid, plan: planSubnet(subnet) }] : [];
    });
  });
}

function parseFamily(address: string): 'v4' | 'v6' {
  return checked(() => parseIpAddress(address)).family;
}

function takeRequested(state: ConfigView, subnets: PlannedSubnet[], requested: string): { uuid: string; address: string } {
  const value = checked(() => parseIpAddress(requested)).value;
  const subnet = subnets.find((s) => value >= s.plan.cidr.first && value <= s.plan.cidr.last);
  if (!subnet) throw badRequest(`instance_ip_address ${requested} is in none of the network's subnets`, 'instance_ip_address');
  const taken = checked(() => checkRequestedAddress(subnet.plan, state.addressValuesInUse(subnet.uuid), value));
  return { uuid: subnet.uuid, address: formatIpAddress(subnet.plan.cidr.family, taken) };
}

/** Where the last search in each subnet stopped, so the next one starts there (allocation order only). */
const cursors = new WeakMap<ConfigView, Map<string, AllocationCursor>>();

function takeNext(state: ConfigView, subnets: PlannedSubnet[], network: ConfigObject): { uuid: string; address: string } {
  let known = cursors.get(state);
  if (!known) cursors.set(state, (known = new Map()));
  for (const subnet of subnets) {
    const used = state.addressValuesInUse(subnet.uuid);
    try {
      const value = nextFreeAddress(subnet.plan, used, known.get(subnet.uuid) ?? undefined);
      // The next search starts at this address (taken by then, so it moves on): a cursor only orders the search.
      known.set(subnet.uuid, value);
      return { uuid: subnet.uuid, address: formatIpAddress(subnet.plan.cidr.family, value) };
    } catch (error) {
      if (error instanceof AllocationError && error.code === 'EXHAUSTED') continue;
      if (error instanceof AllocationError) throw new ConfigError(error.status, error.message, error.field);
      throw error;
    }
  }
  throw conflict(`virtual-network ${network.fq_name.join(':')} has no free address left in ${subnets.map((s) => s.plan.name).join(', ')}`);
}

