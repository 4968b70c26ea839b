import { AllocationError } from '../../allocation/allocation-error.js';
import { formatIpAddress, parseIpAddress } from '../../allocation/ip-address.js';
import { checkRequestedAddress, nextFreeAddress, type AllocationCursor } from '../../allocation/ip-allocator.js';
import { planSubnet, type SubnetPlan } from '../../allocation/subnet-plan.js';
import { ConfigError, badRequest, conflict } from '../config-error.js';
import type { ConfigObject } from '../config-object.js';
import type { ConfigView } from '../config-state.js';
import { allocateAddress, type RuleContext, type TypeRules } from '../type-rules.js';
import { checked } from './checked.js';
import { networkSubnets } from './ipam-subnets.js';

/**
 * instance-ip (spec §1.2, KM pod ports): an address of its virtual network, the one asked for (instance_ip_address)
 * or the next free one of the chosen subnet (subnet_uuid) or of the first subnet of its family with room. A
 * network's subnets include those of the flat-subnet IPAMs it links to (spec §4.2), whose pools every VN on the
 * IPAM shares: an address is filed under its subnet's uuid, whichever VN took it. The address and the subnet are
 * then fixed for the object's life.
 */
export const instanceIpRules: TypeRules = {
  create(draft, ctx) {
    const vnRef = draft.refs['virtual-network']?.[0];
    if (!vnRef) throw badRequest('an instance-ip needs virtual_network_refs naming the network to take its address from', 'virtual_network_refs');
    const network = ctx.state.get(vnRef.uuid)!;
    const family = draft.props.instance_ip_family === 'v6' ? 'v6' : 'v4';
    const requested = typeof draft.props.instance_ip_address === 'string' ? draft.props.instance_ip_address : undefined;
    const wantedSubnet = typeof draft.props.subnet_uuid === 'string' ? draft.props.subnet_uuid : undefined;
    const mode = requested || wantedSubnet ? 'requested' : allocationModeOf(network);
    const subnets = subnetPlans(network, ctx.state, mode).filter((s) =>
      wantedSubnet ? s.uuid === wantedSubnet : s.plan.cidr.family === (requested ? parseFamily(requested) : family),
    );
    if (subnets.length === 0) {
      throw badRequest(
        wantedSubnet
          ? `subnet ${wantedSubnet} is not a subnet of virtual-network ${network.fq_name.join(':')}`
          : `virtual-network ${network.fq_name.join(':')} has no IP${requested ? parseFamily(requested) : family} subnet` +
              (mode !== 'requested' && network.props.address_allocation_mode ? ` to allocate from with address_allocation_mode ${mode}` : ''),
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

/** `AddressAllocationModeType`; a VN that names none is `user-defined-subnet-preferred` (tf-controller `vnc_addr_mgmt.py`). */
type AllocationMode = 'user-defined-subnet-preferred' | 'user-defined-subnet-only' | 'flat-subnet-preferred' | 'flat-subnet-only';

function allocationModeOf(network: ConfigObject): AllocationMode {
  const mode = network.props.address_allocation_mode;
  return typeof mode === 'string' ? (mode as AllocationMode) : 'user-defined-subnet-preferred';
}

/**
 * The subnets a network allocates from, in the order they are tried, with their plans: its own subnets (on its
 * IPAM links) and those of the flat-subnet IPAMs it links to, whose address pools it shares with every other VN
 * on them. As tf-controller `vnc_addr_mgmt.py` `ip_alloc_req`: an allocation of any free address follows the
 * VN's address_allocation_mode (`*-only`: one kind, `*-preferred`: that kind first); a requested address or
 * subnet is looked for in the flat subnets, then the VN's own.
 */
export function subnetPlans(network: ConfigObject, state: ConfigView, mode: AllocationMode | 'requested'): PlannedSubnet[] {
  const all = networkSubnets(network.refs['network-ipam'] ?? [], state).filter((s) => s.subnet.subnet_uuid);
  const user = all.filter((s) => s.kind === 'user');
  const flat = all.filter((s) => s.kind === 'flat');
  return inModeOrder(mode, user, flat).map((s) => ({ uuid: s.subnet.subnet_uuid!, plan: planSubnet(s.subnet) }));
}

function inModeOrder<T>(mode: AllocationMode | 'requested', user: T[], flat: T[]): T[] {
  switch (mode) {
    case 'flat-subnet-only':
      return flat;
    case 'user-defined-subnet-only':
      return user;
    case 'flat-subnet-preferred':
    case 'requested':
      return [...flat, ...user];
    case 'user-defined-subnet-preferred':
      return [...user, ...flat];
    default: {
      const unknown: never = mode;
      throw new Error(`unknown address_allocation_mode ${String(unknown)}`);
    }
  }
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

