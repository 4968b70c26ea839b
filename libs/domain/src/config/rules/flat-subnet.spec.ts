import { beforeEach, describe, expect, it } from '@jest/globals';
import { ConfigState } from '../config-state.js';
import { digestDocument } from '../config-state-digest.js';
import { decideCreate, decideRefUpdate } from '../decide.js';
import { CONFIG_MODEL } from '../registry-schema.js';
import { SpeculativeState } from '../speculative-state.js';
import { ConfigWorld, DEFAULT_IPAM, PROJECT, failure, ipamSubnet } from '../config-world.test.js';

/*
 * Flat-subnet IPAMs as contrail-kube-manager uses them (spec §4.2): one IPAM holds the pod subnets, and several VNs
 * (the cluster's default pod network, each isolated namespace's) link to it without subnets and take their
 * addresses from that one pool.
 */

const POD_IPAM = [...PROJECT, 'pod-ipam'];
const DEFAULT_PODS = [...PROJECT, 'default-pod-network'];
const NS_PODS = [...PROJECT, 'ns-pod-network'];

/** A VN as kube-manager makes one: flat-subnet-only, l3, linked to the pod IPAM with an empty attr. */
const podNetwork = (fq: string[], attr: unknown = {}) => ({
  fq_name: fq,
  address_allocation_mode: 'flat-subnet-only',
  virtual_network_properties: { forwarding_mode: 'l3' },
  network_ipam_refs: [{ to: POD_IPAM, attr }],
});

describe('flat-subnet IPAMs: one address pool shared by every VN linked to the IPAM', () => {
  let world: ConfigWorld;
  let ipam: string;
  let flatSubnet: string;
  let a: string;
  let b: string;
  const iip = (name: string, vn: string, extra: Record<string, unknown> = {}) => world.create('instance-ip', { fq_name: [name], virtual_network_refs: [{ uuid: vn }], ...extra });
  const addressOf = (uuid: string) => world.state.get(uuid)!.props.instance_ip_address;

  beforeEach(() => {
    world = ConfigWorld.withDefaults();
    // 10.32.0.0/29: .0 network, .7 broadcast, .6 gateway, .5 DNS → .4 .3 .2 .1 to hand out.
    ipam = world.create('network-ipam', { fq_name: POD_IPAM, ipam_subnet_method: 'flat-subnet', ipam_subnets: { subnets: [ipamSubnet('10.32.0.0/29')] } }).uuid;
    flatSubnet = (world.state.get(ipam)!.props.ipam_subnets as { subnets: Array<{ subnet_uuid: string }> }).subnets[0].subnet_uuid;
    a = world.create('virtual-network', podNetwork(DEFAULT_PODS)).uuid;
    b = world.create('virtual-network', podNetwork(NS_PODS, { ipam_subnets: [] })).uuid;
  });

  describe('instance-ip', () => {
    it('two VNs never get the same address: both take from the IPAM subnet, skipping gateway and DNS, until it is full', () => {
      const ips = [iip('a1', a), iip('b1', b), iip('a2', a), iip('b2', b)];
      expect(ips.map((ip) => addressOf(ip.uuid))).toEqual(['10.32.0.4', '10.32.0.3', '10.32.0.2', '10.32.0.1']);
      for (const ip of ips) expect(world.state.get(ip.uuid)!.props.subnet_uuid).toBe(flatSubnet);
      const allocated = ips[1].events.find((e) => e.type === 'AddressAllocated')!;
      expect(allocated).toMatchObject({ streamId: `pool-ipam-${flatSubnet}`, data: { subnet_uuid: flatSubnet, address: '10.32.0.3', owner: ips[1].uuid } });
      expect(world.state.addressesInUse(flatSubnet).size).toBe(4);
      for (const vn of [a, b]) {
        const full = failure(() => iip('more', vn));
        expect(full.status).toBe(409);
        expect(full.message).toMatch(/has no free address left in 10\.32\.0\.0\/29/);
      }
    });

    it('refuses a requested address the other VN holds (409), and the gateway or DNS address (409)', () => {
      iip('a1', a, { instance_ip_address: '10.32.0.2' });
      const taken = failure(() => iip('b1', b, { instance_ip_address: '10.32.0.2' }));
      expect(taken).toMatchObject({ status: 409, field: 'instance_ip_address', message: expect.stringMatching(/10\.32\.0\.2 is already allocated in subnet 10\.32\.0\.0\/29/) });
      expect(failure(() => iip('b2', b, { instance_ip_address: '10.32.0.6' })).message).toMatch(/reserved .* default gateway/);
      expect(failure(() => iip('b3', b, { instance_ip_address: '10.32.0.5' })).message).toMatch(/reserved .* DNS server/);
      expect(addressOf(iip('b4', b, { instance_ip_address: '10.32.0.3' }).uuid)).toBe('10.32.0.3');
    });

    it('refuses a requested address outside the flat subnets (400), and a subnet_uuid the VN does not have (400)', () => {
      const outside = failure(() => iip('x', a, { instance_ip_address: '10.33.0.1' }));
      expect(outside).toMatchObject({ status: 400, field: 'instance_ip_address', message: expect.stringMatching(/in none of the network's subnets/) });
      const notOurs = failure(() => iip('y', a, { subnet_uuid: 'no-such-subnet' }));
      expect(notOurs).toMatchObject({ status: 400, field: 'subnet_uuid' });
      expect(addressOf(iip('z', a, { subnet_uuid: flatSubnet }).uuid)).toBe('10.32.0.4');
      expect(world.state.addressesInUse(flatSubnet).size).toBe(1);
    });

    it('gives the address back to the shared pool on delete: the other VN can take it', () => {
      const first = iip('a1', a);
      const released = world.delete('instance-ip', first.uuid).find((e) => e.type === 'AddressReleased')!;
      expect(released).toMatchObject({ streamId: `pool-ipam-${flatSubnet}`, data: { address: '10.32.0.4', owner: first.uuid } });
      expect(addressOf(iip('b1', b, { instance_ip_address: '10.32.0.4' }).uuid)).toBe('10.32.0.4');
    });

    it('moves on to the IPAM\'s next subnet when one is full', () => {
      world.update('network-ipam', ipam, { ipam_subnets: { subnets: [ipamSubnet('10.32.0.0/29'), ipamSubnet('10.32.1.0/29')] } });
      const addresses = ['1', '2', '3', '4', '5'].map((n) => addressOf(iip(n, Number(n) % 2 ? a : b).uuid));
      expect(addresses).toEqual(['10.32.0.4', '10.32.0.3', '10.32.0.2', '10.32.0.1', '10.32.1.4']);
    });

    it('follows address_allocation_mode for any free address; a requested one is looked for in every subnet', () => {
      const user = (name: string) => ({ to: DEFAULT_IPAM, attr: { ipam_subnets: [ipamSubnet(`10.50.${name}.0/29`)] } });
      const firstAddress = (mode: string | undefined, n: number) => {
        const vn = world.create('virtual-network', {
          fq_name: [...PROJECT, `mixed-${n}`],
          ...(mode ? { address_allocation_mode: mode } : {}),
          network_ipam_refs: [{ to: POD_IPAM, attr: {} }, user(String(n))],
        }).uuid;
        return addressOf(iip(`first-${n}`, vn).uuid);
      };
      expect(firstAddress(undefined, 1)).toBe('10.50.1.4');
      expect(firstAddress('user-defined-subnet-preferred', 2)).toBe('10.50.2.4');
      expect(firstAddress('user-defined-subnet-only', 3)).toBe('10.50.3.4');
      expect(firstAddress('flat-subnet-preferred', 4)).toBe('10.32.0.4');
      expect(firstAddress('flat-subnet-only', 5)).toBe('10.32.0.3');
      const flatOnly = world.state.uuidOf('virtual-network', [...PROJECT, 'mixed-5'])!;
      expect(addressOf(iip('asked', flatOnly, { instance_ip_address: '10.50.5.1' }).uuid)).toBe('10.50.5.1');
    });

    it('a user-defined-subnet-preferred VN falls back to the flat subnets when its own are full', () => {
      const vn = world.create('virtual-network', {
        fq_name: [...PROJECT, 'mixed'],
        network_ipam_refs: [{ to: DEFAULT_IPAM, attr: { ipam_subnets: [ipamSubnet('10.50.0.0/29')] } }, { to: POD_IPAM, attr: {} }],
      }).uuid;
      const addresses = ['1', '2', '3', '4', '5'].map((n) => addressOf(iip(n, vn).uuid));
      expect(addresses).toEqual(['10.50.0.4', '10.50.0.3', '10.50.0.2', '10.50.0.1', '10.32.0.4']);
    });

    it('a user-defined-subnet-only VN does not touch the flat pool: full means 409', () => {
      const vn = world.create('virtual-network', {
        fq_name: [...PROJECT, 'own'],
        address_allocation_mode: 'user-defined-subnet-only',
        network_ipam_refs: [{ to: DEFAULT_IPAM, attr: { ipam_subnets: [ipamSubnet('10.50.0.0/29')] } }, { to: POD_IPAM, attr: {} }],
      }).uuid;
      for (const n of ['1', '2', '3', '4']) iip(n, vn);
      expect(failure(() => iip('5', vn))).toMatchObject({ status: 409, message: expect.stringMatching(/no free address left in 10\.50\.0\.0\/29$/) });
      expect(world.state.addressesInUse(flatSubnet).size).toBe(0);
    });

    it('two decisions still being appended (SpeculativeState) on different VNs take different addresses, in one pool stream', () => {
      const view = new SpeculativeState(world.state);
      const body = (name: string, vn: string) => ({ fq_name: [name], virtual_network_refs: [{ uuid: vn }] });
      const first = decideCreate(view, CONFIG_MODEL, 'instance-ip', body('a1', a), world.ctx());
      const held = view.hold(first.writes);
      const second = decideCreate(view, CONFIG_MODEL, 'instance-ip', body('b1', b), world.ctx());
      const pool = (d: typeof first) => d.writes.find((w) => w.streamId === `pool-ipam-${flatSubnet}`)!;
      expect(pool(first).expectedRevision).toBe('no_stream');
      expect(pool(second).expectedRevision).toBe(0);
      world.commit(first);
      view.release(held);
      world.commit(second);
      expect([...world.state.addressesInUse(flatSubnet).keys()]).toEqual(['10.32.0.4', '10.32.0.3']);
    });
  });

  describe('virtual-network', () => {
    it('accepts a link to a flat IPAM with attr {}, {"ipam_subnets": []}, null or entries without a prefix, and keeps it as given', () => {
      const attrs = [{}, { ipam_subnets: [] }, null, { ipam_subnets: [{ subnet_uuid: 'echoed' }] }];
      attrs.forEach((attr, i) => {
        const vn = world.create('virtual-network', { fq_name: [...PROJECT, `ok-${i}`], network_ipam_refs: [{ to: POD_IPAM, attr }] }).uuid;
        expect(world.state.get(vn)!.refs['network-ipam']).toEqual([{ uuid: ipam, attr }]);
        expect(world.state.get(iip(`ip-${i}`, vn).uuid)!.props.subnet_uuid).toBe(flatSubnet);
      });
    });

    it('refuses subnets carried on a link to a flat IPAM (400, naming the field), on create, update and ref-update', () => {
      const withSubnet = { ipam_subnets: [{ subnet_uuid: 'x' }, ipamSubnet('10.32.0.0/29')] };
      const field = 'network_ipam_refs[0].attr.ipam_subnets[1].subnet';
      const onCreate = failure(() => world.create('virtual-network', podNetwork([...PROJECT, 'bad'], withSubnet)));
      expect(onCreate).toMatchObject({ status: 400, field, message: expect.stringMatching(/network-ipam default-domain:default-project:pod-ipam is flat-subnet/) });
      const onUpdate = failure(() => world.update('virtual-network', a, { network_ipam_refs: [{ to: POD_IPAM, attr: withSubnet }] }));
      expect(onUpdate).toMatchObject({ status: 400, field });
      const add = { type: 'virtual-network', uuid: b, refType: 'network-ipam', refUuid: ipam, operation: 'ADD' as const, attr: { ipam_subnets: [ipamSubnet('10.9.0.0/24')] } };
      expect(failure(() => world.commit(decideRefUpdate(world.state, CONFIG_MODEL, add, world.ctx())))).toMatchObject({ status: 400, field: 'network_ipam_refs[0].attr.ipam_subnets[0].subnet' });
      expect(world.state.uuidOf('virtual-network', [...PROJECT, 'bad'])).toBeUndefined();
      expect(world.state.get(a)!.refs['network-ipam']).toEqual([{ uuid: ipam, attr: {} }]);
    });

    it('accepts flat-subnet-only with subnets on a user-defined IPAM (as contrail-api does), but allocates only from flat subnets', () => {
      const vn = world.create('virtual-network', {
        fq_name: [...PROJECT, 'own'],
        address_allocation_mode: 'flat-subnet-only',
        network_ipam_refs: [{ to: DEFAULT_IPAM, attr: { ipam_subnets: [ipamSubnet('10.50.0.0/29')] } }],
      }).uuid;
      const none = failure(() => iip('auto', vn));
      expect(none).toMatchObject({ status: 400, field: 'virtual_network_refs' });
      expect(none.message).toMatch(/has no IPv4 subnet to allocate from with address_allocation_mode flat-subnet-only/);
      expect(addressOf(iip('asked', vn, { instance_ip_address: '10.50.0.2' }).uuid)).toBe('10.50.0.2');
    });

    it('refuses its own subnets overlapping the subnets of a flat IPAM it links to (400)', () => {
      const error = failure(() =>
        world.create('virtual-network', {
          fq_name: [...PROJECT, 'overlap'],
          network_ipam_refs: [{ to: POD_IPAM, attr: {} }, { to: DEFAULT_IPAM, attr: { ipam_subnets: [ipamSubnet('10.32.0.0/24')] } }],
        }),
      );
      expect(error).toMatchObject({ status: 400, field: 'network_ipam_refs[1].attr.ipam_subnets[0].subnet' });
      expect(error.message).toMatch(/10\.32\.0\.0\/24 overlaps subnet 10\.32\.0\.0\/29 \(network_ipam_refs\[0\]\)/);
    });

    it('refuses unlinking the flat IPAM while its own instance-ips hold addresses there (409); the other VN\'s do not hold it back', () => {
      const mine = iip('a1', a);
      iip('b1', b);
      const refused = failure(() => world.update('virtual-network', a, { network_ipam_refs: null }));
      expect(refused.status).toBe(409);
      expect(refused.message).toMatch(/network-ipam default-domain:default-project:pod-ipam cannot be unlinked from .*default-pod-network: 1 of its instance-ips .*10\.32\.0\.0\/29 \(a1\)/);
      world.delete('instance-ip', mine.uuid);
      world.update('virtual-network', a, { network_ipam_refs: null });
      expect(world.state.get(a)!.refs['network-ipam']).toBeUndefined();
      expect(world.state.addressesInUse(flatSubnet).size).toBe(1);
    });

    it('cannot be deleted while an instance-ip still uses it (409)', () => {
      const ip = iip('a1', a);
      const refused = failure(() => world.delete('virtual-network', a));
      expect(refused).toMatchObject({ status: 409, message: expect.stringMatching(/still referred to by \[instance-ip .*\(a1\)\]/) });
      world.delete('instance-ip', ip.uuid);
      expect(() => world.delete('virtual-network', a)).not.toThrow();
    });
  });

  it('replaying the log gives the same state and digest; the shared pool is in the digest with every VN\'s addresses', () => {
    const ips = [iip('a1', a), iip('b1', b), iip('b2', b, { instance_ip_address: '10.32.0.1' })];
    world.delete('instance-ip', ips[0].uuid);
    iip('a2', a);
    const replayed = new ConfigState();
    for (const event of world.log) replayed.apply(event);
    expect(replayed.digest()).toBe(world.state.digest());
    expect([...replayed.addressesInUse(flatSubnet)]).toEqual([...world.state.addressesInUse(flatSubnet)]);
    const restored = ConfigState.fromSnapshot(JSON.parse(JSON.stringify(world.state.snapshot())));
    expect(restored.digest()).toBe(world.state.digest());
    const owners = (digestDocument(replayed).addresses as Array<[string, Array<[string, string]>]>).find(([subnet]) => subnet === flatSubnet)![1];
    expect(owners).toEqual([
      ['10.32.0.1', ips[2].uuid],
      ['10.32.0.2', world.state.uuidOf('instance-ip', ['a2'])],
      ['10.32.0.3', ips[1].uuid],
    ]);
  });
});
