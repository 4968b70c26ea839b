import { describe, expect, it } from '@jest/globals';
import { NetworkModel } from './network-model.js';
import { GSC, PROJECT, fq, provisioned, rule, vrfOf, type World } from './network-world.test.js';

const securityGroup = (world: World, name: string, rules: unknown[]) =>
  world.create('security-group', { fq_name: [...PROJECT, name], parent_type: 'project', security_group_entries: { policy_rule: rules } });

const hostBinding = (host: string) => ({ virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: host }] } });

describe('agent configs (semantics §4)', () => {
  it('finds interfaces through the VMs the virtual-router refs, with addresses, MAC, network, VRF, groups and flags', () => {
    const world = provisioned();
    const red = world.network('red');
    const web = securityGroup(world, 'web', []);
    const ssh = securityGroup(world, 'ssh', []);
    const vm = world.machine('vm1');
    const port = world.port('port1', red, {
      virtual_machine_refs: [{ uuid: vm }],
      security_group_refs: [{ uuid: web }, { uuid: ssh }],
      virtual_machine_interface_mac_addresses: { mac_address: ['02:aa:bb:cc:dd:ee'] },
      virtual_machine_interface_disable_policy: true,
      port_security_enabled: false,
    });
    world.instanceIp('ip-b', red, port, { instance_ip_address: '10.1.0.20' });
    world.instanceIp('ip-a', red, port, { instance_ip_address: '10.1.0.3' });
    const router = world.virtualRouter('compute-1', { virtual_router_ip_address: '192.168.1.11', virtual_machine_refs: [{ uuid: vm }] });
    const model = NetworkModel.build(world.state);
    const config = model.agentConfig('compute-1')!;
    expect(config.virtualRouter).toEqual({ uuid: router, name: 'compute-1', address: '192.168.1.11', cluster: 'default' });
    const webId = world.state.get(web)!.props.security_group_id;
    const sshId = world.state.get(ssh)!.props.security_group_id;
    expect(config.interfaces).toEqual([
      {
        uuid: port,
        name: fq('port1'),
        macAddress: '02:aa:bb:cc:dd:ee',
        ipAddresses: ['10.1.0.20', '10.1.0.3'],
        virtualNetwork: fq('red'),
        vrf: vrfOf('red'),
        securityGroups: [webId, sshId],
        policyDisabled: true,
        portSecurity: false,
      },
    ]);
    expect(config.vrfs).toEqual([model.vrf(vrfOf('red'))]);
    expect(config.acls).toEqual([]);
    expect(config.securityGroups.map((g) => g.uuid)).toEqual([web, ssh].sort());
    expect(model.virtualRouter('compute-1')).toEqual(config.virtualRouter);
    expect(model.agentConfig('nowhere')).toBeUndefined();
  });

  it('finds interfaces bound to the virtual-router by host_id; port security defaults to on', () => {
    const world = provisioned();
    const red = world.network('red');
    const blue = world.network('blue');
    const a = world.port('a', red, hostBinding('compute-2'));
    const b = world.port('b', blue, hostBinding('compute-2'));
    world.port('elsewhere', blue, hostBinding('compute-3'));
    world.virtualRouter('compute-2');
    const config = NetworkModel.build(world.state).agentConfig('compute-2')!;
    expect(config.interfaces.map((i) => [i.uuid, i.vrf, i.portSecurity, i.policyDisabled, i.ipAddresses])).toEqual(
      [
        [a, vrfOf('red'), true, false, []],
        [b, vrfOf('blue'), true, false, []],
      ].sort(),
    );
    expect(config.interfaces[0].macAddress).toMatch(/^02:/);
    expect(config.vrfs.map((v) => v.name)).toEqual([vrfOf('blue'), vrfOf('red')]);
  });

  it('compiles the ACL of each network with policies, in ref sequence order, then each policy in rule order', () => {
    const world = provisioned();
    const web = securityGroup(world, 'web', []);
    const webId = world.state.get(web)!.props.security_group_id;
    const first = world.policy('first', [
      {
        direction: '>',
        protocol: 'tcp',
        src_addresses: [{ virtual_network: 'local' }, { subnet: { ip_prefix: '10.9.0.0', ip_prefix_len: 16 } }],
        src_ports: [{ start_port: 0, end_port: 65535 }],
        dst_addresses: [{ security_group: fq('web') }, { security_group: fq('missing') }, { virtual_network: 'any' }],
        dst_ports: [{ start_port: 80, end_port: 80 }, { start_port: 443, end_port: 443 }],
        action_list: { simple_action: 'pass' },
        ethertype: 'IPv6',
      },
      rule(fq('red'), fq('blue'), { simple_action: 'pass', apply_service: ['default-domain:default-project:fw'] }),
    ]);
    const second = world.policy('second', [rule('local', 'any', { simple_action: 'deny' })]);
    const unordered = world.policy('unordered', [rule('any', 'any')]);
    const red = world.network('red', {
      network_policy_refs: [
        { uuid: unordered, attr: null },
        { uuid: second, attr: { sequence: { major: 1, minor: 0 } } },
        { uuid: first, attr: { sequence: { major: 0, minor: 5 } } },
      ],
    });
    const blue = world.network('blue');
    const vm = world.machine('vm');
    world.port('p-red', red, { virtual_machine_refs: [{ uuid: vm }] });
    world.port('p-blue', blue, { virtual_machine_refs: [{ uuid: vm }] });
    world.virtualRouter('compute-1', { virtual_machine_refs: [{ uuid: vm }] });
    const model = NetworkModel.build(world.state);
    const config = model.agentConfig('compute-1')!;
    expect(config.vrfs.map((v) => [v.name, v.acl])).toEqual([
      [vrfOf('blue'), ''],
      [vrfOf('red'), fq('red')],
    ]);
    expect(config.acls).toHaveLength(1);
    const [acl] = config.acls;
    expect(acl.name).toBe(fq('red'));
    expect(acl.rules.map((r) => [r.id, r.action])).toEqual([
      [`${fq('first')}:0`, 'pass'],
      [`${fq('first')}:1`, 'service'],
      [`${fq('second')}:0`, 'deny'],
      [`${fq('unordered')}:0`, 'pass'],
    ]);
    expect(acl.rules[0]).toEqual({
      id: `${fq('first')}:0`,
      direction: '>',
      protocol: 'tcp',
      sources: [{ virtualNetwork: fq('red') }, { subnet: '10.9.0.0/16' }],
      sourcePorts: [{ start: 0, end: 65535 }],
      destinations: [{ securityGroup: webId }, { any: true }],
      destinationPorts: [
        { start: 80, end: 80 },
        { start: 443, end: 443 },
      ],
      action: 'pass',
      ethertype: 'IPv6',
    });
    expect(acl.rules[2]).toMatchObject({ sources: [{ virtualNetwork: fq('red') }], destinations: [{ any: true }], ethertype: 'IPv4' });
  });

  it('compiles the security groups the interfaces ref: their entries as passing rules, `local` as the group itself', () => {
    const world = provisioned();
    const red = world.network('red');
    const db = securityGroup(world, 'db', []);
    const web = securityGroup(world, 'web', [
      {
        direction: '>',
        protocol: 'any',
        src_addresses: [{ security_group: 'local' }],
        src_ports: [{ start_port: 0, end_port: 65535 }],
        dst_addresses: [{ subnet: { ip_prefix: '0.0.0.0', ip_prefix_len: 0 } }],
        dst_ports: [{ start_port: 0, end_port: 65535 }],
        ethertype: 'IPv4',
      },
      {
        direction: '>',
        protocol: 'tcp',
        src_addresses: [{ security_group: fq('db') }],
        src_ports: [{ start_port: 0, end_port: 65535 }],
        dst_addresses: [{ security_group: 'local' }],
        dst_ports: [{ start_port: 5432, end_port: 5432 }],
      },
      {
        // -1 is Contrail's "any port": the whole range on the wire (ports are uint32 there).
        direction: '>',
        protocol: 'any',
        src_addresses: [{ subnet: { ip_prefix: '0.0.0.0', ip_prefix_len: 0 } }],
        src_ports: [{ start_port: -1, end_port: -1 }],
        dst_addresses: [{ security_group: 'local' }],
        dst_ports: [{ start_port: -1, end_port: -1 }],
      },
    ]);
    world.port('p', red, { security_group_refs: [{ uuid: web }], ...hostBinding('compute-1') });
    world.virtualRouter('compute-1');
    const [webId, dbId] = [web, db].map((uuid) => world.state.get(uuid)!.props.security_group_id as number);
    const config = NetworkModel.build(world.state).agentConfig('compute-1')!;
    expect(config.securityGroups).toEqual([
      {
        uuid: web,
        name: fq('web'),
        id: webId,
        rules: [
          {
            id: `${fq('web')}:0`,
            direction: '>',
            protocol: 'any',
            sources: [{ securityGroup: webId }],
            sourcePorts: [{ start: 0, end: 65535 }],
            destinations: [{ subnet: '0.0.0.0/0' }],
            destinationPorts: [{ start: 0, end: 65535 }],
            action: 'pass',
            ethertype: 'IPv4',
          },
          expect.objectContaining({ id: `${fq('web')}:1`, sources: [{ securityGroup: dbId }], destinations: [{ securityGroup: webId }], action: 'pass' }),
          expect.objectContaining({ id: `${fq('web')}:2`, sourcePorts: [{ start: 0, end: 65535 }], destinationPorts: [{ start: 0, end: 65535 }] }),
        ],
      },
    ]);
  });

  it('update names the virtual-routers whose config changed: a new address, a moved binding, a group created late', () => {
    const world = provisioned();
    const red = world.network('red');
    const port = world.port('p', red, hostBinding('compute-1'));
    const policy = world.policy('p', [
      { ...rule('local', 'any'), src_addresses: [{ security_group: fq('late') }], dst_addresses: [{ virtual_network: 'any' }] },
    ]);
    world.update('virtual-network', red, { network_policy_refs: [{ uuid: policy, attr: null }] });
    world.virtualRouter('compute-1');
    world.virtualRouter('compute-2');
    const model = NetworkModel.build(world.state);
    expect(model.agentConfig('compute-1')!.acls[0].rules[0].sources).toEqual([]);
    world.takeTouched();

    const ip = world.instanceIp('ip', red, port);
    let change = model.update(world.state, world.takeTouched());
    expect(change.virtualRoutersChanged).toEqual(['compute-1']);
    expect(model.agentConfig('compute-1')!.interfaces[0].ipAddresses).toEqual([world.state.get(ip)!.props.instance_ip_address]);

    world.update('virtual-machine-interface', port, hostBinding('compute-2'));
    change = model.update(world.state, world.takeTouched());
    expect(change.virtualRoutersChanged).toEqual(['compute-1', 'compute-2']);
    expect(model.agentConfig('compute-1')!.interfaces).toEqual([]);
    expect(model.agentConfig('compute-2')!.interfaces.map((i) => i.uuid)).toEqual([port]);

    const late = securityGroup(world, 'late', []);
    change = model.update(world.state, world.takeTouched());
    expect(change).toEqual({ vrfsChanged: [], vrfsRemoved: [], virtualRoutersChanged: ['compute-2'] });
    expect(model.agentConfig('compute-2')!.acls[0].rules[0].sources).toEqual([{ securityGroup: world.state.get(late)!.props.security_group_id }]);

    // An unrelated object changes nothing.
    world.network('blue');
    expect(model.update(world.state, world.takeTouched()).virtualRoutersChanged).toEqual([]);
  });

  it('update follows a virtual-router through its VM refs, its deletion, and a VM gaining an interface', () => {
    const world = provisioned();
    const red = world.network('red');
    const vm = world.machine('vm');
    const model = NetworkModel.build(world.state);
    world.takeTouched();
    const router = world.virtualRouter('compute-1', { virtual_machine_refs: [{ uuid: vm }] });
    expect(model.update(world.state, world.takeTouched()).virtualRoutersChanged).toEqual(['compute-1']);
    const port = world.port('p', red, { virtual_machine_refs: [{ uuid: vm }] });
    expect(model.update(world.state, world.takeTouched()).virtualRoutersChanged).toEqual(['compute-1']);
    expect(model.agentConfig('compute-1')!.interfaces.map((i) => i.uuid)).toEqual([port]);
    world.update('virtual-router', router, { virtual_machine_refs: [] });
    expect(model.update(world.state, world.takeTouched()).virtualRoutersChanged).toEqual(['compute-1']);
    expect(model.agentConfig('compute-1')!.interfaces).toEqual([]);
    world.delete('virtual-router', router);
    expect(model.update(world.state, world.takeTouched()).virtualRoutersChanged).toEqual(['compute-1']);
    expect(model.agentConfig('compute-1')).toBeUndefined();
    expect([...model.virtualRouters()]).toEqual([]);
  });

  it('a virtual-router name is the last element of its fq_name', () => {
    const world = provisioned();
    world.virtualRouter('b');
    world.virtualRouter('a');
    expect([...NetworkModel.build(world.state).virtualRouters()].map((r) => r.name)).toEqual(['a', 'b']);
    expect(GSC).toEqual(['default-global-system-config']);
  });
});
