import { describe, expect, it } from '@jest/globals';
import { AllocationError } from './allocation-error.js';
import { formatIpAddress, parseIpAddress } from './ip-address.js';
import {
  addressSet,
  advanceCursor,
  checkRequestedAddress,
  cursorAfterRelease,
  initialCursor,
  nextFreeAddress,
  type AllocationCursor,
} from './ip-allocator.js';
import { planSubnet, type IpamSubnetInput, type SubnetPlan } from './subnet-plan.js';

const ip = (text: string): bigint => parseIpAddress(text).value;
const text = (plan: SubnetPlan, value: bigint | null): string | null => (value === null ? null : formatIpAddress(plan.cidr.family, value));
const plan24 = (extra: Partial<IpamSubnetInput> = {}): SubnetPlan => planSubnet({ subnet: { ip_prefix: '10.1.1.0', ip_prefix_len: 24 }, ...extra });

function refusal(run: () => unknown): AllocationError {
  try {
    run();
  } catch (error) {
    if (error instanceof AllocationError) return error;
    throw error;
  }
  throw new Error('expected an AllocationError');
}

/** Allocates `count` addresses the way a decider and its fold would: pick, record, move the cursor. */
function allocateMany(plan: SubnetPlan, allocated: Set<bigint>, count: number, cursor: AllocationCursor = initialCursor(plan, allocated)) {
  const picked: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const address = nextFreeAddress(plan, allocated, cursor);
    allocated.add(address);
    cursor = advanceCursor(plan, allocated, cursor);
    picked.push(address);
  }
  return { picked, cursor };
}

describe('nextFreeAddress order', () => {
  it('hands out the highest free address first by default, skipping gateway and DNS', () => {
    const plan = plan24();
    const { picked } = allocateMany(plan, new Set(), 3);
    expect(picked.map((a) => text(plan, a))).toEqual(['10.1.1.252', '10.1.1.251', '10.1.1.250']);
  });

  it('hands out the lowest free address first with addr_from_start', () => {
    const plan = plan24({ addr_from_start: true });
    const { picked } = allocateMany(plan, new Set(), 3);
    expect(picked.map((a) => text(plan, a))).toEqual(['10.1.1.3', '10.1.1.4', '10.1.1.5']);
  });

  it('walks the pools in order, across the gap between them', () => {
    const pools = [
      { start: '10.1.1.20', end: '10.1.1.21' },
      { start: '10.1.1.10', end: '10.1.1.11' },
    ];
    const down = plan24({ allocation_pools: pools });
    expect(allocateMany(down, new Set(), 4).picked.map((a) => text(down, a))).toEqual(['10.1.1.21', '10.1.1.20', '10.1.1.11', '10.1.1.10']);
    const up = plan24({ allocation_pools: pools, addr_from_start: true });
    expect(allocateMany(up, new Set(), 4).picked.map((a) => text(up, a))).toEqual(['10.1.1.10', '10.1.1.11', '10.1.1.20', '10.1.1.21']);
  });

  it('never hands out the network, broadcast, gateway or DNS address even when a pool covers them', () => {
    const plan = plan24({ allocation_pools: [{ start: '10.1.1.0', end: '10.1.1.255' }], default_gateway: '10.1.1.100', dns_server_address: '10.1.1.101' });
    const { picked } = allocateMany(plan, new Set(), 252);
    const handedOut = new Set(picked.map((a) => text(plan, a)));
    expect(handedOut.size).toBe(252);
    for (const reserved of ['10.1.1.0', '10.1.1.255', '10.1.1.100', '10.1.1.101']) expect(handedOut.has(reserved)).toBe(false);
  });

  it('gives the gateway address out when the subnet has no gateway', () => {
    const plan = plan24({ default_gateway: '0.0.0.0' });
    expect(text(plan, nextFreeAddress(plan, new Set()))).toBe('10.1.1.254');
  });

  it('takes allocated addresses as texts or values', () => {
    const plan = plan24();
    expect(text(plan, nextFreeAddress(plan, ['10.1.1.252', ip('10.1.1.251')]))).toBe('10.1.1.250');
    expect(text(plan, nextFreeAddress(plan, new Set(['10.1.1.252'])))).toBe('10.1.1.251');
  });

  it('works for IPv6', () => {
    const plan = planSubnet({ subnet: { ip_prefix: 'fd00:1::', ip_prefix_len: 64 }, addr_from_start: true });
    expect(allocateMany(plan, new Set(), 2).picked.map((a) => text(plan, a))).toEqual(['fd00:1::3', 'fd00:1::4']);
  });
});

describe('nextFreeAddress exhaustion', () => {
  it('says the subnet is full when every pool address is taken', () => {
    const plan = planSubnet({ subnet: { ip_prefix: '10.1.1.0', ip_prefix_len: 29 } });
    const allocated = new Set<bigint>();
    const { picked, cursor } = allocateMany(plan, allocated, 4);
    expect(picked.map((a) => text(plan, a))).toEqual(['10.1.1.4', '10.1.1.3', '10.1.1.2', '10.1.1.1']);
    expect(cursor).toBeNull();
    const error = refusal(() => nextFreeAddress(plan, allocated, cursor, 'floating_ip_address'));
    expect(error).toMatchObject({ code: 'EXHAUSTED', status: 409, field: 'floating_ip_address' });
    expect(error.message).toBe('subnet 10.1.1.0/29 is full: no free address is left in its allocation pools');
  });

  it('a /30 whose usable addresses are gateway and DNS is full from the start', () => {
    const plan = planSubnet({ subnet: { ip_prefix: '10.1.1.0', ip_prefix_len: 30 } });
    expect(initialCursor(plan)).toBeNull();
    expect(refusal(() => nextFreeAddress(plan, new Set())).code).toBe('EXHAUSTED');
  });
});

describe('the cursor', () => {
  it('finds a released address again, ahead of untouched ones', () => {
    const plan = plan24();
    const allocated = new Set<bigint>();
    let { cursor } = allocateMany(plan, allocated, 5);
    allocated.delete(ip('10.1.1.250'));
    cursor = cursorAfterRelease(plan, cursor, ip('10.1.1.250'));
    expect(text(plan, cursor)).toBe('10.1.1.250');
    expect(text(plan, nextFreeAddress(plan, allocated, cursor))).toBe('10.1.1.250');
  });

  it('ignores a release behind it or outside the pools', () => {
    const plan = plan24({ allocation_pools: [{ start: '10.1.1.10', end: '10.1.1.20' }] });
    expect(cursorAfterRelease(plan, ip('10.1.1.15'), ip('10.1.1.12'))).toBe(ip('10.1.1.15'));
    expect(cursorAfterRelease(plan, ip('10.1.1.15'), ip('10.1.1.30'))).toBe(ip('10.1.1.15'));
    expect(cursorAfterRelease(plan, null, ip('10.1.1.12'))).toBe(ip('10.1.1.12'));
  });

  it('steps over addresses taken by request so the next search starts on a free one', () => {
    const plan = plan24();
    const allocated = new Set([ip('10.1.1.250'), ip('10.1.1.249')]);
    const { picked, cursor } = allocateMany(plan, allocated, 3);
    expect(picked.map((a) => text(plan, a))).toEqual(['10.1.1.252', '10.1.1.251', '10.1.1.248']);
    expect(text(plan, cursor)).toBe('10.1.1.247');
  });

  it('moves a cursor outside the pools onto the next pool address', () => {
    const plan = plan24({ allocation_pools: [{ start: '10.1.1.10', end: '10.1.1.20' }] });
    expect(text(plan, advanceCursor(plan, new Set(), ip('10.1.1.100')))).toBe('10.1.1.20');
    expect(advanceCursor(plan, new Set(), ip('10.1.1.5'))).toBeNull();
  });

  it('still finds a free address behind a wrong cursor before saying the subnet is full', () => {
    const plan = plan24({ addr_from_start: true });
    const allocated = new Set([ip('10.1.1.254')]);
    expect(text(plan, nextFreeAddress(plan, allocated, ip('10.1.1.254')))).toBe('10.1.1.3');
    expect(text(plan, nextFreeAddress(plan, allocated, null))).toBe('10.1.1.3');
  });

  it('allocates every address of a /16 with tens of thousands taken, a step or two each', () => {
    const plan = planSubnet({ subnet: { ip_prefix: '10.20.0.0', ip_prefix_len: 16 } });
    const allocated = new Set<bigint>();
    let { cursor } = allocateMany(plan, allocated, 40_000);
    expect(allocated.size).toBe(40_000);
    const started = process.hrtime.bigint();
    ({ cursor } = allocateMany(plan, allocated, 65_532 - 40_000, cursor));
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(allocated.size).toBe(65_532);
    expect(cursor).toBeNull();
    expect(refusal(() => nextFreeAddress(plan, allocated, cursor)).code).toBe('EXHAUSTED');
    // A walk from the start each time would take minutes here; the cursor keeps it well under that.
    expect(elapsedMs).toBeLessThan(5_000);
  });
});

describe('checkRequestedAddress', () => {
  const plan = plan24({ allocation_pools: [{ start: '10.1.1.10', end: '10.1.1.99' }] });

  it('returns the value of a free address of the subnet', () => {
    expect(checkRequestedAddress(plan, new Set(), '10.1.1.50')).toBe(ip('10.1.1.50'));
    expect(checkRequestedAddress(plan, new Set(), ip('10.1.1.51'))).toBe(ip('10.1.1.51'));
  });

  it('accepts an address outside the pools, as Contrail does, unless asked to keep to the pools', () => {
    expect(checkRequestedAddress(plan, new Set(), '10.1.1.150')).toBe(ip('10.1.1.150'));
    expect(refusal(() => checkRequestedAddress(plan, new Set(), '10.1.1.150', { withinPools: true }))).toMatchObject({
      code: 'INVALID',
      message: '10.1.1.150 is outside the allocation pools of subnet 10.1.1.0/24',
    });
  });

  it.each([
    ['10.1.1.0', 'network'],
    ['10.1.1.255', 'broadcast'],
    ['10.1.1.254', 'default gateway'],
    ['10.1.1.253', 'DNS server'],
  ])('refuses %s, the %s address', (address, role) => {
    expect(refusal(() => checkRequestedAddress(plan, new Set(), address))).toMatchObject({
      code: 'RESERVED',
      status: 409,
      field: 'instance_ip_address',
      message: `${address} is reserved in subnet 10.1.1.0/24: it is the ${role} address`,
    });
  });

  it('refuses an allocated address', () => {
    expect(refusal(() => checkRequestedAddress(plan, ['10.1.1.50'], '10.1.1.50', { field: 'floating_ip_address' }))).toMatchObject({
      code: 'IN_USE',
      status: 409,
      field: 'floating_ip_address',
      message: '10.1.1.50 is already allocated in subnet 10.1.1.0/24',
    });
  });

  it('refuses addresses outside the subnet, of the other family, or malformed', () => {
    expect(refusal(() => checkRequestedAddress(plan, new Set(), '10.1.2.5'))).toMatchObject({ code: 'INVALID', status: 400, message: '10.1.2.5 is not in subnet 10.1.1.0/24' });
    expect(refusal(() => checkRequestedAddress(plan, new Set(), ip('10.1.2.5'))).message).toBe('10.1.2.5 is not in subnet 10.1.1.0/24');
    expect(refusal(() => checkRequestedAddress(plan, new Set(), 'fd00::5')).message).toBe('fd00::5 is an IPv6 address but subnet 10.1.1.0/24 is IPv4');
    expect(refusal(() => checkRequestedAddress(plan, new Set(), '10.1.1.500')).message).toContain("'10.1.1.500' is not an IPv4 address");
  });
});

describe('addressSet', () => {
  it('uses a set of values as it is and converts anything else, dropping the other family', () => {
    const plan = plan24();
    const values = new Set([1n]);
    expect(addressSet(plan, values)).toBe(values);
    expect([...addressSet(plan, ['10.1.1.7', '::1', 5n])]).toEqual([ip('10.1.1.7'), 5n]);
  });
});
