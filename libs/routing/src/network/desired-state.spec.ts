import { describe, expect, it } from '@jest/globals';
import { NetworkModel } from './network-model.js';
import { GSC, fq, provisioned, rule, vrfOf } from './network-world.test.js';

const binding = (host: string) => ({ virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: host }] } });

/** Two clusters: west with one node using red, default with one node using red and blue; green stretched to east. */
function twoClusters() {
  const world = provisioned();
  const west = world.create('cluster', { fq_name: [...GSC, 'west'], parent_type: 'global-system-config' });
  const east = world.create('cluster', { fq_name: [...GSC, 'east'], parent_type: 'global-system-config' });
  world.create('cluster', { fq_name: [...GSC, 'idle'], parent_type: 'global-system-config' });
  const red = world.network('red');
  const blue = world.network('blue');
  const green = world.network('green', { cluster_refs: [{ uuid: east }], route_target_list: { route_target: ['target:64512:5'] } });
  const p = world.policy('p', [rule(fq('red'), fq('blue'))]);
  world.update('virtual-network', red, { network_policy_refs: [{ uuid: p, attr: null }] });
  world.update('virtual-network', blue, { network_policy_refs: [{ uuid: p, attr: null }] });
  world.port('w1', red, binding('west-1'));
  world.port('d1', red, binding('main-1'));
  world.port('d2', blue, binding('main-1'));
  world.virtualRouter('west-1', { cluster_refs: [{ uuid: west }] });
  world.virtualRouter('main-1');
  return { world, west, east, red, blue, green };
}

describe('per-cluster desired state (semantics §5)', () => {
  it('lists the default cluster, every cluster object, and every cluster referred to', () => {
    const { world } = twoClusters();
    const model = NetworkModel.build(world.state);
    expect(model.clusters()).toEqual(['default', 'east', 'idle', 'west']);
    expect(model.virtualRouter('west-1')!.cluster).toBe('west');
    expect(model.virtualRouter('main-1')!.cluster).toBe('default');
  });

  it("holds the cluster's virtual-routers with their configs, the union of their VRFs, and route target uses", () => {
    const { world } = twoClusters();
    const model = NetworkModel.build(world.state);
    const west = model.desiredState('west');
    expect(west.cluster).toBe('west');
    expect(west.position).toBe(world.state.position);
    expect(west.virtualRouters).toEqual([model.agentConfig('west-1')]);
    expect(west.vrfs.map((v) => v.name)).toEqual([vrfOf('red')]);
    // red is connected to blue: it imports blue's target although blue has no interface in this cluster.
    expect(west.routeTargets).toEqual([
      { target: 'target:64512:8000000', importedBy: [vrfOf('red')], exportedBy: [vrfOf('red')] },
      { target: 'target:64512:8000001', importedBy: [vrfOf('red')], exportedBy: [] },
    ]);
    const main = model.desiredState('default');
    expect(main.virtualRouters.map((a) => a.virtualRouter.name)).toEqual(['main-1']);
    expect(main.vrfs.map((v) => v.name)).toEqual([vrfOf('blue'), vrfOf('red')]);
    expect(main.routeTargets).toEqual([
      { target: 'target:64512:8000000', importedBy: [vrfOf('blue'), vrfOf('red')], exportedBy: [vrfOf('red')] },
      { target: 'target:64512:8000001', importedBy: [vrfOf('blue'), vrfOf('red')], exportedBy: [vrfOf('blue')] },
    ]);
  });

  it('adds the VRF of a VN stretched to the cluster though no interface there uses it', () => {
    const { world } = twoClusters();
    const east = NetworkModel.build(world.state).desiredState('east');
    expect(east.virtualRouters).toEqual([]);
    expect(east.vrfs.map((v) => v.name)).toEqual([vrfOf('green')]);
    expect(east.routeTargets).toEqual([
      { target: 'target:64512:5', importedBy: [vrfOf('green')], exportedBy: [vrfOf('green')] },
      { target: 'target:64512:8000002', importedBy: [vrfOf('green')], exportedBy: [vrfOf('green')] },
    ]);
    expect(NetworkModel.build(world.state).desiredState('nowhere')).toEqual({
      cluster: 'nowhere',
      position: world.state.position,
      virtualRouters: [],
      vrfs: [],
      routeTargets: [],
    });
  });

  it('moves a virtual-router between clusters, and follows the log position', () => {
    const { world, east } = twoClusters();
    const model = NetworkModel.build(world.state);
    world.takeTouched();
    world.update('virtual-router', world.state.uuidOf('virtual-router', [...GSC, 'west-1'])!, { cluster_refs: [{ uuid: east }] });
    const change = model.update(world.state, world.takeTouched());
    expect(change.virtualRoutersChanged).toEqual(['west-1']);
    expect(model.position).toBe(world.state.position);
    expect(model.desiredState('west')).toMatchObject({ virtualRouters: [], vrfs: [], routeTargets: [], position: world.state.position });
    expect(model.desiredState('east').vrfs.map((v) => v.name)).toEqual([vrfOf('green'), vrfOf('red')]);
    // An event the network does not depend on moves the position only.
    const before = model.desiredState('east');
    world.create('domain', { fq_name: ['elsewhere'] });
    expect(model.update(world.state, world.takeTouched())).toEqual({ vrfsChanged: [], vrfsRemoved: [], virtualRoutersChanged: [] });
    expect(model.desiredState('east')).toEqual({ ...before, position: world.state.position });
  });

  it('digest: equal for equal models, whatever the position; different once the network changes', () => {
    const { world, green } = twoClusters();
    const model = NetworkModel.build(world.state);
    const early = model.digest();
    world.takeTouched();
    world.create('domain', { fq_name: ['elsewhere'] });
    model.update(world.state, world.takeTouched());
    expect(model.digest()).toMatch(/^[0-9a-f]{64}$/);
    expect(model.digest()).toBe(early);
    expect(model.digest()).toBe(NetworkModel.build(world.state).digest());
    world.update('virtual-network', green, { route_target_list: { route_target: ['target:64512:6'] } });
    const before = model.digest();
    model.update(world.state, world.takeTouched());
    expect(model.digest()).not.toBe(before);
    expect(model.digest()).toBe(NetworkModel.build(world.state).digest());
  });
});
