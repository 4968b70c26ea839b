import { describe, expect, it } from '@jest/globals';
import { ConfigState, type ConfigObject } from '#libs/domain';
import {
  referenceAcls,
  referenceAgentConfig,
  referenceSecurityGroups,
  referenceTable,
  referenceVrfConfig,
  referenceVrfs,
  type Publication,
  type RefPath,
} from './reference-model.js';
import { ReferencePublications } from './reference-publications.js';
import {
  AGENTS,
  applyConfigStep,
  generateScenario,
  publicationOf,
  scenarioState,
  scenarioVrf,
  type ConfigOp,
  type PolicyRuleSpec,
  type VnName,
} from './scenario-generator.js';

/** The objects after the bootstrap and `ops`, each of which must go through. */
function configWith(...ops: ConfigOp[]): ConfigObject[] {
  const state = scenarioState();
  for (const op of ops) expect(applyConfigStep(state, { kind: 'config', ...op } as never).refused).toEqual([]);
  return [...state.all()];
}

const vn = (name: VnName, routeTargets: string[] | null = null): ConfigOp => ({ op: 'create-vn', vn: name, routeTargets });
const fq = (name: VnName) => `default-domain:${name === 'amber' || name === 'violet' ? 'other' : 'default-project'}:${name}`;
const rule = (src: string, dst: string, action: PolicyRuleSpec['action'] = 'pass', direction: '<>' | '>' = '<>'): PolicyRuleSpec => ({
  direction,
  protocol: 'any',
  src: [{ virtual_network: src }],
  dst: [{ virtual_network: dst }],
  action,
});
const policy = (name: 'pol-1' | 'pol-2' | 'pol-3', ...rules: PolicyRuleSpec[]): ConfigOp => ({ op: 'put-policy', policy: name, rules });
const attach = (v: VnName, p: 'pol-1' | 'pol-2' | 'pol-3', major?: number): ConfigOp => ({
  op: 'attach-policy',
  vn: v,
  policy: p,
  sequence: major === undefined ? null : { major, minor: 0 },
});

const address = (agent: string) => `192.0.2.${Number(agent.slice(-1)) + 1}`;

function pub(agent: string, v: VnName | string, prefix: string, extra: Partial<Publication> = {}): Publication {
  const vrf = v.includes(':') ? v : scenarioVrf(v as VnName);
  return { agent, vrf, prefix, nextHop: address(agent), label: 16, encapsulations: ['MPLSoUDP'], securityGroups: [], sequence: 0, localPreference: 100, ...extra };
}

function path(agent: string, origin: VnName, extra: Partial<RefPath> = {}): RefPath {
  return { nextHop: address(agent), label: 16, encapsulations: ['MPLSoUDP'], securityGroups: [], sequence: 0, localPreference: 100, agent, originVrf: scenarioVrf(origin), ...extra };
}

/** The table of a VN's VRF as plain data. */
const table = (objects: ConfigObject[], publications: Publication[], v: VnName) => Object.fromEntries(referenceTable(objects, publications, scenarioVrf(v)));

/** Which VNs' routes each VN sees, with one route per VN (prefix 10.0.<i>.1/32, agent-0). */
function seen(objects: ConfigObject[], vns: VnName[]): Record<string, string[]> {
  const publications = vns.map((v, i) => pub('agent-0', v, `10.0.${i + 1}.1/32`));
  return Object.fromEntries(
    vns.map((v) => [v, [...referenceTable(objects, publications, scenarioVrf(v)).values()].flat().map((p) => p.originVrf.split(':')[2])]),
  );
}

describe('reference model: VRFs and route targets', () => {
  it('names VRFs fq(VN):name and gives each its system target plus route_target_list', () => {
    const objects = configWith(vn('red', ['target:64512:100']), vn('blue'), vn('amber'));
    expect(Object.fromEntries(referenceVrfs(objects))).toEqual({
      'default-domain:default-project:red:red': { importTargets: ['target:64512:100', 'target:64512:8000000'], exportTargets: ['target:64512:100', 'target:64512:8000000'] },
      'default-domain:default-project:blue:blue': { importTargets: ['target:64512:8000001'], exportTargets: ['target:64512:8000001'] },
      'default-domain:other:amber:amber': { importTargets: ['target:64512:8000002'], exportTargets: ['target:64512:8000002'] },
    });
    expect(referenceVrfConfig(objects, scenarioVrf('blue'))).toEqual({
      name: scenarioVrf('blue'),
      virtualNetwork: fq('blue'),
      networkId: 2,
      vxlanId: 2,
      importTargets: ['target:64512:8000001'],
      exportTargets: ['target:64512:8000001'],
      acl: '',
    });
  });

  it('import and export lists add to one side only; the global ASN names the system target', () => {
    const objects = configWith(
      vn('red'),
      { op: 'set-route-targets', vn: 'red', list: 'export_route_target_list', targets: ['target:64512:101'] },
      { op: 'set-route-targets', vn: 'red', list: 'import_route_target_list', targets: ['target:64512:102'] },
      { op: 'set-asn', asn: 64513 },
    );
    expect(referenceVrfs(objects).get(scenarioVrf('red'))).toEqual({
      importTargets: ['target:64512:102', 'target:64513:8000000'],
      exportTargets: ['target:64512:101', 'target:64513:8000000'],
    });
  });
});

describe('reference model: connections', () => {
  it('a pass policy on both VNs leaks both ways, and connected VRFs import each other', () => {
    const objects = configWith(vn('red'), vn('blue'), vn('green'), policy('pol-1', rule(fq('red'), fq('blue'))), attach('red', 'pol-1'), attach('blue', 'pol-1'));
    const publications = [pub('agent-0', 'red', '10.0.1.10/32'), pub('agent-1', 'blue', '10.0.2.10/32'), pub('agent-2', 'green', '10.0.3.10/32')];
    const both = { '10.0.1.10/32': [path('agent-0', 'red')], '10.0.2.10/32': [path('agent-1', 'blue')] };
    expect(table(objects, publications, 'red')).toEqual(both);
    expect(table(objects, publications, 'blue')).toEqual(both);
    expect(table(objects, publications, 'green')).toEqual({ '10.0.3.10/32': [path('agent-2', 'green')] });
    expect(referenceVrfs(objects).get(scenarioVrf('red'))!.importTargets).toEqual(['target:64512:8000000', 'target:64512:8000001']);
  });

  it('a policy on one VN only connects nothing', () => {
    const objects = configWith(vn('red'), vn('blue'), policy('pol-1', rule(fq('red'), fq('blue'))), attach('red', 'pol-1'));
    expect(seen(objects, ['red', 'blue'])).toEqual({ red: ['red'], blue: ['blue'] });
  });

  it('`local` stands for the VN; direction does not matter; each VN may list the other in its own policy', () => {
    const objects = configWith(
      vn('red'),
      vn('blue'),
      policy('pol-1', rule('local', fq('blue'), 'pass', '>')),
      policy('pol-2', rule(fq('red'), 'local', 'pass', '>')),
      attach('red', 'pol-1'),
      attach('blue', 'pol-2'),
    );
    expect(seen(objects, ['red', 'blue'])).toEqual({ red: ['red', 'blue'], blue: ['red', 'blue'] });
  });

  it('deny, apply_service and a rule without action_list connect nothing', () => {
    for (const action of ['deny', 'service', 'none'] as const) {
      const objects = configWith(vn('red'), vn('blue'), policy('pol-1', rule(fq('red'), fq('blue'), action)), attach('red', 'pol-1'), attach('blue', 'pol-1'));
      expect(seen(objects, ['red', 'blue'])).toEqual({ red: ['red'], blue: ['blue'] });
    }
  });

  it('`any` lists every other VN of the project, and VNs anywhere that list the VN by name', () => {
    const base = [vn('red'), vn('blue'), vn('green'), vn('amber'), vn('violet'), policy('pol-1', rule('local', 'any'))];
    // red and blue both list any: same project, connected. green lists nothing; amber (other project) lists any.
    const objects = configWith(...base, attach('red', 'pol-1'), attach('blue', 'pol-1'), attach('amber', 'pol-1'));
    expect(seen(objects, ['red', 'blue', 'green', 'amber'])).toEqual({ red: ['red', 'blue'], blue: ['red', 'blue'], green: ['green'], amber: ['amber'] });
    // violet names red, so red's `any` lists violet back across projects; blue's `any` does not reach violet,
    // which names only red.
    const named = configWith(...base, policy('pol-2', rule('local', fq('red'))), attach('red', 'pol-1'), attach('blue', 'pol-1'), attach('violet', 'pol-2'));
    expect(seen(named, ['red', 'blue', 'violet'])).toEqual({ red: ['red', 'blue', 'violet'], blue: ['red', 'blue'], violet: ['red', 'violet'] });
  });

  it('a mesh VNR connects every two of its VNs', () => {
    const objects = configWith(vn('red'), vn('blue'), vn('green'), vn('amber'), { op: 'put-vnr', vnr: 'vnr-1', routerType: 'mesh', vns: ['red', 'blue', 'green'], selector: null });
    const all = ['red', 'blue', 'green'];
    expect(seen(objects, ['red', 'blue', 'green', 'amber'])).toEqual({ red: all, blue: all, green: all, amber: ['amber'] });
  });

  it('paired hub and spoke VNRs: hubs see spokes and spokes hubs, spokes not each other', () => {
    const hubAndSpoke: ConfigOp[] = [
      vn('red'),
      vn('blue'),
      vn('green'),
      { op: 'put-vnr', vnr: 'vnr-1', routerType: 'hub', vns: ['red'], selector: null },
      { op: 'put-vnr', vnr: 'vnr-2', routerType: 'spoke', vns: ['blue', 'green'], selector: null },
    ];
    expect(seen(configWith(...hubAndSpoke), ['red', 'blue', 'green'])).toEqual({ red: ['red'], blue: ['blue'], green: ['green'] });
    const paired = configWith(...hubAndSpoke, { op: 'link-vnr', from: 'vnr-2', to: 'vnr-1', add: true });
    expect(seen(paired, ['red', 'blue', 'green'])).toEqual({ red: ['red', 'blue', 'green'], blue: ['red', 'blue'], green: ['red', 'green'] });
    // Pairing works from the hub's side too.
    const fromHub = configWith(...hubAndSpoke, { op: 'link-vnr', from: 'vnr-1', to: 'vnr-2', add: true });
    expect(seen(fromHub, ['red', 'blue', 'green'])).toEqual({ red: ['red', 'blue', 'green'], blue: ['red', 'blue'], green: ['red', 'green'] });
  });

  it('linked mesh VNRs join; mesh with hub connects nothing', () => {
    const meshes: ConfigOp[] = [
      vn('red'),
      vn('blue'),
      { op: 'put-vnr', vnr: 'vnr-1', routerType: 'mesh', vns: ['red'], selector: null },
      { op: 'put-vnr', vnr: 'vnr-2', routerType: 'mesh', vns: ['blue'], selector: null },
      { op: 'link-vnr', from: 'vnr-1', to: 'vnr-2', add: true },
    ];
    expect(seen(configWith(...meshes), ['red', 'blue'])).toEqual({ red: ['red', 'blue'], blue: ['red', 'blue'] });
    const meshHub = configWith(...meshes, { op: 'put-vnr', vnr: 'vnr-2', routerType: 'hub', vns: ['blue'], selector: null });
    expect(seen(meshHub, ['red', 'blue'])).toEqual({ red: ['red'], blue: ['blue'] });
  });

  it('a selector picks the VNs of the VNR project carrying every label', () => {
    const tagged: ConfigOp[] = [
      vn('red'),
      vn('blue'),
      vn('green'),
      vn('amber'),
      { op: 'tag-vn', vn: 'red', tagType: 'tier', tagValue: 'web', add: true },
      { op: 'tag-vn', vn: 'blue', tagType: 'tier', tagValue: 'web', add: true },
      { op: 'tag-vn', vn: 'green', tagType: 'tier', tagValue: 'db', add: true },
      { op: 'tag-vn', vn: 'amber', tagType: 'tier', tagValue: 'web', add: true },
      { op: 'tag-vn', vn: 'red', tagType: 'env', tagValue: 'prod', add: true },
    ];
    const web = configWith(...tagged, { op: 'put-vnr', vnr: 'vnr-1', routerType: 'mesh', vns: [], selector: { tier: 'web' } });
    expect(seen(web, ['red', 'blue', 'green', 'amber'])).toEqual({ red: ['red', 'blue'], blue: ['red', 'blue'], green: ['green'], amber: ['amber'] });
    // Both labels: red only, plus green by ref.
    const both = configWith(...tagged, { op: 'put-vnr', vnr: 'vnr-1', routerType: 'mesh', vns: ['green'], selector: { tier: 'web', env: 'prod' } });
    expect(seen(both, ['red', 'blue', 'green'])).toEqual({ red: ['red', 'green'], blue: ['blue'], green: ['red', 'green'] });
  });

  it('a shared route target leaks without a connection; export/import lists leak one way', () => {
    const shared = configWith(vn('red', ['target:64512:100']), vn('blue'), vn('green', ['target:64512:100']));
    expect(seen(shared, ['red', 'blue', 'green'])).toEqual({ red: ['red', 'green'], blue: ['blue'], green: ['red', 'green'] });
    const oneWay = configWith(
      vn('red'),
      vn('blue'),
      { op: 'set-route-targets', vn: 'red', list: 'export_route_target_list', targets: ['target:64512:101'] },
      { op: 'set-route-targets', vn: 'blue', list: 'import_route_target_list', targets: ['target:64512:101'] },
    );
    expect(seen(oneWay, ['red', 'blue'])).toEqual({ red: ['red'], blue: ['red', 'blue'] });
  });

  it('a connection imports what the other VN exports under a user target too', () => {
    // red–blue connected; blue and green share target 100, so red imports it and sees green; green does not see red.
    const objects = configWith(
      vn('red'),
      vn('blue', ['target:64512:100']),
      vn('green', ['target:64512:100']),
      policy('pol-1', rule(fq('red'), fq('blue'))),
      attach('red', 'pol-1'),
      attach('blue', 'pol-1'),
    );
    expect(referenceVrfs(objects).get(scenarioVrf('red'))!.importTargets).toEqual(['target:64512:100', 'target:64512:8000000', 'target:64512:8000001']);
    expect(seen(objects, ['red', 'blue', 'green'])).toEqual({ red: ['red', 'blue', 'green'], blue: ['red', 'blue', 'green'], green: ['blue', 'green'] });
  });
});

describe('reference model: best paths', () => {
  const objects = configWith(vn('red', ['target:64512:100']), vn('green', ['target:64512:100']));
  const P = '10.0.1.10/32';

  it('equal paths are ECMP, sorted by next hop, then agent, then origin VRF', () => {
    const publications = [
      pub('agent-0', 'red', P, { nextHop: '192.0.2.9' }),
      pub('agent-1', 'red', P),
      pub('agent-3', 'green', P, { nextHop: '192.0.2.2' }),
      pub('agent-3', 'red', P, { nextHop: '192.0.2.2' }),
    ];
    expect(table(objects, publications, 'red')).toEqual({
      [P]: [
        path('agent-1', 'red'),
        path('agent-3', 'green', { nextHop: '192.0.2.2' }),
        path('agent-3', 'red', { nextHop: '192.0.2.2' }),
        path('agent-0', 'red', { nextHop: '192.0.2.9' }),
      ],
    });
  });

  it('local preference 0 is 100; the highest local preference wins, whatever the sequence', () => {
    const tie = [pub('agent-0', 'red', P, { localPreference: 0, sequence: 1 }), pub('agent-1', 'green', P, { localPreference: 100, sequence: 1 })];
    expect(table(objects, tie, 'red')).toEqual({ [P]: [path('agent-0', 'red', { sequence: 1 }), path('agent-1', 'green', { sequence: 1 })] });
    const preferred = [...tie, pub('agent-2', 'red', P, { localPreference: 200, sequence: 0 })];
    expect(table(objects, preferred, 'green')).toEqual({ [P]: [path('agent-2', 'red', { localPreference: 200 })] });
  });

  it('among equal preferences the highest sequence wins', () => {
    const publications = [pub('agent-0', 'red', P, { sequence: 2 }), pub('agent-1', 'red', P, { sequence: 3, localPreference: 0 }), pub('agent-2', 'green', P, { sequence: 1 })];
    expect(table(objects, publications, 'red')).toEqual({ [P]: [path('agent-1', 'red', { sequence: 3 })] });
  });

  it('the latest publication of a path replaces it; VRFs that do not exist publish nothing and have no table', () => {
    const publications = [pub('agent-0', 'red', P, { label: 17 }), pub('agent-0', 'red', P, { label: 18 }), pub('agent-1', 'default-domain:default-project:nowhere:nowhere', P)];
    expect(table(objects, publications, 'red')).toEqual({ [P]: [path('agent-0', 'red', { label: 18 })] });
    expect(referenceTable(objects, publications, 'default-domain:default-project:nowhere:nowhere').size).toBe(0);
    expect(table(objects, publications, 'blue')).toEqual({});
  });
});

describe('reference model: agents', () => {
  const ops: ConfigOp[] = [
    vn('red'),
    vn('blue'),
    policy('pol-1', rule('local', 'any')),
    policy('pol-2', { direction: '>', protocol: 'tcp', src: [{ subnet: { ip_prefix: '10.0.9.0', ip_prefix_len: 24 } }], dst: [{ virtual_network: 'local' }], action: 'deny' }),
    attach('red', 'pol-1', 1),
    attach('red', 'pol-2', 0),
    { op: 'create-port', port: 'port-0', vn: 'red', agent: 'agent-0', via: 'vm', securityGroups: ['sg-db', 'sg-web'] },
    { op: 'create-port', port: 'port-1', vn: 'blue', agent: 'agent-0', via: 'binding', securityGroups: [] },
    { op: 'create-port', port: 'port-2', vn: 'red', agent: 'agent-1', via: 'binding', securityGroups: [] },
  ];

  it('interfaces come through a VM the virtual-router refs or a host_id binding, with IPs, MAC, groups, VRFs', () => {
    const objects = configWith(...ops);
    const port = (name: string) => objects.find((o) => o.type === 'virtual-machine-interface' && o.fq_name[2] === name)!;
    const mac = (name: string) => (port(name).props.virtual_machine_interface_mac_addresses as { mac_address: string[] }).mac_address[0];
    const config = referenceAgentConfig(objects, 'agent-0')!;
    expect(config.vrfs).toEqual([scenarioVrf('blue'), scenarioVrf('red')]);
    expect(config.interfaces).toEqual(
      [
        { uuid: port('port-0').uuid, vrf: scenarioVrf('red'), ipAddresses: ['10.0.1.252'], macAddress: mac('port-0'), securityGroups: [8_000_001, 8_000_000] },
        { uuid: port('port-1').uuid, vrf: scenarioVrf('blue'), ipAddresses: ['10.0.2.252'], macAddress: mac('port-1'), securityGroups: [] },
      ].sort((a, b) => (a.uuid < b.uuid ? -1 : 1)),
    );
    expect(mac('port-0')).toMatch(/^02:/);
    expect(referenceAgentConfig(objects, 'agent-1')!.interfaces.map((i) => i.ipAddresses)).toEqual([['10.0.1.251']]);
    expect(referenceAgentConfig(objects, 'agent-3')).toEqual({ interfaces: [], vrfs: [] });
    expect(referenceAgentConfig(objects, 'no-such-agent')).toBeUndefined();
    const moved = configWith(...ops, { op: 'move-port', port: 'port-0', agent: 'agent-1' }, { op: 'move-port', port: 'port-1', agent: 'agent-2' });
    expect(referenceAgentConfig(moved, 'agent-0')).toEqual({ interfaces: [], vrfs: [] });
    expect(referenceAgentConfig(moved, 'agent-1')!.interfaces).toHaveLength(2);
    expect(referenceAgentConfig(moved, 'agent-2')!.vrfs).toEqual([scenarioVrf('blue')]);
  });

  it('ACLs follow the policy ref sequence; security groups compile with action pass', () => {
    const objects = configWith(...ops);
    expect(referenceAcls(objects, 'agent-0')).toEqual([
      {
        name: fq('red'),
        rules: [
          {
            id: 'default-domain:default-project:pol-2:0',
            direction: '>',
            protocol: 'tcp',
            sources: [{ subnet: '10.0.9.0/24' }],
            sourcePorts: [{ start: 0, end: 65535 }],
            destinations: [{ virtualNetwork: fq('red') }],
            destinationPorts: [{ start: 0, end: 65535 }],
            action: 'deny',
            ethertype: 'IPv4',
          },
          {
            id: 'default-domain:default-project:pol-1:0',
            direction: '<>',
            protocol: 'any',
            sources: [{ virtualNetwork: fq('red') }],
            sourcePorts: [{ start: 0, end: 65535 }],
            destinations: [{ any: true }],
            destinationPorts: [{ start: 0, end: 65535 }],
            action: 'pass',
            ethertype: 'IPv4',
          },
        ],
      },
    ]);
    expect(referenceVrfConfig(objects, scenarioVrf('red'))!.acl).toBe(fq('red'));
    const groups = referenceSecurityGroups(objects, 'agent-0')!;
    expect(groups.map((g) => [g.name, g.id, g.rules.map((r) => [r.id, r.action, r.sources])])).toEqual([
      ['default-domain:default-project:sg-db', 8_000_001, [['default-domain:default-project:sg-db:0', 'pass', [{ securityGroup: 8_000_001 }]]]],
      ['default-domain:default-project:sg-web', 8_000_000, [['default-domain:default-project:sg-web:0', 'pass', [{ securityGroup: 8_000_000 }]]]],
    ]);
  });
});

describe('reference publications', () => {
  it('refuses unknown VRFs, loses the paths of a deleted VRF for good, drops stale paths on request', () => {
    const state = scenarioState();
    applyConfigStep(state, { kind: 'config', op: 'create-vn', vn: 'red', routeTargets: null });
    const ledger = new ReferencePublications();
    expect(ledger.publish([...state.all()], pub('agent-0', 'blue', '10.0.0.1/32'))).toBe(false);
    expect(ledger.publish([...state.all()], pub('agent-0', 'red', '10.0.0.1/32'))).toBe(true);
    applyConfigStep(state, { kind: 'config', op: 'delete-vn', vn: 'red', cascade: true });
    ledger.configChanged([...state.all()]);
    applyConfigStep(state, { kind: 'config', op: 'create-vn', vn: 'red', routeTargets: null });
    ledger.configChanged([...state.all()]);
    expect(ledger.list()).toEqual([]);
    ledger.publish([...state.all()], pub('agent-0', 'red', '10.0.0.1/32'));
    ledger.publish([...state.all()], pub('agent-0', 'red', '10.0.0.2/32'));
    ledger.publish([...state.all()], pub('agent-1', 'red', '10.0.0.2/32'));
    ledger.disconnected('agent-0');
    ledger.publish([...state.all()], pub('agent-0', 'red', '10.0.0.2/32', { sequence: 1 }));
    ledger.dropStale('agent-0');
    expect(ledger.list().map((p) => `${p.agent} ${p.prefix} ${p.sequence}`).sort()).toEqual(['agent-0 10.0.0.2/32 1', 'agent-1 10.0.0.2/32 0']);
  });
});

describe('scenario generator', () => {
  it('is deterministic in its seed', () => {
    expect(generateScenario(7, 150)).toEqual(generateScenario(7, 150));
    expect(generateScenario(7, 150)).not.toEqual(generateScenario(8, 150));
  });

  it('starts with a bootstrap and makes colliding, preferred and leaked paths', () => {
    let ecmp = 0;
    let leaked = 0;
    let preferred = 0;
    let refused = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const steps = generateScenario(seed, 200);
      expect(steps[0]).toEqual({ kind: 'config', op: 'bootstrap' });
      const state = new ConfigState();
      const ledger = new ReferencePublications();
      for (const step of steps) {
        if (step.kind === 'config') {
          refused += applyConfigStep(state, step).refused.length;
          ledger.configChanged([...state.all()]);
        } else if (step.op === 'publish') {
          ledger.publish([...state.all()], publicationOf(step));
        } else if (step.op === 'withdraw') {
          ledger.withdraw(step.agent, step.vrf, step.prefix);
        }
      }
      const objects = [...state.all()];
      for (const vrf of referenceVrfs(objects).keys()) {
        for (const paths of referenceTable(objects, ledger.list(), vrf).values()) {
          if (paths.length > 1) ecmp++;
          if (paths.some((p) => p.originVrf !== vrf)) leaked++;
          if (paths[0]!.localPreference > 100) preferred++;
        }
      }
      expect(AGENTS.every((agent) => referenceAgentConfig(objects, agent) !== undefined)).toBe(true);
    }
    expect(ecmp).toBeGreaterThan(5);
    expect(leaked).toBeGreaterThan(5);
    expect(preferred).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(0);
  });

  it('applyConfigStep changes a ConfigState through the deciders and reports what it refused', () => {
    const state = scenarioState();
    const before = state.position;
    const created = applyConfigStep(state, { kind: 'config', op: 'create-vn', vn: 'red', routeTargets: ['target:64512:100'] });
    expect(created.refused).toEqual([]);
    expect(created.events.map((e) => e.globalPosition)).toEqual(created.events.map((_, i) => before + i + 1));
    const red = state.get(state.uuidOf('virtual-network', ['default-domain', 'default-project', 'red'])!)!;
    expect(created.touched).toEqual([red.uuid]);
    expect(red.allocations).toContainEqual({ kind: 'number', pool: 'route-target', number: 8_000_000 });
    expect(applyConfigStep(state, { kind: 'config', op: 'create-vn', vn: 'red', routeTargets: null }).refused[0]).toMatch(/already exists/);
    const attached = applyConfigStep(state, { kind: 'config', op: 'attach-policy', vn: 'red', policy: 'pol-1', sequence: null });
    expect(attached).toEqual({ events: [], touched: [], refused: [expect.stringMatching(/does not exist/)] });
    expect(state.position).toBe(before + created.events.length);
  });
});
