import { describe, expect, it } from '@jest/globals';
import { NetworkModel } from './network-model.js';
import { PROJECT, fq, provisioned, rule, vrfOf, type World } from './network-world.test.js';

const OTHER = ['default-domain', 'other'];

const connectionsOf = (model: NetworkModel): Record<string, string[]> =>
  Object.fromEntries([...model.vrfs()].map((vrf) => [vrf.name.split(':').at(-1), vrf.connections.map((name) => name.split(':').at(-1))]));

const attach = (world: World, vn: string, ...policies: string[]) =>
  world.update('virtual-network', vn, { network_policy_refs: policies.map((uuid) => ({ uuid, attr: null })) });

describe('connections by network policy (semantics §2, TF)', () => {
  it('connects two VNs a passing rule lists and that both attach; each imports what the other exports', () => {
    const world = provisioned();
    const red = world.network('red', { export_route_target_list: { route_target: ['target:64512:77'] } });
    const blue = world.network('blue');
    world.network('green');
    const p = world.policy('p', [rule(fq('red'), fq('blue'), { simple_action: 'pass' }, '>')]);
    attach(world, red, p);
    attach(world, blue, p);
    const model = NetworkModel.build(world.state);
    expect(connectionsOf(model)).toEqual({ red: ['blue'], blue: ['red'], green: [] });
    expect(model.vrf(vrfOf('blue'))!.importTargets).toEqual(['target:64512:77', 'target:64512:8000000', 'target:64512:8000001']);
    expect(model.vrf(vrfOf('red'))!.importTargets).toEqual(['target:64512:8000000', 'target:64512:8000001']);
    expect(model.vrf(vrfOf('red'))!.connections).toEqual([vrfOf('blue')]);
  });

  it('does not connect when only one side attaches the policy', () => {
    const world = provisioned();
    const red = world.network('red');
    world.network('blue');
    attach(world, red, world.policy('p', [rule(fq('red'), fq('blue'))]));
    expect(connectionsOf(NetworkModel.build(world.state))).toEqual({ red: [], blue: [] });
  });

  it.each([
    ['deny', { simple_action: 'deny' }],
    ['apply_service', { simple_action: 'pass', apply_service: ['default-domain:default-project:fw'] }],
    ['no simple action', { log: true }],
    ['no action list', null],
  ])('a rule with %s connects nothing', (_label, actions) => {
    const world = provisioned();
    const red = world.network('red');
    const blue = world.network('blue');
    const p = world.policy('p', [rule(fq('red'), fq('blue'), actions)]);
    attach(world, red, p);
    attach(world, blue, p);
    expect(connectionsOf(NetworkModel.build(world.state))).toEqual({ red: [], blue: [] });
  });

  it('reads `local` as the VN attaching the policy', () => {
    const world = provisioned();
    const red = world.network('red');
    const blue = world.network('blue');
    attach(world, red, world.policy('from-red', [rule('local', fq('blue'))]));
    attach(world, blue, world.policy('from-blue', [rule(fq('red'), 'local')]));
    expect(connectionsOf(NetworkModel.build(world.state))).toEqual({ red: ['blue'], blue: ['red'] });
  });

  it('reads `any` as every other VN of the project, and every VN that lists the VN by name', () => {
    const world = provisioned();
    world.create('project', { fq_name: OTHER, parent_type: 'domain' });
    const any = world.policy('any', [rule('local', 'any')]);
    const red = world.network('red');
    const blue = world.network('blue');
    world.network('idle');
    const far = world.network('far', {}, OTHER);
    const lonely = world.network('lonely', {}, OTHER);
    attach(world, red, any);
    attach(world, blue, any);
    // far lists red by name; lonely only lists `any`, and is in another project than red and blue.
    attach(world, far, world.policy('far-red', [rule('local', fq('red'))], OTHER));
    attach(world, lonely, world.policy('lonely-any', [rule('any', 'local')], OTHER));
    expect(connectionsOf(NetworkModel.build(world.state))).toEqual({ red: ['blue', 'far'], blue: ['red'], idle: [], far: ['red'], lonely: [] });
  });

  it('ignores names of no VN, and connects once such a VN is created and attaches the policy', () => {
    const world = provisioned();
    const red = world.network('red');
    const p = world.policy('p', [rule('local', 'default-domain:nowhere:x'), rule(fq('red'), fq('blue'))]);
    attach(world, red, p);
    const model = NetworkModel.build(world.state);
    expect(connectionsOf(model)).toEqual({ red: [] });
    world.takeTouched();
    world.network('blue', { network_policy_refs: [{ uuid: p, attr: null }] });
    const change = model.update(world.state, world.takeTouched());
    expect(change.vrfsChanged.map((v) => v.name)).toEqual([vrfOf('blue'), vrfOf('red')]);
    expect(connectionsOf(model)).toEqual({ red: ['blue'], blue: ['red'] });
  });

  it('disconnects when a VN detaches the policy, and when the rule stops passing', () => {
    const world = provisioned();
    const red = world.network('red');
    const blue = world.network('blue');
    const p = world.policy('p', [rule(fq('red'), fq('blue'))]);
    attach(world, red, p);
    attach(world, blue, p);
    const model = NetworkModel.build(world.state);
    world.takeTouched();
    attach(world, blue);
    let change = model.update(world.state, world.takeTouched());
    expect(change.vrfsChanged.map((v) => [v.name, v.connections, v.importTargets])).toEqual([
      [vrfOf('blue'), [], ['target:64512:8000001']],
      [vrfOf('red'), [], ['target:64512:8000000']],
    ]);
    attach(world, blue, p);
    model.update(world.state, world.takeTouched());
    expect(connectionsOf(model)).toEqual({ red: ['blue'], blue: ['red'] });
    world.update('network-policy', p, { network_policy_entries: { policy_rule: [rule(fq('red'), fq('blue'), { simple_action: 'deny' })] } });
    change = model.update(world.state, world.takeTouched());
    expect(change.vrfsChanged.map((v) => v.name)).toEqual([vrfOf('blue'), vrfOf('red')]);
    expect(connectionsOf(model)).toEqual({ red: [], blue: [] });
  });
});

describe('connections by virtual network router (semantics §2, CN2)', () => {
  const vnr = (world: World, name: string, type: string, body: Record<string, unknown> = {}, project = PROJECT) =>
    world.create('virtual-network-router', { fq_name: [...project, name], parent_type: 'project', virtual_network_router_type: type, ...body });
  const refs = (...uuids: string[]) => uuids.map((uuid) => ({ uuid }));

  it('a mesh connects every two VNs it refs', () => {
    const world = provisioned();
    const [a, b, c] = ['a', 'b', 'c'].map((name) => world.network(name));
    world.network('d');
    vnr(world, 'mesh', 'mesh', { virtual_network_refs: refs(a, b, c) });
    expect(connectionsOf(NetworkModel.build(world.state))).toEqual({ a: ['b', 'c'], b: ['a', 'c'], c: ['a', 'b'], d: [] });
  });

  it('a mesh selects the VNs of its project that carry every label of its selector', () => {
    const world = provisioned();
    world.create('project', { fq_name: OTHER, parent_type: 'domain' });
    const tag = (type: string, value: string) => world.create('tag', { fq_name: [`${type}=${value}`], tag_type_name: type, tag_value: value });
    const web = tag('tier', 'web');
    const linux = tag('os', 'linux');
    const db = tag('tier', 'db');
    world.network('a', { tag_refs: refs(web, linux) });
    world.network('b', { tag_refs: refs(linux, web) });
    const c = world.network('c', { tag_refs: refs(web) });
    world.network('d', { tag_refs: refs(db, linux) });
    world.network('far', { tag_refs: refs(web, linux) }, OTHER);
    vnr(world, 'mesh', 'mesh', { virtual_network_selector: { match_labels: { tier: 'web', os: 'linux' } } });
    const model = NetworkModel.build(world.state);
    expect(connectionsOf(model)).toEqual({ a: ['b'], b: ['a'], c: [], d: [], far: [] });
    // Tagging the third VN brings it into the mesh.
    world.takeTouched();
    world.update('virtual-network', c, { tag_refs: refs(web, linux) });
    model.update(world.state, world.takeTouched());
    expect(connectionsOf(model)).toEqual({ a: ['b', 'c'], b: ['a', 'c'], c: ['a', 'b'], d: [], far: [] });
  });

  it('pairs a hub and a spoke that ref each other: spokes reach hubs, not each other', () => {
    const world = provisioned();
    const [hub1, hub2, s1, s2] = ['hub1', 'hub2', 's1', 's2'].map((name) => world.network(name));
    const hub = vnr(world, 'hub', 'hub', { virtual_network_refs: refs(hub1, hub2) });
    vnr(world, 'spoke', 'spoke', { virtual_network_refs: refs(s1, s2), virtual_network_router_refs: refs(hub) });
    expect(connectionsOf(NetworkModel.build(world.state))).toEqual({ hub1: ['s1', 's2'], hub2: ['s1', 's2'], s1: ['hub1', 'hub2'], s2: ['hub1', 'hub2'] });
  });

  it('joins two meshes when one refs the other; other pairings connect nothing', () => {
    const world = provisioned();
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((name) => world.network(name));
    const m1 = vnr(world, 'm1', 'mesh', { virtual_network_refs: refs(a, b) });
    vnr(world, 'm2', 'mesh', { virtual_network_refs: refs(c), virtual_network_router_refs: refs(m1) });
    const spoke = vnr(world, 'spoke', 'spoke', { virtual_network_refs: refs(d), virtual_network_router_refs: refs(m1) });
    vnr(world, 'spoke2', 'spoke', { virtual_network_refs: refs(e), virtual_network_router_refs: refs(spoke) });
    expect(connectionsOf(NetworkModel.build(world.state))).toEqual({ a: ['b', 'c'], b: ['a', 'c'], c: ['a', 'b'], d: [], e: [] });
  });
});

describe('shared route targets (semantics §2, §3)', () => {
  it('leave connections empty while both VRFs export and import the shared target', () => {
    const world = provisioned();
    world.network('red', { route_target_list: { route_target: ['target:64512:100'] } });
    world.network('blue', { route_target_list: { route_target: ['target:64512:100'] } });
    const model = NetworkModel.build(world.state);
    for (const name of ['red', 'blue']) {
      const vrf = model.vrf(vrfOf(name))!;
      expect(vrf.connections).toEqual([]);
      expect(vrf.exportTargets).toContain('target:64512:100');
      expect(vrf.importTargets).toContain('target:64512:100');
      expect(vrf.importTargets).toHaveLength(2);
    }
  });
});
