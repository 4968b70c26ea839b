import { beforeEach, describe, expect, it } from '@jest/globals';
import type { JsonValue } from '#libs/event-store';
import { ConfigState } from './config-state.js';
import { ConfigWorld, failure } from './config-world.test.js';
import { decideRefUpdate } from './decide.js';
import { CONFIG_MODEL } from './registry-schema.js';

const BLUE = ['default-domain', 'default-project', 'blue'];
const IPAM = ['default-domain', 'default-project', 'default-network-ipam'];

const withDefaults = (): ConfigWorld => ConfigWorld.withDefaults();

const subnet = (prefix: string, len: number, extra: Record<string, JsonValue> = {}) => ({
  to: IPAM,
  attr: { ipam_subnets: [{ subnet: { ip_prefix: prefix, ip_prefix_len: len }, ...extra }] },
});

describe('config deciders', () => {
  let world: ConfigWorld;
  beforeEach(() => {
    world = withDefaults();
  });

  describe('virtual-network create', () => {
    it('reserves the name, allocates VN id and route target, completes the subnet, in one write', () => {
      const { uuid, events } = world.create('virtual-network', { fq_name: BLUE, parent_type: 'project', network_ipam_refs: [subnet('10.1.1.0', 24)] });
      expect(events.map((e) => `${e.streamId.replace(uuid, '<vn>')} ${e.type}`)).toEqual([
        'fqname-virtual-network-default-domain:default-project:blue FqNameReserved',
        'pool-vn-id NumberAllocated',
        'pool-route-target NumberAllocated',
        'virtual-network-<vn> VirtualNetworkCreated',
      ]);
      expect(events[1].data).toEqual({ pool: 'vn-id', number: 1, owner: uuid });
      expect(events[2].data).toEqual({ pool: 'route-target', number: 8_000_000, owner: uuid });
      const vn = world.state.get(uuid)!;
      expect(vn.props.virtual_network_network_id).toBe(1);
      expect(vn.props.virtual_network_properties).toEqual({ network_id: 1 });
      const stored = (vn.refs['network-ipam'][0].attr as { ipam_subnets: Array<Record<string, unknown>> }).ipam_subnets[0];
      expect(stored).toMatchObject({ default_gateway: '10.1.1.254', dns_server_address: '10.1.1.253', enable_dhcp: true });
      expect(stored.subnet_uuid).toMatch(/^00000000-/);
    });

    it('reserves a user VXLAN id in the VN id pool, so it clashes with neither ids nor other VNIs', () => {
      world.create('virtual-network', { fq_name: BLUE, virtual_network_properties: { vxlan_network_identifier: 2 } });
      const red = world.create('virtual-network', { fq_name: [...BLUE.slice(0, 2), 'red'] });
      expect(world.state.get(red.uuid)!.props.virtual_network_network_id).toBe(3);
      const clash = failure(() => world.create('virtual-network', { fq_name: [...BLUE.slice(0, 2), 'green'], virtual_network_properties: { vxlan_network_identifier: 3 } }));
      expect(clash.status).toBe(400);
      expect(clash.message).toMatch(/vn-id 3 is already in use/);
    });

    it('refuses an existing fq_name (409), a missing parent (404), a missing ref (404)', () => {
      world.create('virtual-network', { fq_name: BLUE });
      expect(failure(() => world.create('virtual-network', { fq_name: BLUE })).status).toBe(409);
      expect(failure(() => world.create('virtual-network', { fq_name: ['default-domain', 'nope', 'x'] })).message).toMatch(/parent project default-domain:nope of virtual-network default-domain:nope:x does not exist/);
      const missing = failure(() => world.create('virtual-network', { fq_name: [...BLUE.slice(0, 2), 'x'], network_ipam_refs: [{ to: ['no', 'such', 'ipam'] }] }));
      expect(missing.status).toBe(404);
      expect(missing.message).toMatch(/network-ipam no:such:ipam does not exist/);
    });

    it('refuses overlapping subnets, naming both, and a gateway outside its subnet', () => {
      const overlapping = failure(() =>
        world.create('virtual-network', {
          fq_name: BLUE,
          network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: '10.0.0.0', ip_prefix_len: 16 } }, { subnet: { ip_prefix: '10.0.5.0', ip_prefix_len: 24 } }] } }],
        }),
      );
      expect(overlapping.status).toBe(400);
      expect(overlapping.message).toMatch(/10\.0\.0\.0\/16/);
      expect(overlapping.message).toMatch(/10\.0\.5\.0\/24/);
      const gateway = failure(() => world.create('virtual-network', { fq_name: BLUE, network_ipam_refs: [subnet('10.1.1.0', 24, { default_gateway: '10.2.0.1' })] }));
      expect(gateway.field).toBe('network_ipam_refs[0].attr.ipam_subnets[0].default_gateway');
      expect(world.state.uuidOf('virtual-network', BLUE)).toBeUndefined();
    });

    it('refuses a user route target in the system range', () => {
      const error = failure(() => world.create('virtual-network', { fq_name: BLUE, route_target_list: { route_target: ['target:64512:8000001'] } }));
      expect(error.status).toBe(400);
      expect(error.field).toBe('route_target_list.route_target[0]');
      expect(() => world.create('virtual-network', { fq_name: BLUE, route_target_list: { route_target: ['target:64512:100'] } })).not.toThrow();
    });
  });

  describe('instance-ip', () => {
    let vn: string;
    beforeEach(() => {
      vn = world.create('virtual-network', { fq_name: BLUE, network_ipam_refs: [subnet('10.1.1.0', 29)] }).uuid;
    });
    const iip = (name: string, extra: Record<string, unknown> = {}) => world.create('instance-ip', { fq_name: [name], virtual_network_refs: [{ uuid: vn }], ...extra });

    it('hands out addresses highest first, skipping gateway and DNS, until the subnet is full', () => {
      // 10.1.1.0/29: .0 network, .7 broadcast, .6 gateway, .5 DNS → .4 .3 .2 .1
      const got = ['a', 'b', 'c', 'd'].map((n) => world.state.get(iip(n).uuid)!.props.instance_ip_address);
      expect(got).toEqual(['10.1.1.4', '10.1.1.3', '10.1.1.2', '10.1.1.1']);
      const full = failure(() => iip('e'));
      expect(full.status).toBe(409);
      expect(full.message).toMatch(/no free address left in 10\.1\.1\.0\/29/);
    });

    it('gives a requested address once; a reserved or taken one is refused', () => {
      iip('a', { instance_ip_address: '10.1.1.2' });
      expect(failure(() => iip('b', { instance_ip_address: '10.1.1.2' })).message).toMatch(/already allocated/);
      expect(failure(() => iip('c', { instance_ip_address: '10.1.1.6' })).message).toMatch(/gateway/);
      expect(failure(() => iip('d', { instance_ip_address: '10.9.9.9' })).status).toBe(400);
    });

    it('releases the address on delete, and the network cannot go while an address is held', () => {
      const a = iip('a');
      const refused = failure(() => world.delete('virtual-network', vn));
      expect(refused.status).toBe(409);
      expect(refused.message).toMatch(/still referred to by \[instance-ip .* \(a\)\]/);
      const events = world.delete('instance-ip', a.uuid);
      expect(events.map((e) => e.type)).toEqual(['AddressReleased', 'FqNameReleased', 'InstanceIpDeleted']);
      expect(world.state.get(iip('again').uuid)!.props.instance_ip_address).toBe('10.1.1.4');
      expect(failure(() => world.update('instance-ip', a.uuid, {})).status).toBe(404);
    });

    it('needs its virtual network', () => {
      expect(failure(() => world.create('instance-ip', { fq_name: ['x'] })).message).toMatch(/needs virtual_network_refs/);
    });
  });

  describe('update, ref-update, delete', () => {
    it('PUT replaces properties and whole ref sets; If-Match must match the revision', () => {
      const { uuid } = world.create('virtual-network', { fq_name: BLUE, network_ipam_refs: [subnet('10.1.1.0', 24)] });
      const policy = world.create('network-policy', { fq_name: [...BLUE.slice(0, 2), 'p'], network_policy_entries: { policy_rule: [] } }).uuid;
      world.update('virtual-network', uuid, { display_name: 'Blue', network_policy_refs: [{ uuid: policy, attr: { sequence: { major: 0, minor: 0 } } }] }, 0);
      const vn = world.state.get(uuid)!;
      expect(vn.props.display_name).toBe('Blue');
      expect(vn.refs['network-policy']).toEqual([{ uuid: policy, attr: { sequence: { major: 0, minor: 0 } } }]);
      expect(vn.refs['network-ipam']).toHaveLength(1);
      expect(world.state.backRefs(policy).map((o) => o.uuid)).toEqual([uuid]);
      expect(failure(() => world.update('virtual-network', uuid, { display_name: 'x' }, 0)).status).toBe(412);
      world.update('virtual-network', uuid, { network_policy_refs: null, display_name: null });
      expect(world.state.get(uuid)!.refs['network-policy']).toBeUndefined();
      expect(world.state.get(uuid)!.props.display_name).toBeUndefined();
      expect(world.state.backRefs(policy)).toEqual([]);
    });

    it('refuses changing fq_name, and a network_id set by the client (403)', () => {
      const { uuid } = world.create('virtual-network', { fq_name: BLUE });
      expect(failure(() => world.update('virtual-network', uuid, { fq_name: ['a', 'b', 'c'] })).status).toBe(400);
      expect(failure(() => world.update('virtual-network', uuid, { virtual_network_network_id: 7 })).status).toBe(403);
    });

    it('accepts system fields a GET shows when a PUT echoes them unchanged', () => {
      const { uuid } = world.create('virtual-network', { fq_name: BLUE });
      const id = world.state.get(uuid)!.props.virtual_network_network_id;
      const idPerms = { enable: true, uuid: { uuid_mslong: '123', uuid_lslong: '456' }, created: 'x', last_modified: 'y' };
      world.update('virtual-network', uuid, { virtual_network_network_id: id, id_perms: idPerms, mtu: 1400 });
      const vn = world.state.get(uuid)!;
      expect(vn.props).toMatchObject({ virtual_network_network_id: id, mtu: 1400, id_perms: { enable: true } });
      expect(vn.props.id_perms).toEqual({ enable: true });
    });

    it('ref-update adds with attr and removes a single ref', () => {
      const a = world.create('virtual-network', { fq_name: BLUE }).uuid;
      const p = world.create('network-policy', { fq_name: [...BLUE.slice(0, 2), 'p'], network_policy_entries: { policy_rule: [] } }).uuid;
      const add = decideRefUpdate(world.state, CONFIG_MODEL, { type: 'virtual-network', uuid: a, refType: 'network-policy', refUuid: p, operation: 'ADD', attr: { sequence: { major: 1, minor: 0 } } }, world.ctx());
      world.commit(add);
      expect(world.state.get(a)!.refs['network-policy']).toEqual([{ uuid: p, attr: { sequence: { major: 1, minor: 0 } } }]);
      world.commit(decideRefUpdate(world.state, CONFIG_MODEL, { type: 'virtual-network', uuid: a, refType: 'network-policy', refFqName: [...BLUE.slice(0, 2), 'p'], operation: 'DELETE' }, world.ctx()));
      expect(world.state.get(a)!.refs['network-policy']).toBeUndefined();
    });

    it('ref-update checks the attr of an added ref as a PUT would', () => {
      const a = world.create('virtual-network', { fq_name: BLUE }).uuid;
      const p = world.create('network-policy', { fq_name: [...BLUE.slice(0, 2), 'p'], network_policy_entries: { policy_rule: [] } }).uuid;
      const ipam = world.state.uuidOf('network-ipam', IPAM)!;
      const add = (refType: string, refUuid: string, attr: JsonValue) =>
        failure(() => decideRefUpdate(world.state, CONFIG_MODEL, { type: 'virtual-network', uuid: a, refType, refUuid, operation: 'ADD', attr }, world.ctx()));
      expect(add('network-policy', p, { sequence: 'first' })).toMatchObject({ status: 400, message: expect.stringContaining('network_policy_refs[0].attr.sequence') });
      const bad = add('network-ipam', ipam, { ipam_subnets: [{ subnet: { ip_prefix: '10.2.0.0', ip_prefix_len: '24' } }] });
      expect(bad).toMatchObject({ status: 400, message: expect.stringContaining('ip_prefix_len: expected an integer') });
    });

    it('refuses deleting a parent with children, naming them; deleting frees the name for reuse', () => {
      const project = world.state.uuidOf('project', ['default-domain', 'default-project'])!;
      const refused = failure(() => world.delete('project', project));
      expect(refused.status).toBe(409);
      expect(refused.message).toMatch(/children still present: \[network-ipam .*default-network-ipam\)\]/);
      const { uuid } = world.create('virtual-network', { fq_name: BLUE });
      world.delete('virtual-network', uuid);
      const again = world.create('virtual-network', { fq_name: BLUE });
      expect(world.state.get(again.uuid)!.props.virtual_network_network_id).toBe(1);
    });
  });

  it('an object created again with the uuid of a deleted one continues its stream and stays updatable', () => {
    const uuid = '11111111-2222-4333-8444-555555555555';
    world.create('virtual-network', { uuid, fq_name: BLUE });
    world.delete('virtual-network', uuid);
    world.create('virtual-network', { uuid, fq_name: BLUE });
    expect(world.state.get(uuid)!.revision).toBe(2);
    world.update('virtual-network', uuid, { display_name: 'again' }, 2);
    expect(world.state.get(uuid)!.revision).toBe(3);
    expect(() => world.delete('virtual-network', uuid)).not.toThrow();
  });

  it('replaying the log into a fresh state gives the same objects', () => {
    const vn = world.create('virtual-network', { fq_name: BLUE, network_ipam_refs: [subnet('10.1.1.0', 24)] }).uuid;
    world.create('virtual-machine-interface', { fq_name: [...BLUE.slice(0, 2), 'port'], virtual_network_refs: [{ uuid: vn }] });
    world.create('instance-ip', { fq_name: ['ip'], virtual_network_refs: [{ uuid: vn }] });
    const replayed = new ConfigState();
    for (const event of world.log) replayed.apply(event);
    expect([...replayed.all()]).toEqual([...world.state.all()]);
    expect(replayed.position).toBe(world.state.position);
  });
});
