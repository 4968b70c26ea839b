import { describe, expect, it } from '@jest/globals';
import { AllocationError } from './allocation-error.js';
import { formatIpAddress, parseIpAddress } from './ip-address.js';
import { planSubnet, type IpamSubnetInput, type SubnetPlan } from './subnet-plan.js';

const v4 = (text: string): bigint => parseIpAddress(text).value;
const subnet = (ip_prefix: string, ip_prefix_len: number | string, extra: Partial<IpamSubnetInput> = {}): IpamSubnetInput => ({
  subnet: { ip_prefix, ip_prefix_len },
  ...extra,
});
const poolTexts = (plan: SubnetPlan): string[] =>
  plan.pools.map((pool) => `${formatIpAddress(plan.cidr.family, pool.first)}-${formatIpAddress(plan.cidr.family, pool.last)}`);
const reservedTexts = (plan: SubnetPlan): Record<string, string> =>
  Object.fromEntries([...plan.reserved].map(([address, role]) => [formatIpAddress(plan.cidr.family, address), role]));

function refusal(run: () => unknown): AllocationError {
  try {
    run();
  } catch (error) {
    if (error instanceof AllocationError) return error;
    throw error;
  }
  throw new Error('expected an AllocationError');
}

describe('planSubnet defaults (Contrail vnc_addr_mgmt Subnet)', () => {
  it('puts gateway and DNS at the end of the subnet and allocates from the end by default', () => {
    const plan = planSubnet(subnet('10.1.1.0', 24));
    expect(plan.name).toBe('10.1.1.0/24');
    expect(plan.defaultGateway).toBe('10.1.1.254');
    expect(plan.dnsServerAddress).toBe('10.1.1.253');
    expect(plan.gateway).toBe(v4('10.1.1.254'));
    expect(plan.dnsServer).toBe(v4('10.1.1.253'));
    expect(plan.addrFromStart).toBe(false);
    expect(plan.enableDhcp).toBe(true);
    expect(plan.subnetUuid).toBeNull();
    expect(poolTexts(plan)).toEqual(['10.1.1.1-10.1.1.254']);
    expect(reservedTexts(plan)).toEqual({
      '10.1.1.0': 'network',
      '10.1.1.255': 'broadcast',
      '10.1.1.254': 'default gateway',
      '10.1.1.253': 'DNS server',
    });
  });

  it('puts gateway and DNS at the start with addr_from_start', () => {
    const plan = planSubnet(subnet('10.1.1.0', 24, { addr_from_start: true, enable_dhcp: false, subnet_uuid: 'u-1' }));
    expect(plan.defaultGateway).toBe('10.1.1.1');
    expect(plan.dnsServerAddress).toBe('10.1.1.2');
    expect(plan.addrFromStart).toBe(true);
    expect(plan.enableDhcp).toBe(false);
    expect(plan.subnetUuid).toBe('u-1');
  });

  it("treats null, '' and 'None' like an absent gateway", () => {
    for (const given of [null, '', 'None']) {
      expect(planSubnet(subnet('10.1.1.0', 24, { default_gateway: given, dns_server_address: given })).defaultGateway).toBe('10.1.1.254');
    }
  });

  it('accepts the prefix length as text, as Contrail stores it either way', () => {
    expect(planSubnet(subnet('192.168.0.0', '16')).name).toBe('192.168.0.0/16');
  });

  it('reserves the first and last address of an IPv6 subnet too (netaddr broadcast is the last address)', () => {
    const plan = planSubnet(subnet('2001:db8:1::', 64));
    expect(plan.defaultGateway).toBe('2001:db8:1:0:ffff:ffff:ffff:fffe');
    expect(plan.dnsServerAddress).toBe('2001:db8:1:0:ffff:ffff:ffff:fffd');
    expect(reservedTexts(plan)).toEqual({
      '2001:db8:1::': 'network',
      '2001:db8:1:0:ffff:ffff:ffff:ffff': 'broadcast',
      '2001:db8:1:0:ffff:ffff:ffff:fffe': 'default gateway',
      '2001:db8:1:0:ffff:ffff:ffff:fffd': 'DNS server',
    });
    expect(poolTexts(plan)).toEqual(['2001:db8:1::1-2001:db8:1:0:ffff:ffff:ffff:fffe']);
  });
});

describe('planSubnet with given gateway, DNS and pools', () => {
  it('uses the given gateway and DNS server, in canonical text', () => {
    const plan = planSubnet(subnet('2001:db8::', 64, { default_gateway: '2001:DB8::1', dns_server_address: '2001:db8:0::2' }));
    expect(plan.defaultGateway).toBe('2001:db8::1');
    expect(plan.dnsServerAddress).toBe('2001:db8::2');
  });

  it('0.0.0.0 or :: as gateway means no gateway, and nothing is reserved for it', () => {
    const plan = planSubnet(subnet('10.1.1.0', 24, { default_gateway: '0.0.0.0' }));
    expect(plan.gateway).toBeNull();
    expect(plan.defaultGateway).toBe('0.0.0.0');
    expect(Object.values(reservedTexts(plan))).not.toContain('default gateway');
    expect(planSubnet(subnet('2001:db8::', 64, { default_gateway: '::' })).gateway).toBeNull();
  });

  it('accepts a DNS server address outside the subnet, as Contrail does, and reserves nothing for it', () => {
    const plan = planSubnet(subnet('10.1.1.0', 24, { dns_server_address: '8.8.8.8' }));
    expect(plan.dnsServerAddress).toBe('8.8.8.8');
    expect(Object.values(reservedTexts(plan))).not.toContain('DNS server');
  });

  it('sorts the pools by start', () => {
    const plan = planSubnet(
      subnet('10.1.0.0', 16, {
        allocation_pools: [
          { start: '10.1.2.0', end: '10.1.2.255' },
          { start: '10.1.0.10', end: '10.1.0.20', vrouter_specific_pool: false },
        ],
      }),
    );
    expect(poolTexts(plan)).toEqual(['10.1.0.10-10.1.0.20', '10.1.2.0-10.1.2.255']);
  });

  it('treats an empty pool list as no pools', () => {
    expect(poolTexts(planSubnet(subnet('10.1.1.0', 29, { allocation_pools: [] })))).toEqual(['10.1.1.1-10.1.1.6']);
  });
});

describe('planSubnet refusals', () => {
  const at = 'network_ipam_refs[0].attr.ipam_subnets[1]';

  it.each([
    ['a malformed prefix', subnet('10.1.1', 24), `${at}.subnet.ip_prefix`, "'10.1.1' is not an IPv4 address"],
    ['a prefix with host bits set', subnet('10.1.1.5', 24), `${at}.subnet.ip_prefix`, "'10.1.1.5/24' is not a network address"],
    ['a prefix length over 32', subnet('10.1.1.0', 33), `${at}.subnet.ip_prefix_len`, 'out of range for IPv4: 0 to 32'],
    ['a negative prefix length', subnet('10.1.1.0', -1), `${at}.subnet.ip_prefix_len`, 'out of range'],
    ['a /31', subnet('10.1.1.0', 31), `${at}.subnet.ip_prefix_len`, 'prefix length 31 is too long for an IPv4 subnet: at most 30'],
    ['a /127', subnet('2001:db8::', 127), `${at}.subnet.ip_prefix_len`, 'at most 126'],
    ['no subnet', { subnet: undefined } as unknown as IpamSubnetInput, `${at}.subnet`, 'no ip_prefix'],
    ['a malformed gateway', subnet('10.1.1.0', 24, { default_gateway: '10.1.1.x' }), `${at}.default_gateway`, "'10.1.1.x' is not an IPv4 address"],
    [
      'a gateway outside the subnet',
      subnet('10.1.1.0', 24, { default_gateway: '10.1.2.1' }),
      `${at}.default_gateway`,
      'default gateway 10.1.2.1 is not a usable address of subnet 10.1.1.0/24 (10.1.1.1 to 10.1.1.254, or 0.0.0.0 / :: for no gateway)',
    ],
    ['the network address as gateway', subnet('10.1.1.0', 24, { default_gateway: '10.1.1.0' }), `${at}.default_gateway`, 'not a usable address'],
    ['the broadcast address as gateway', subnet('10.1.1.0', 24, { default_gateway: '10.1.1.255' }), `${at}.default_gateway`, 'not a usable address'],
    ['an IPv6 gateway in an IPv4 subnet', subnet('10.1.1.0', 24, { default_gateway: '2001:db8::1' }), `${at}.default_gateway`, 'is an IPv6 address but subnet 10.1.1.0/24 is IPv4'],
    ['a malformed DNS address', subnet('10.1.1.0', 24, { dns_server_address: 'dns' }), `${at}.dns_server_address`, "'dns' is not an IPv4 address"],
    ['an alloc_unit other than 1', subnet('10.1.1.0', 24, { alloc_unit: 4 }), `${at}.alloc_unit`, 'alloc_unit 4 is not supported'],
  ])('refuses %s', (_, input, field, message) => {
    const error = refusal(() => planSubnet(input, at));
    expect(error).toMatchObject({ code: 'INVALID', status: 400, field });
    expect(error.message).toContain(message);
  });

  it('refuses pools outside the subnet, reversed, malformed, or of the other family', () => {
    const pools = (allocation_pools: IpamSubnetInput['allocation_pools']) => () => planSubnet(subnet('10.1.1.0', 24, { allocation_pools }));
    expect(refusal(pools([{ start: '10.1.1.10', end: '10.1.2.10' }]))).toMatchObject({
      field: 'ipam_subnets[0].allocation_pools[0].end',
      message: 'allocation pool 10.1.1.10-10.1.2.10: end is outside subnet 10.1.1.0/24',
    });
    expect(refusal(pools([{ start: '10.1.1.1', end: '10.1.1.5' }, { start: '10.1.0.1', end: '10.1.1.5' }]))).toMatchObject({
      field: 'ipam_subnets[0].allocation_pools[1].start',
    });
    expect(refusal(pools([{ start: '10.1.1.20', end: '10.1.1.10' }]))).toMatchObject({
      field: 'ipam_subnets[0].allocation_pools[0]',
      message: 'allocation pool 10.1.1.20-10.1.1.10: start is after end',
    });
    expect(refusal(pools([{ start: '10.1.1.1', end: 'x' }]))).toMatchObject({ field: 'ipam_subnets[0].allocation_pools[0].end' });
    expect(refusal(pools([{ start: '::1', end: '::2' }])).message).toContain('start is outside subnet');
  });

  it('refuses overlapping pools and names both, on the later one', () => {
    const error = refusal(() =>
      planSubnet(
        subnet('10.1.1.0', 24, {
          allocation_pools: [
            { start: '10.1.1.100', end: '10.1.1.200' },
            { start: '10.1.1.10', end: '10.1.1.20' },
            { start: '10.1.1.150', end: '10.1.1.160' },
          ],
        }),
      ),
    );
    expect(error).toMatchObject({ code: 'INVALID', field: 'ipam_subnets[0].allocation_pools[2]' });
    expect(error.message).toBe('allocation pool 10.1.1.150-10.1.1.160 overlaps allocation pool 10.1.1.100-10.1.1.200');
  });

  it('refuses pools that share only an end address', () => {
    const input = subnet('10.1.1.0', 24, {
      allocation_pools: [
        { start: '10.1.1.10', end: '10.1.1.20' },
        { start: '10.1.1.20', end: '10.1.1.30' },
      ],
    });
    expect(refusal(() => planSubnet(input)).message).toContain('overlaps');
  });

  it('refuses a pool in which every address is reserved', () => {
    const input = subnet('10.1.1.0', 24, { allocation_pools: [{ start: '10.1.1.253', end: '10.1.1.255' }] });
    expect(refusal(() => planSubnet(input))).toMatchObject({
      field: 'ipam_subnets[0].allocation_pools[0]',
      message: 'allocation pool 10.1.1.253-10.1.1.255 has no allocatable address: every address in it is reserved',
    });
  });
});
