import { describe, expect, it } from '@jest/globals';
import { NetworkModel } from './network-model.js';
import { GSC, PROJECT, fq, provisioned, vrfOf } from './network-world.test.js';

describe('VRF configs (semantics §1)', () => {
  it('names the VRF after the VN, takes its ids, and its system target from its allocation and the global ASN', () => {
    const world = provisioned();
    const red = world.network('red');
    const vrf = NetworkModel.build(world.state).vrf(vrfOf('red'))!;
    expect(vrf).toEqual({
      name: 'default-domain:default-project:red:red',
      virtualNetwork: 'default-domain:default-project:red',
      virtualNetworkUuid: red,
      networkId: 1,
      vxlanId: 1,
      systemTarget: 'target:64512:8000000',
      importTargets: ['target:64512:8000000'],
      exportTargets: ['target:64512:8000000'],
      connections: [],
      acl: '',
      clusters: [],
    });
  });

  it('uses the ASN of default-global-system-config, and follows a change of it', () => {
    const world = provisioned(64513);
    world.network('red');
    world.network('blue');
    const model = NetworkModel.build(world.state);
    expect(model.vrf(vrfOf('red'))!.systemTarget).toBe('target:64513:8000000');
    world.update('global-system-config', world.state.uuidOf('global-system-config', GSC)!, { autonomous_system: 65000 });
    const change = model.update(world.state, world.takeTouched());
    expect(change.vrfsChanged.map((v) => [v.name, v.systemTarget])).toEqual([
      [vrfOf('blue'), 'target:65000:8000001'],
      [vrfOf('red'), 'target:65000:8000000'],
    ]);
    expect(change.vrfsRemoved).toEqual([]);
  });

  it('adds route_target_list to both sets, import and export lists to one each; sorted, without duplicates', () => {
    const world = provisioned();
    world.network('red', {
      route_target_list: { route_target: ['target:64512:300', 'target:64512:100'] },
      import_route_target_list: { route_target: ['target:64512:200', 'target:64512:100'] },
      export_route_target_list: { route_target: ['target:1.2.3.4:5'] },
    });
    const vrf = NetworkModel.build(world.state).vrf(vrfOf('red'))!;
    expect(vrf.importTargets).toEqual(['target:64512:100', 'target:64512:200', 'target:64512:300', 'target:64512:8000000']);
    expect(vrf.exportTargets).toEqual(['target:1.2.3.4:5', 'target:64512:100', 'target:64512:300', 'target:64512:8000000']);
  });

  it('takes the VXLAN id from vxlan_network_identifier when set, else the network id', () => {
    const world = provisioned();
    world.network('red', { virtual_network_properties: { vxlan_network_identifier: 5000 } });
    world.network('blue');
    const model = NetworkModel.build(world.state);
    expect(model.vrf(vrfOf('red'))).toMatchObject({ networkId: 1, vxlanId: 5000 });
    expect(model.vrf(vrfOf('blue'))).toMatchObject({ networkId: 2, vxlanId: 2 });
  });

  it('has no system target when the VN holds no route-target number', () => {
    const world = provisioned();
    world.apply({
      type: 'VirtualNetworkCreated',
      streamId: 'virtual-network-bare',
      streamRevision: 0,
      data: {
        type: 'virtual-network',
        uuid: 'bare',
        fq_name: [...PROJECT, 'bare'],
        parent_type: 'project',
        parent_uuid: world.state.uuidOf('project', PROJECT)!,
        props: { virtual_network_network_id: 7, route_target_list: { route_target: ['target:64512:9'] } },
        refs: {},
        allocations: [],
        at: '2026-11-25T12:00:00.000Z',
      },
    });
    const vrf = NetworkModel.build(world.state).vrf(vrfOf('bare'))!;
    expect(vrf).toMatchObject({ systemTarget: '', importTargets: ['target:64512:9'], exportTargets: ['target:64512:9'], networkId: 7 });
  });

  it('names the ACL after the VN once it has a policy, and lists the clusters it is stretched to', () => {
    const world = provisioned();
    const p = world.policy('p', []);
    const c2 = world.create('cluster', { fq_name: [...GSC, 'east'], parent_type: 'global-system-config' });
    const c1 = world.create('cluster', { fq_name: [...GSC, 'west'], parent_type: 'global-system-config' });
    const red = world.network('red');
    const model = NetworkModel.build(world.state);
    world.takeTouched();
    world.update('virtual-network', red, { network_policy_refs: [{ uuid: p, attr: null }], cluster_refs: [{ uuid: c1 }, { uuid: c2 }] });
    const change = model.update(world.state, world.takeTouched());
    expect(change.vrfsChanged).toEqual([expect.objectContaining({ acl: fq('red'), clusters: ['east', 'west'] })]);
  });

  it('drops the VRF when its VN is deleted', () => {
    const world = provisioned();
    const red = world.network('red');
    const model = NetworkModel.build(world.state);
    world.takeTouched();
    world.delete('virtual-network', red);
    expect(model.update(world.state, world.takeTouched())).toEqual({ vrfsChanged: [], vrfsRemoved: [vrfOf('red')], virtualRoutersChanged: [] });
    expect(model.vrf(vrfOf('red'))).toBeUndefined();
    expect([...model.vrfs()]).toEqual([]);
  });
});
