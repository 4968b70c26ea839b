import { beforeEach, describe, expect, it } from '@jest/globals';
import { ConfigWorld, DEFAULT_IPAM, PROJECT, failure, ipamSubnet } from '../config-world.test.js';

const POD_IPAM = [...PROJECT, 'pod-ipam'];
type Subnet = Record<string, unknown> & { subnet_uuid: string };

const flatIpam = (world: ConfigWorld, subnets: Array<Record<string, unknown>>, fq = POD_IPAM) =>
  world.create('network-ipam', { fq_name: fq, ipam_subnet_method: 'flat-subnet', ipam_subnets: { subnets } });

const subnetsOf = (world: ConfigWorld, uuid: string) => (world.state.get(uuid)!.props.ipam_subnets as { subnets: Subnet[] }).subnets;

describe('network-ipam rules', () => {
  let world: ConfigWorld;
  beforeEach(() => {
    world = ConfigWorld.withDefaults();
  });

  describe('create', () => {
    it('completes a flat-subnet IPAM\'s subnets like a VN\'s: gateway, DNS address, DHCP, a subnet_uuid each', () => {
      const { uuid, events } = flatIpam(world, [ipamSubnet('10.32.0.0/24'), ipamSubnet('10.33.0.0/24', { addr_from_start: true, subnet_uuid: 'mine' })]);
      expect(events.map((e) => e.type)).toEqual(['FqNameReserved', 'NetworkIpamCreated']);
      const [first, second] = subnetsOf(world, uuid);
      expect(first).toMatchObject({ default_gateway: '10.32.0.254', dns_server_address: '10.32.0.253', enable_dhcp: true });
      expect(second).toMatchObject({ default_gateway: '10.33.0.1', dns_server_address: '10.33.0.2', addr_from_start: true });
      // subnet_uuid is the system's: a client's value is replaced.
      expect(new Set([first.subnet_uuid, second.subnet_uuid, 'mine']).size).toBe(3);
      expect(world.state.get(uuid)!.props.ipam_subnet_method).toBe('flat-subnet');
    });

    it('accepts a flat-subnet IPAM without subnets, and a user-defined one (the default) without subnets', () => {
      expect(world.create('network-ipam', { fq_name: [...PROJECT, 'empty'], ipam_subnet_method: 'flat-subnet' }).uuid).toBeDefined();
      expect(world.create('network-ipam', { fq_name: [...PROJECT, 'plain'], network_ipam_mgmt: { ipam_method: 'dhcp' } }).uuid).toBeDefined();
    });

    it('refuses overlapping flat subnets (400), naming both, and writes nothing', () => {
      const error = failure(() => flatIpam(world, [ipamSubnet('10.32.0.0/16'), ipamSubnet('10.40.0.0/24'), ipamSubnet('10.32.5.0/24')]));
      expect(error.status).toBe(400);
      expect(error.field).toBe('ipam_subnets.subnets[2].subnet');
      expect(error.message).toMatch(/10\.32\.5\.0\/24 overlaps subnet 10\.32\.0\.0\/16 \(ipam_subnets\.subnets\[0\]\.subnet\)/);
      const same = failure(() => flatIpam(world, [ipamSubnet('10.32.0.0/24'), ipamSubnet('10.32.0.0/24')]));
      expect(same).toMatchObject({ status: 400, field: 'ipam_subnets.subnets[1].subnet', message: expect.stringMatching(/is the same as/) });
      expect(world.state.uuidOf('network-ipam', POD_IPAM)).toBeUndefined();
    });

    it('refuses a bad CIDR, a gateway outside its subnet, a subnet too small and an entry with no subnet (400, naming the field)', () => {
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [ipamSubnet('10.32.0.5/24'), 'ipam_subnets.subnets[0].subnet.ip_prefix', /host bits are set/],
        [{ subnet: { ip_prefix: '10.32.0', ip_prefix_len: 24 } }, 'ipam_subnets.subnets[0].subnet.ip_prefix', /expected an IPv4 or IPv6 address/],
        [ipamSubnet('10.32.0.0/33'), 'ipam_subnets.subnets[0].subnet.ip_prefix_len', /from 0 to 32/],
        [ipamSubnet('10.32.0.0/31'), 'ipam_subnets.subnets[0].subnet.ip_prefix_len', /too long/],
        [ipamSubnet('10.32.0.0/24', { default_gateway: '10.99.0.1' }), 'ipam_subnets.subnets[0].default_gateway', /not a usable address/],
        [{ default_gateway: '10.32.0.1' }, 'ipam_subnets.subnets[0].subnet', /subnet is required/],
      ];
      for (const [entry, field, message] of cases) {
        const error = failure(() => flatIpam(world, [entry]));
        expect(error.status).toBe(400);
        expect(error.field).toBe(field);
        expect(error.message).toMatch(message);
      }
      expect(world.state.uuidOf('network-ipam', POD_IPAM)).toBeUndefined();
    });

    it('refuses ipam_subnets on an IPAM that is not flat-subnet (400), as contrail-api does', () => {
      for (const method of [undefined, 'user-defined-subnet', 'auto-subnet']) {
        const body = { fq_name: POD_IPAM, ipam_subnets: { subnets: [ipamSubnet('10.32.0.0/24')] }, ...(method ? { ipam_subnet_method: method } : {}) };
        const error = failure(() => world.create('network-ipam', body));
        expect(error).toMatchObject({ status: 400, field: 'ipam_subnets' });
        expect(error.message).toMatch(/allowed only with ipam_subnet_method flat-subnet \(it is (user-defined|auto)-subnet\)/);
      }
    });
  });

  describe('update', () => {
    it('keeps the subnet_uuid of a subnet that stays (whatever its position) and gives a new subnet its own', () => {
      const { uuid } = flatIpam(world, [ipamSubnet('10.32.0.0/24'), ipamSubnet('10.33.0.0/24')]);
      const [a, b] = subnetsOf(world, uuid);
      world.update('network-ipam', uuid, { ipam_subnets: { subnets: [ipamSubnet('10.34.0.0/24'), ipamSubnet('10.33.0.0/24'), ipamSubnet('10.32.0.0/24')] } });
      const [c, b2, a2] = subnetsOf(world, uuid);
      expect([a2.subnet_uuid, b2.subnet_uuid]).toEqual([a.subnet_uuid, b.subnet_uuid]);
      expect([a.subnet_uuid, b.subnet_uuid]).not.toContain(c.subnet_uuid);
      expect(c).toMatchObject({ default_gateway: '10.34.0.254', dns_server_address: '10.34.0.253' });
    });

    it('a PUT that echoes the stored subnets changes nothing', () => {
      const { uuid } = flatIpam(world, [ipamSubnet('10.32.0.0/24')]);
      const stored = world.state.get(uuid)!.props.ipam_subnets;
      const [event] = world.update('network-ipam', uuid, { ipam_subnets: stored, ipam_subnet_method: 'flat-subnet' });
      expect(event.data).toMatchObject({ props: {} });
      expect(world.state.get(uuid)!.props.ipam_subnets).toEqual(stored);
    });

    it('refuses changing ipam_subnet_method either way, or removing it from a flat IPAM (400)', () => {
      const flat = flatIpam(world, [ipamSubnet('10.32.0.0/24')]).uuid;
      const plain = world.state.uuidOf('network-ipam', DEFAULT_IPAM)!;
      for (const [uuid, body] of [
        [flat, { ipam_subnet_method: 'user-defined-subnet' }],
        [flat, { ipam_subnet_method: null }],
        [plain, { ipam_subnet_method: 'flat-subnet' }],
      ] as const) {
        const error = failure(() => world.update('network-ipam', uuid, body));
        expect(error).toMatchObject({ status: 400, field: 'ipam_subnet_method', message: expect.stringMatching(/is fixed at create/) });
      }
      expect(() => world.update('network-ipam', plain, { ipam_subnet_method: 'user-defined-subnet' })).not.toThrow();
    });

    it('refuses adding ipam_subnets to an IPAM that is not flat-subnet (400)', () => {
      const plain = world.state.uuidOf('network-ipam', DEFAULT_IPAM)!;
      const error = failure(() => world.update('network-ipam', plain, { ipam_subnets: { subnets: [ipamSubnet('10.32.0.0/24')] } }));
      expect(error).toMatchObject({ status: 400, field: 'ipam_subnets' });
    });

    it('refuses new subnets that overlap each other or are invalid (400), leaving the IPAM as it was', () => {
      const { uuid } = flatIpam(world, [ipamSubnet('10.32.0.0/24')]);
      const before = world.state.get(uuid)!.props.ipam_subnets;
      const overlap = failure(() => world.update('network-ipam', uuid, { ipam_subnets: { subnets: [ipamSubnet('10.32.0.0/24'), ipamSubnet('10.32.0.128/25')] } }));
      expect(overlap).toMatchObject({ status: 400, field: 'ipam_subnets.subnets[1].subnet' });
      const bad = failure(() => world.update('network-ipam', uuid, { ipam_subnets: { subnets: [ipamSubnet('10.32.0.1/24')] } }));
      expect(bad).toMatchObject({ status: 400, field: 'ipam_subnets.subnets[0].subnet.ip_prefix' });
      expect(world.state.get(uuid)!.props.ipam_subnets).toEqual(before);
    });

    it('refuses removing a subnet that still holds addresses (409), whichever VN took them; allows it once they are released', () => {
      const { uuid } = flatIpam(world, [ipamSubnet('10.32.0.0/24'), ipamSubnet('10.33.0.0/24')]);
      const vn = world.create('virtual-network', { fq_name: [...PROJECT, 'pods'], network_ipam_refs: [{ to: POD_IPAM, attr: {} }] }).uuid;
      const ip = world.create('instance-ip', { fq_name: ['ip'], virtual_network_refs: [{ uuid: vn }], instance_ip_address: '10.32.0.7' }).uuid;
      const onlySecond = { ipam_subnets: { subnets: [ipamSubnet('10.33.0.0/24')] } };
      const refused = failure(() => world.update('network-ipam', uuid, onlySecond));
      expect(refused.status).toBe(409);
      expect(refused.message).toMatch(/subnet 10\.32\.0\.0\/24 .* of network-ipam default-domain:default-project:pod-ipam cannot be removed: 1 addresses are still allocated/);
      expect(failure(() => world.update('network-ipam', uuid, { ipam_subnets: null })).status).toBe(409);
      world.delete('instance-ip', ip);
      world.update('network-ipam', uuid, onlySecond);
      expect(subnetsOf(world, uuid).map((s) => (s.subnet as { ip_prefix: string }).ip_prefix)).toEqual(['10.33.0.0']);
    });

    it('refuses a new subnet overlapping another subnet of a VN linked to the IPAM (400); other VNs may overlap', () => {
      const { uuid } = flatIpam(world, [ipamSubnet('10.32.0.0/24')]);
      world.create('virtual-network', {
        fq_name: [...PROJECT, 'mixed'],
        network_ipam_refs: [{ to: POD_IPAM, attr: {} }, { to: DEFAULT_IPAM, attr: { ipam_subnets: [ipamSubnet('10.50.0.0/24')] } }],
      });
      world.create('virtual-network', { fq_name: [...PROJECT, 'unlinked'], network_ipam_refs: [{ to: DEFAULT_IPAM, attr: { ipam_subnets: [ipamSubnet('10.60.0.0/24')] } }] });
      const error = failure(() => world.update('network-ipam', uuid, { ipam_subnets: { subnets: [ipamSubnet('10.32.0.0/24'), ipamSubnet('10.50.0.0/16')] } }));
      expect(error).toMatchObject({ status: 400, field: 'ipam_subnets.subnets[1].subnet' });
      expect(error.message).toMatch(/10\.50\.0\.0\/16 overlaps subnet 10\.50\.0\.0\/24 of virtual-network default-domain:default-project:mixed/);
      expect(() => world.update('network-ipam', uuid, { ipam_subnets: { subnets: [ipamSubnet('10.32.0.0/24'), ipamSubnet('10.60.0.0/16')] } })).not.toThrow();
    });
  });

  describe('delete', () => {
    it('is refused (409) while a VN links to the flat IPAM, and allowed once none does', () => {
      const { uuid } = flatIpam(world, [ipamSubnet('10.32.0.0/24')]);
      const vn = world.create('virtual-network', { fq_name: [...PROJECT, 'pods'], network_ipam_refs: [{ to: POD_IPAM, attr: { ipam_subnets: [] } }] }).uuid;
      const refused = failure(() => world.delete('network-ipam', uuid));
      expect(refused.status).toBe(409);
      expect(refused.message).toMatch(/still referred to by \[virtual-network .*\(default-domain:default-project:pods\)\]/);
      world.delete('virtual-network', vn);
      expect(world.delete('network-ipam', uuid).map((e) => e.type)).toEqual(['FqNameReleased', 'NetworkIpamDeleted']);
    });
  });
});
