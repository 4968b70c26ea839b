/**
 * Picks addresses from a subnet plan. Pure: the caller owns the set of allocated addresses (a fold of its
 * allocation events) and an optional cursor, and records whatever address it takes as an event.
 *
 * Order, as Contrail's IndexAllocator (cfgm_common `zkclient.py`, `reverse = not addr_from_start`): the pools
 * sorted by start, walked from the lowest address up when `addr_from_start`, else from the highest down. The
 * first free address in that order is the one handed out.
 */
import { AllocationError } from './allocation-error.js';
import { AddressFormatError, formatCidr, formatIpAddress, parseIpAddress } from './ip-address.js';
import type { AddressRange, SubnetPlan } from './subnet-plan.js';

/** Allocated addresses as a set of values (fast) or any iterable of values and texts (converted per call). */
export type AllocatedAddresses = ReadonlySet<bigint> | Iterable<bigint | string>;

/**
 * Where a search may start: every pool address before it in allocation order is reserved or allocated; `null`
 * when all of them are. Keep one next to the allocated set (it is part of the fold), move it with
 * `advanceCursor` after an allocation and `cursorAfterRelease` after a release, and a /16 with tens of
 * thousands of addresses taken costs a step or two per allocation instead of a walk from the start. A wrong
 * cursor only makes the search slower or out of order, never wrong about what is free.
 */
export type AllocationCursor = bigint | null;

export interface AddressRequestOptions {
  /** The request field named by errors. Default `instance_ip_address`. */
  readonly field?: string;
  /**
   * Refuse an address outside the allocation pools. Contrail does not (a requested address need only be in the
   * subnet), so the default is false.
   */
  readonly withinPools?: boolean;
}

/** The cursor of a subnet with nothing allocated yet. */
export function initialCursor(plan: SubnetPlan, allocated: AllocatedAddresses = EMPTY): AllocationCursor {
  return advanceCursor(plan, allocated, startOfOrder(plan));
}

const EMPTY: ReadonlySet<bigint> = new Set();

function startOfOrder(plan: SubnetPlan): AllocationCursor {
  const pools = plan.pools;
  if (pools.length === 0) return null;
  return plan.addrFromStart ? pools[0]!.first : pools[pools.length - 1]!.last;
}

/**
 * The first free address in allocation order, searching from `cursor` (default: the start of the order).
 * Throws `EXHAUSTED` when every pool address is reserved or allocated.
 */
export function nextFreeAddress(
  plan: SubnetPlan,
  allocated: AllocatedAddresses,
  cursor: AllocationCursor = startOfOrder(plan),
  field = 'instance_ip_address',
): bigint {
  const taken = addressSet(plan, allocated);
  const isFree = (address: bigint): boolean => !plan.reserved.has(address) && !taken.has(address);
  const start = startOfOrder(plan);
  // A stale cursor may have skipped a free address: look again from the start before saying the subnet is full.
  const found =
    (cursor === null ? undefined : searchFrom(plan, cursor, isFree)) ??
    (start === null || start === cursor ? undefined : searchFrom(plan, start, isFree));
  if (found === undefined) {
    const message = `subnet ${plan.name} is full: no free address is left in its allocation pools`;
    throw new AllocationError('EXHAUSTED', field, message);
  }
  return found;
}

function searchFrom(plan: SubnetPlan, from: bigint, isFree: (address: bigint) => boolean): bigint | undefined {
  const pools = plan.pools;
  if (plan.addrFromStart) {
    for (const pool of pools) {
      if (pool.last < from) continue;
      for (let address = pool.first > from ? pool.first : from; address <= pool.last; address++) {
        if (isFree(address)) return address;
      }
    }
  } else {
    for (let i = pools.length - 1; i >= 0; i--) {
      const pool = pools[i]!;
      if (pool.first > from) continue;
      for (let address = pool.last < from ? pool.last : from; address >= pool.first; address--) {
        if (isFree(address)) return address;
      }
    }
  }
  return undefined;
}

/**
 * Moves the cursor forward over every reserved or allocated address, onto the next free one in allocation
 * order (`null` past the end). Call it after adding an allocation to the set; each address is stepped over
 * once, so the cost spreads to O(1) per allocation.
 */
export function advanceCursor(plan: SubnetPlan, allocated: AllocatedAddresses, cursor: AllocationCursor): AllocationCursor {
  const taken = addressSet(plan, allocated);
  let position = cursor === null ? null : intoPools(plan, cursor);
  while (position !== null && (plan.reserved.has(position) || taken.has(position))) position = successor(plan, position);
  return position;
}

/** After `address` was released: a cursor past it moves back to it, so the freed address is found first. */
export function cursorAfterRelease(plan: SubnetPlan, cursor: AllocationCursor, address: bigint): AllocationCursor {
  if (poolOf(plan.pools, address) === undefined) return cursor;
  if (cursor === null) return address;
  return comesBefore(plan, address, cursor) ? address : cursor;
}

function comesBefore(plan: SubnetPlan, a: bigint, b: bigint): boolean {
  return plan.addrFromStart ? a < b : a > b;
}

/** The address itself when it is in a pool, else the next pool address after it in allocation order. */
function intoPools(plan: SubnetPlan, address: bigint): AllocationCursor {
  if (poolOf(plan.pools, address) !== undefined) return address;
  const pools = plan.pools;
  if (plan.addrFromStart) return pools.find((pool) => pool.first > address)?.first ?? null;
  return pools.findLast((pool) => pool.last < address)?.last ?? null;
}

/** The pool address after `address` (which is in a pool) in allocation order, or `null` at the end. */
function successor(plan: SubnetPlan, address: bigint): AllocationCursor {
  const pools = plan.pools;
  const index = pools.findIndex((pool) => address >= pool.first && address <= pool.last);
  if (plan.addrFromStart) {
    if (address < pools[index]!.last) return address + 1n;
    return index + 1 < pools.length ? pools[index + 1]!.first : null;
  }
  if (address > pools[index]!.first) return address - 1n;
  return index > 0 ? pools[index - 1]!.last : null;
}

function poolOf(pools: readonly AddressRange[], address: bigint): AddressRange | undefined {
  return pools.find((pool) => address >= pool.first && address <= pool.last);
}

/**
 * Checks that a requested address can be given out and returns its value. Refused: not an address of the
 * subnet (`INVALID`), the network, broadcast, gateway or DNS address (`RESERVED`), already allocated (`IN_USE`),
 * and, with `withinPools`, outside the allocation pools (`INVALID`).
 */
export function checkRequestedAddress(
  plan: SubnetPlan,
  allocated: AllocatedAddresses,
  requested: string | bigint,
  options: AddressRequestOptions = {},
): bigint {
  const field = options.field ?? 'instance_ip_address';
  const value = requestedValue(plan, requested, field);
  const text = formatIpAddress(plan.cidr.family, value);
  if (value < plan.cidr.first || value > plan.cidr.last) {
    throw new AllocationError('INVALID', field, `${text} is not in subnet ${plan.name}`);
  }
  const role = plan.reserved.get(value);
  if (role !== undefined) {
    throw new AllocationError('RESERVED', field, `${text} is reserved in subnet ${plan.name}: it is the ${role} address`);
  }
  if (options.withinPools === true && poolOf(plan.pools, value) === undefined) {
    throw new AllocationError('INVALID', field, `${text} is outside the allocation pools of subnet ${plan.name}`);
  }
  if (addressSet(plan, allocated).has(value)) {
    throw new AllocationError('IN_USE', field, `${text} is already allocated in subnet ${plan.name}`);
  }
  return value;
}

function requestedValue(plan: SubnetPlan, requested: string | bigint, field: string): bigint {
  if (typeof requested === 'bigint') return requested;
  try {
    const address = parseIpAddress(requested);
    if (address.family !== plan.cidr.family) {
      const message = `${requested} is an IP${address.family} address but subnet ${formatCidr(plan.cidr)} is IP${plan.cidr.family}`;
      throw new AllocationError('INVALID', field, message);
    }
    return address.value;
  } catch (error) {
    if (error instanceof AddressFormatError) throw new AllocationError('INVALID', field, error.message);
    throw error;
  }
}

/**
 * The allocated addresses of one subnet as a set of values. A `Set` whose first member is a bigint is used as
 * it is; anything else is converted, so pass a `Set<bigint>` on hot paths.
 */
export function addressSet(plan: SubnetPlan, allocated: AllocatedAddresses): ReadonlySet<bigint> {
  if (allocated instanceof Set && (allocated.size === 0 || typeof allocated.values().next().value === 'bigint')) {
    return allocated as ReadonlySet<bigint>;
  }
  const values = new Set<bigint>();
  for (const item of allocated) {
    if (typeof item === 'bigint') {
      values.add(item);
    } else {
      const address = parseIpAddress(item);
      if (address.family === plan.cidr.family) values.add(address.value);
    }
  }
  return values;
}
