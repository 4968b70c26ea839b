/**
 * The allocatable plan of one `IpamSubnetType` (spec §1.2), computed the way Contrail's address manager does
 * (tf-controller `vnc_addr_mgmt.py`, `Subnet.__init__` and `net_check_subnet`).
 */
import { AllocationError } from './allocation-error.js';
import {
  ADDRESS_BITS,
  AddressFormatError,
  formatCidr,
  formatIpAddress,
  parseCidr,
  parseIpAddress,
  parsePrefixLength,
  type Cidr,
  type IpAddress,
} from './ip-address.js';

/** The fields of `IpamSubnetType` that shape allocation, as they arrive in a request body. */
export interface IpamSubnetInput {
  readonly subnet: { readonly ip_prefix: string; readonly ip_prefix_len: number | string };
  readonly default_gateway?: string | null;
  readonly dns_server_address?: string | null;
  readonly allocation_pools?: readonly AllocationPoolInput[] | null;
  readonly addr_from_start?: boolean | null;
  readonly enable_dhcp?: boolean | null;
  readonly subnet_uuid?: string | null;
  readonly alloc_unit?: number | null;
}

/** `AllocationPoolType`. `vrouter_specific_pool` only matters for flat-subnet IPAMs and is ignored here. */
export interface AllocationPoolInput {
  readonly start: string;
  readonly end: string;
  readonly vrouter_specific_pool?: boolean | null;
}

/** An inclusive range of addresses of the subnet's family. */
export interface AddressRange {
  readonly first: bigint;
  readonly last: bigint;
}

export type ReservedRole = 'network' | 'broadcast' | 'default gateway' | 'DNS server';

export interface SubnetPlan {
  readonly cidr: Cidr;
  /** `ip_prefix/ip_prefix_len`, the key Contrail files a subnet's allocations under. */
  readonly name: string;
  /** `null` when the subnet has no gateway (`0.0.0.0` or `::` was given). */
  readonly gateway: bigint | null;
  readonly dnsServer: bigint | null;
  /** The texts Contrail writes back into the stored `ipam_subnets` entry. */
  readonly defaultGateway: string;
  readonly dnsServerAddress: string;
  /** Addresses of the subnet never handed out, with the reason; the first and last address are always here. */
  readonly reserved: ReadonlyMap<bigint, ReservedRole>;
  /** Sorted, non-overlapping, inside the subnet; the usable range (all but first and last) when none given. */
  readonly pools: readonly AddressRange[];
  /** true: lowest address first; false (Contrail's default): highest first. */
  readonly addrFromStart: boolean;
  readonly enableDhcp: boolean;
  readonly subnetUuid: string | null;
}

/**
 * Validates one subnet and computes its plan. `at` is the path of the subnet in the request, used as the prefix
 * of every error's `field`, e.g. `network_ipam_refs[0].attr.ipam_subnets[2]`.
 */
export function planSubnet(input: IpamSubnetInput, at = 'ipam_subnets[0]'): SubnetPlan {
  const cidr = subnetCidr(input, at);
  const addrFromStart = input.addr_from_start === true;
  checkAllocUnit(input.alloc_unit, at);
  const gateway = serviceAddress(input.default_gateway, cidr, addrFromStart ? 1n : -1n, `${at}.default_gateway`);
  const dnsServer = serviceAddress(input.dns_server_address, cidr, addrFromStart ? 2n : -2n, `${at}.dns_server_address`);
  if (gateway.value !== null && !isUsable(cidr, gateway.value)) {
    throw new AllocationError(
      'INVALID',
      `${at}.default_gateway`,
      `default gateway ${gateway.text} is not a usable address of subnet ${formatCidr(cidr)} (` +
        `${usableRangeText(cidr)}, or 0.0.0.0 / :: for no gateway)`,
    );
  }
  const reserved = reservedAddresses(cidr, gateway.value, dnsServer.value);
  const pools = allocationPools(input.allocation_pools, cidr, reserved, at);
  return {
    cidr,
    name: formatCidr(cidr),
    gateway: gateway.value,
    dnsServer: dnsServer.value,
    defaultGateway: gateway.text,
    dnsServerAddress: dnsServer.text,
    reserved,
    pools,
    addrFromStart,
    enableDhcp: input.enable_dhcp !== false,
    subnetUuid: input.subnet_uuid ?? null,
  };
}

/**
 * A subnet must leave room for its network and broadcast addresses and two more (so at most a /30 in IPv4 and
 * a /126 in IPv6); a smaller block cannot hold a gateway and a DNS server address.
 */
function subnetCidr(input: IpamSubnetInput, at: string): Cidr {
  const subnet = input.subnet as IpamSubnetInput['subnet'] | null | undefined;
  if (subnet === undefined || subnet === null) {
    throw new AllocationError('INVALID', `${at}.subnet`, 'the subnet has no ip_prefix and ip_prefix_len');
  }
  const { family } = withField(`${at}.subnet.ip_prefix`, () => parseIpAddress(subnet.ip_prefix));
  const len = withField(`${at}.subnet.ip_prefix_len`, () => parsePrefixLength(subnet.ip_prefix_len, family));
  const maxLen = ADDRESS_BITS[family] - 2;
  if (len > maxLen) {
    throw new AllocationError(
      'INVALID',
      `${at}.subnet.ip_prefix_len`,
      `prefix length ${len} is too long for an IP${family} subnet: at most ${maxLen} ` +
        '(a subnet needs a network, a broadcast and two more addresses)',
    );
  }
  return withField(`${at}.subnet.ip_prefix`, () => parseCidr(subnet.ip_prefix, len));
}

function checkAllocUnit(allocUnit: number | null | undefined, at: string): void {
  if (allocUnit !== undefined && allocUnit !== null && allocUnit !== 1) {
    throw new AllocationError('INVALID', `${at}.alloc_unit`, `alloc_unit ${String(allocUnit)} is not supported: only 1`);
  }
}

/**
 * The gateway or DNS server address: absent (or Contrail's `'None'`) takes the default `offset` from the start
 * (positive) or the end (negative) of the subnet; `0.0.0.0` and `::` mean none.
 */
function serviceAddress(
  given: string | null | undefined,
  cidr: Cidr,
  offset: bigint,
  field: string,
): { value: bigint | null; text: string } {
  if (given === undefined || given === null || given === '' || given === 'None') {
    const value = offset > 0n ? cidr.first + offset : cidr.last + offset;
    return { value, text: formatIpAddress(cidr.family, value) };
  }
  const address = withField(field, () => parseIpAddress(given));
  const text = formatIpAddress(address.family, address.value);
  if (address.value === 0n) return { value: null, text };
  if (address.family !== cidr.family) {
    const message = `${text} is an IP${address.family} address but subnet ${formatCidr(cidr)} is IP${cidr.family}`;
    throw new AllocationError('INVALID', field, message);
  }
  return { value: address.value, text };
}

function isUsable(cidr: Cidr, value: bigint): boolean {
  return value > cidr.first && value < cidr.last;
}

function usableRangeText(cidr: Cidr): string {
  return `${formatIpAddress(cidr.family, cidr.first + 1n)} to ${formatIpAddress(cidr.family, cidr.last - 1n)}`;
}

/**
 * Contrail excludes the first address and netaddr's "broadcast", which is the last address for IPv6 too;
 * the gateway and DNS address only when they fall inside the subnet (a DNS address outside it is accepted).
 */
function reservedAddresses(cidr: Cidr, gateway: bigint | null, dnsServer: bigint | null): ReadonlyMap<bigint, ReservedRole> {
  const reserved = new Map<bigint, ReservedRole>([
    [cidr.first, 'network'],
    [cidr.last, 'broadcast'],
  ]);
  if (gateway !== null && !reserved.has(gateway)) reserved.set(gateway, 'default gateway');
  if (dnsServer !== null && dnsServer >= cidr.first && dnsServer <= cidr.last && !reserved.has(dnsServer)) {
    reserved.set(dnsServer, 'DNS server');
  }
  return reserved;
}

function allocationPools(
  given: readonly AllocationPoolInput[] | null | undefined,
  cidr: Cidr,
  reserved: ReadonlyMap<bigint, ReservedRole>,
  at: string,
): readonly AddressRange[] {
  if (given === undefined || given === null || given.length === 0) return [{ first: cidr.first + 1n, last: cidr.last - 1n }];
  const pools = given.map((pool, index) => checkedPool(pool, cidr, reserved, `${at}.allocation_pools[${index}]`));
  const order = pools.map((_, index) => index).sort((a, b) => compareBigint(pools[a]!.first, pools[b]!.first));
  // Sorted by start, the pools are disjoint exactly when each one ends before the next one starts.
  for (let i = 1; i < order.length; i++) {
    const [a, b] = [order[i - 1]!, order[i]!];
    if (pools[b]!.first <= pools[a]!.last) {
      const [earlier, later] = a < b ? [a, b] : [b, a];
      throw new AllocationError(
        'INVALID',
        `${at}.allocation_pools[${later}]`,
        `allocation pool ${rangeText(cidr, pools[later]!)} overlaps allocation pool ${rangeText(cidr, pools[earlier]!)}`,
      );
    }
  }
  return order.map((index) => pools[index]!);
}

function checkedPool(
  pool: AllocationPoolInput,
  cidr: Cidr,
  reserved: ReadonlyMap<bigint, ReservedRole>,
  field: string,
): AddressRange {
  const start = withField(`${field}.start`, () => parseIpAddress(pool.start));
  const end = withField(`${field}.end`, () => parseIpAddress(pool.end));
  const text = `${pool.start}-${pool.end}`;
  for (const [address, side] of [[start, 'start'], [end, 'end']] as const) {
    if (!inCidr(cidr, address)) {
      const message = `allocation pool ${text}: ${side} is outside subnet ${formatCidr(cidr)}`;
      throw new AllocationError('INVALID', `${field}.${side}`, message);
    }
  }
  if (start.value > end.value) {
    throw new AllocationError('INVALID', field, `allocation pool ${text}: start is after end`);
  }
  const range = { first: start.value, last: end.value };
  if (range.last - range.first + 1n <= BigInt(countReservedIn(range, reserved))) {
    const message = `allocation pool ${text} has no allocatable address: every address in it is reserved`;
    throw new AllocationError('INVALID', field, message);
  }
  return range;
}

function inCidr(cidr: Cidr, address: IpAddress): boolean {
  return address.family === cidr.family && address.value >= cidr.first && address.value <= cidr.last;
}

function countReservedIn(range: AddressRange, reserved: ReadonlyMap<bigint, ReservedRole>): number {
  return [...reserved.keys()].filter((address) => address >= range.first && address <= range.last).length;
}

function rangeText(cidr: Cidr, range: AddressRange): string {
  return `${formatIpAddress(cidr.family, range.first)}-${formatIpAddress(cidr.family, range.last)}`;
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Runs a parse and turns its `AddressFormatError` into an `AllocationError` that names the request field. */
function withField<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof AddressFormatError) throw new AllocationError('INVALID', field, error.message);
    throw error;
  }
}
