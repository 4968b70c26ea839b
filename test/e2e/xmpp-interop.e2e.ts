// Tungsten Fabric agents and gRPC agents on one controller: the built all-in-one controller (XMPP_PORT=0), an XMPP
// agent over raw TCP speaking the dialect with libs/xmpp's agent encoders, and simulated gRPC agents. Config goes in
// through REST; routes and config come out on both wires.
import { SimulatedAgent } from '#apps/agent-sim';
import type { IfmapNode } from '#libs/xmpp';
import { XmppTestAgent } from '../../apps/control/src/xmpp/xmpp-test-agent.test.js';
import { RunningController, networkBody, subnet, tempDataDir, type ConfigApi, type Json } from './config-api-support.js';

const HOLD_MS = 1500;
const PROJECT = ['default-domain', 'default-project'];
const GSC = ['default-global-system-config'];
const vrf = (vn: string): string => [...PROJECT, vn, vn].join(':');
const fq = (vn: string): string => [...PROJECT, vn].join(':');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('XMPP and gRPC agents on one controller', () => {
  const dataDir = tempDataDir();
  let controller: RunningController;
  let api: ConfigApi;
  let grpcTarget: string;
  let xmppAddress: string;
  const grpcAgents: SimulatedAgent[] = [];
  const xmppAgents: XmppTestAgent[] = [];

  beforeAll(async () => {
    controller = await RunningController.start(dataDir.path, { AGENT_HOLD_TIME_MS: String(HOLD_MS), LOG_LEVEL: 'info' });
    api = controller.api;
    const listening = controller.process.lines.find((line) => line.msg === 'listening')!;
    grpcTarget = listening.grpc as string;
    xmppAddress = listening.xmpp as string;
  });

  afterAll(async () => {
    for (const agent of xmppAgents) agent.destroy();
    await Promise.all(grpcAgents.map((a) => a.close().catch(() => undefined)));
    await controller?.stop();
    dataDir.remove();
  });

  async function network(name: string, cidr: string): Promise<void> {
    await api.create('virtual-network', networkBody([...PROJECT, name], [{ subnet: subnet(cidr) }]));
  }

  async function virtualRouter(name: string, address: string): Promise<void> {
    await api.create('virtual-router', { fq_name: [...GSC, name], parent_type: 'global-system-config', virtual_router_ip_address: address });
  }

  /** A port on `network` bound to `host`, with one instance IP; returns the IP. */
  async function port(name: string, network: string, host: string): Promise<string> {
    const vmi = await api.create('virtual-machine-interface', {
      fq_name: [...PROJECT, name],
      parent_type: 'project',
      virtual_network_refs: [{ to: [...PROJECT, network] }],
      virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: host }] },
    });
    const ip = await api.create('instance-ip', { fq_name: [`${name}-ip`], virtual_network_refs: [{ to: [...PROJECT, network] }], virtual_machine_interface_refs: [{ uuid: vmi.uuid }] });
    return ip.instance_ip_address as string;
  }

  async function grpcAgent(name: string, address: string): Promise<SimulatedAgent> {
    const sim = new SimulatedAgent({ target: grpcTarget, name, address, followConfig: true });
    grpcAgents.push(sim);
    await sim.connect();
    return sim;
  }

  function xmppAgent(name: string): XmppTestAgent {
    const separator = xmppAddress.lastIndexOf(':');
    const agent = new XmppTestAgent(name, { host: xmppAddress.slice(0, separator), port: Number(xmppAddress.slice(separator + 1)), keepaliveMs: 10_000 });
    xmppAgents.push(agent);
    return agent;
  }

  async function setPolicies(network: string, policies: string[]): Promise<void> {
    const uuid = await api.uuidOf('virtual-network', [...PROJECT, network]);
    const refs = policies.map((p, i) => ({ to: [...PROJECT, p], attr: { sequence: { major: i, minor: 0 } } }));
    const answer = await api.put(`/virtual-network/${uuid}`, { 'virtual-network': { network_policy_refs: refs } });
    expect(answer.status).toBe(200);
  }

  const nodeNames = (agent: XmppTestAgent, type: string) => agent.configOf(type).map((o) => (o as IfmapNode).name).sort();
  const property = (node: IfmapNode, name: string) => node.properties.find((p) => p.name === name)?.text;

  it('names the bound XMPP address in the listening line', () => {
    expect(xmppAddress).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
  });

  it('an XMPP agent gets its config, exchanges routes with gRPC agents, policies leak to both, a drop is held then withdrawn', async () => {
    await network('mixed-red', '10.71.0.0/24');
    await network('mixed-blue', '10.72.0.0/24');
    await virtualRouter('vr-xmpp', '192.168.71.1');
    await virtualRouter('vr-grpc-red', '192.168.71.2');
    await virtualRouter('vr-grpc-blue', '192.168.71.3');
    const xmppIp = `${await port('xmpp-port', 'mixed-red', 'vr-xmpp')}/32`;
    const redIp = `${await port('grpc-red-port', 'mixed-red', 'vr-grpc-red')}/32`;
    const blueIp = `${await port('grpc-blue-port', 'mixed-blue', 'vr-grpc-blue')}/32`;

    // The XMPP agent: header, config subscribe, then as a vRouter acts on its config (§6).
    const x = xmppAgent('vr-xmpp');
    await x.waitFor((a) => a.streamOpened, 5000, 'the control header');
    x.configSubscribe();
    await x.waitFor((a) => a.configOf('instance-ip').length === 1 && a.configOf('routing-instance').length === 1, 10_000, 'its config');
    expect(nodeNames(x, 'virtual-router')).toEqual(['default-global-system-config:vr-xmpp']);
    expect(nodeNames(x, 'virtual-machine-interface')).toEqual([fq('xmpp-port')]);
    expect(nodeNames(x, 'virtual-network')).toEqual([fq('mixed-red')]);
    expect(nodeNames(x, 'routing-instance')).toEqual([vrf('mixed-red')]);
    expect(property(x.configOf('virtual-router')[0] as IfmapNode, 'virtual-router-ip-address')).toBe('192.168.71.1');
    expect(`${property(x.configOf('instance-ip')[0] as IfmapNode, 'instance-ip-address')}/32`).toBe(xmppIp);
    expect(x.configOf('link:virtual-network-routing-instance')).toHaveLength(1);

    x.subscribe(vrf('mixed-red'), 1);
    x.publish(vrf('mixed-red'), [{ prefix: xmppIp, nextHop: '192.168.71.1', label: 30 }]);
    x.endOfRib();

    const red = await grpcAgent('vr-grpc-red', '192.168.71.2');
    const blue = await grpcAgent('vr-grpc-blue', '192.168.71.3');
    await red.waitFor((a) => a.table(vrf('mixed-red')).has(xmppIp), 10_000, 'the gRPC agent to see the XMPP route');
    expect(red.table(vrf('mixed-red')).get(xmppIp)!.map((p) => [p.nextHop, p.agent, p.label, [...p.encapsulations].sort()])).toEqual([
      ['192.168.71.1', 'vr-xmpp', 30, ['MPLSoGRE', 'MPLSoUDP']],
    ]);
    await x.waitFor((a) => a.table(vrf('mixed-red')).has(redIp), 10_000, 'the XMPP agent to see the gRPC route');
    expect(x.nextHops(vrf('mixed-red'), redIp)).toEqual(['192.168.71.2']);
    await x.waitFor((a) => a.endOfRibs === 1, 5000, 'the end-of-RIB');
    expect(x.table(vrf('mixed-red')).has(blueIp)).toBe(false);

    // A policy on both networks leaks routes both ways, to both kinds of agents; detached, they are withdrawn.
    const rule = { direction: '<>', protocol: 'any', src_addresses: [{ virtual_network: fq('mixed-red') }], dst_addresses: [{ virtual_network: fq('mixed-blue') }], action_list: { simple_action: 'pass' } };
    await api.create('network-policy', { fq_name: [...PROJECT, 'mixed-red-blue'], parent_type: 'project', network_policy_entries: { policy_rule: [rule] } });
    await setPolicies('mixed-red', ['mixed-red-blue']);
    await setPolicies('mixed-blue', ['mixed-red-blue']);
    await x.waitFor((a) => a.table(vrf('mixed-red')).has(blueIp), 10_000, 'the XMPP agent to see the leaked blue route');
    expect(x.nextHops(vrf('mixed-red'), blueIp)).toEqual(['192.168.71.3']);
    await blue.waitFor((a) => a.table(vrf('mixed-blue')).has(xmppIp), 10_000, 'the blue gRPC agent to see the leaked XMPP route');
    await blue.waitFor((a) => a.table(vrf('mixed-blue')).has(redIp), 10_000, 'the blue gRPC agent to see the leaked red route');
    await setPolicies('mixed-blue', []);
    await x.waitFor((a) => !a.table(vrf('mixed-red')).has(blueIp), 10_000, 'the XMPP agent to lose the blue route');
    await blue.waitFor((a) => !a.table(vrf('mixed-blue')).has(xmppIp), 10_000, 'the blue gRPC agent to lose the XMPP route');
    expect(x.table(vrf('mixed-red')).has(redIp)).toBe(true);

    const view = (await api.get('/control/agents')).body.agents as Json[];
    expect(view.find((a) => a.name === 'vr-xmpp')).toMatchObject({ protocol: 'xmpp', state: 'connected', address: '127.0.0.1', subscriptions: [vrf('mixed-red')] });
    expect(view.find((a) => a.name === 'vr-grpc-red')).toMatchObject({ protocol: 'grpc' });
    const metrics = await (await fetch(`${api.base}/metrics`)).text();
    expect(metrics).toMatch(/^contrail_xmpp_sessions 1$/m);
    expect(metrics).toMatch(/^contrail_xmpp_sent_stanzas_total [1-9]\d*$/m);
    expect(x.problems).toEqual([]);

    // The XMPP connection drops: its routes stay (stale) for the hold time, then go.
    const droppedAt = Date.now();
    x.destroy();
    await sleep(HOLD_MS / 2);
    expect(red.table(vrf('mixed-red')).has(xmppIp)).toBe(true);
    await red.waitFor((a) => !a.table(vrf('mixed-red')).has(xmppIp), HOLD_MS * 4, 'the held XMPP route to go');
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(HOLD_MS - 50);
    const after = await (await fetch(`${api.base}/metrics`)).text();
    expect(after).toMatch(/^contrail_xmpp_sessions 0$/m);
    expect(after).toMatch(/^contrail_xmpp_sessions_closed_total\{reason="disconnected"\} 1$/m);
    expect(controller.process.lines.some((l) => l.msg === 'xmpp session closed' && l.agent === 'vr-xmpp' && l.category === 'disconnected')).toBe(true);
  });

  it('a reconnecting XMPP agent republishes and its end-of-RIB sweeps what it did not', async () => {
    await network('restart', '10.73.0.0/24');
    await virtualRouter('vr-xmpp-restart', '192.168.73.1');
    await virtualRouter('vr-grpc-restart', '192.168.73.2');
    await port('restart-grpc-port', 'restart', 'vr-grpc-restart');
    const watcher = await grpcAgent('vr-grpc-restart', '192.168.73.2');
    const first = xmppAgent('vr-xmpp-restart');
    await first.waitFor((a) => a.streamOpened, 5000, 'the control header');
    first.subscribe(vrf('restart'), 1);
    first.publish(vrf('restart'), [
      { prefix: '10.73.0.100/32', nextHop: '192.168.73.1' },
      { prefix: '10.73.0.101/32', nextHop: '192.168.73.1' },
    ]);
    await watcher.waitFor((a) => a.table(vrf('restart')).size >= 3, 10_000, 'both XMPP routes');
    first.end();
    await first.waitForClose();

    const second = xmppAgent('vr-xmpp-restart');
    await second.waitFor((a) => a.streamOpened, 5000, 'the control header again');
    second.subscribe(vrf('restart'), 1);
    second.publish(vrf('restart'), [{ prefix: '10.73.0.100/32', nextHop: '192.168.73.1' }]);
    second.endOfRib();
    await watcher.waitFor((a) => !a.table(vrf('restart')).has('10.73.0.101/32'), HOLD_MS / 2, 'the sweep at the end-of-RIB, before the hold time');
    expect(watcher.table(vrf('restart')).has('10.73.0.100/32')).toBe(true);
    await second.waitFor((a) => a.table(vrf('restart')).size === 2, 5000, 'its own and the gRPC route');
  });
});
