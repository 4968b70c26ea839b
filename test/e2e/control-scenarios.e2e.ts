// The control service end to end: the built controller (config API + control in one process, on SQLite) and
// simulated vRouter agents over real gRPC. Config goes in through REST; routes come out on the agents' streams.
import { credentials, status as GrpcStatus } from '@grpc/grpc-js';
import { agentProto } from '#libs/proto';
import { SessionRefusedError, SimulatedAgent, type SimulatedAgentOptions } from '#apps/agent-sim';
import { RunningController, networkBody, subnet, tempDataDir, type ConfigApi, type Json } from './config-api-support.js';

const HOLD_MS = 1500;
const PROJECT = ['default-domain', 'default-project'];
const GSC = ['default-global-system-config'];
const vrf = (vn: string): string => [...PROJECT, vn, vn].join(':');
const fq = (vn: string): string => [...PROJECT, vn].join(':');

describe('control service with simulated agents', () => {
  const dataDir = tempDataDir();
  let controller: RunningController;
  let api: ConfigApi;
  let target: string;
  const agents: SimulatedAgent[] = [];
  let networks = 0;

  beforeAll(async () => {
    controller = await RunningController.start(dataDir.path, { AGENT_HOLD_TIME_MS: String(HOLD_MS), LOG_LEVEL: 'info' });
    api = controller.api;
    target = controller.process.lines.find((line) => line.msg === 'listening')!.grpc as string;
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await controller?.stop();
    dataDir.remove();
  });

  async function network(name: string, extra: Record<string, unknown> = {}): Promise<string> {
    networks += 1;
    const created = await api.create('virtual-network', networkBody([...PROJECT, name], [{ subnet: subnet(`10.${100 + networks}.0.0/24`) }], undefined, extra));
    return created.uuid as string;
  }

  async function virtualRouter(name: string, address: string, cluster?: string): Promise<void> {
    const body: Record<string, unknown> = { fq_name: [...GSC, name], parent_type: 'global-system-config', virtual_router_ip_address: address };
    if (cluster) body.cluster_refs = [{ to: [...GSC, cluster] }];
    await api.create('virtual-router', body);
  }

  /** A workload port on `network` hosted by virtual-router `host`, with one instance IP; returns the IP. */
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

  /** An agent that acts on its config like a vRouter: subscribes to its VRFs, publishes its interfaces' routes. */
  async function agent(name: string, address: string, options: Partial<SimulatedAgentOptions> = {}): Promise<SimulatedAgent> {
    const sim = new SimulatedAgent({ target, name, address, followConfig: true, ...options });
    agents.push(sim);
    await sim.connect();
    return sim;
  }

  async function setPolicies(network: string, policies: string[]): Promise<void> {
    const uuid = await api.uuidOf('virtual-network', [...PROJECT, network]);
    const refs = policies.map((p, i) => ({ to: [...PROJECT, p], attr: { sequence: { major: i, minor: 0 } } }));
    const answer = await api.put(`/virtual-network/${uuid}`, { 'virtual-network': { network_policy_refs: refs } });
    expect(answer.status).toBe(200);
  }

  const holds = (sim: SimulatedAgent, vrfName: string, prefix: string) => sim.table(vrfName).has(prefix);
  const sees = (sim: SimulatedAgent, vrfName: string, prefix: string, timeoutMs = 5000) =>
    sim.waitFor((a) => a.table(vrfName).has(prefix), timeoutMs, `${sim.name} to see ${prefix} in ${vrfName}`);
  const loses = (sim: SimulatedAgent, vrfName: string, prefix: string, timeoutMs = 5000) =>
    sim.waitFor((a) => !a.table(vrfName).has(prefix), timeoutMs, `${sim.name} to lose ${prefix} in ${vrfName}`);

  it('keeps two networks apart until a policy is on both, then leaks both ways, and withdraws when detached', async () => {
    await network('red');
    await network('blue');
    await virtualRouter('vr-red', '192.168.1.1');
    await virtualRouter('vr-blue', '192.168.1.2');
    const redIp = await port('red-port', 'red', 'vr-red');
    const blueIp = await port('blue-port', 'blue', 'vr-blue');
    const r = await agent('vr-red', '192.168.1.1');
    const b = await agent('vr-blue', '192.168.1.2');
    await sees(r, vrf('red'), `${redIp}/32`);
    await sees(b, vrf('blue'), `${blueIp}/32`);
    expect([...r.config.interfaces.values()].map((i) => i.ipAddresses)).toEqual([[redIp]]);

    const rule = { direction: '<>', protocol: 'any', src_addresses: [{ virtual_network: fq('red') }], dst_addresses: [{ virtual_network: fq('blue') }], action_list: { simple_action: 'pass' } };
    await api.create('network-policy', { fq_name: [...PROJECT, 'red-blue'], parent_type: 'project', network_policy_entries: { policy_rule: [rule] } });
    await setPolicies('red', ['red-blue']);
    await r.waitFor((a) => a.config.acls.size === 1, 5000, 'the ACL of red');
    expect(holds(r, vrf('red'), `${blueIp}/32`)).toBe(false);

    await setPolicies('blue', ['red-blue']);
    await sees(r, vrf('red'), `${blueIp}/32`);
    await sees(b, vrf('blue'), `${redIp}/32`);
    const leaked = r.table(vrf('red')).get(`${blueIp}/32`)!;
    expect(leaked.map((p) => [p.nextHop, p.originVrf, p.agent])).toEqual([['192.168.1.2', vrf('blue'), 'vr-blue']]);
    expect(r.config.vrfs.get(vrf('red'))!.importTargets.length).toBe(2);

    await setPolicies('blue', []);
    await loses(r, vrf('red'), `${blueIp}/32`);
    await loses(b, vrf('blue'), `${redIp}/32`);
    expect(holds(r, vrf('red'), `${redIp}/32`)).toBe(true);
  });

  it('a mesh VirtualNetworkRouter connects the three networks it selects', async () => {
    const names = ['mesh-1', 'mesh-2', 'mesh-3'];
    const sims: SimulatedAgent[] = [];
    const ips: string[] = [];
    for (const [i, name] of names.entries()) {
      await network(name);
      await virtualRouter(`vr-${name}`, `192.168.2.${i + 1}`);
      ips.push(await port(`${name}-port`, name, `vr-${name}`));
      sims.push(await agent(`vr-${name}`, `192.168.2.${i + 1}`));
    }
    for (const [i, sim] of sims.entries()) await sees(sim, vrf(names[i]), `${ips[i]}/32`);
    await api.create('virtual-network-router', {
      fq_name: [...PROJECT, 'mesh'],
      parent_type: 'project',
      virtual_network_router_type: 'mesh',
      virtual_network_refs: names.map((n) => ({ to: [...PROJECT, n] })),
    });
    for (const [i, sim] of sims.entries()) {
      for (const [j] of names.entries()) await sees(sim, vrf(names[i]), `${ips[j]}/32`);
    }
  });

  it('hub and spoke: spokes reach the hub and the hub reaches them, spokes never see each other', async () => {
    await network('hub');
    await network('spoke-1');
    await network('spoke-2');
    const ips: Record<string, string> = {};
    const sims: Record<string, SimulatedAgent> = {};
    for (const [i, name] of ['hub', 'spoke-1', 'spoke-2'].entries()) {
      await virtualRouter(`vr-${name}`, `192.168.3.${i + 1}`);
      ips[name] = `${await port(`${name}-port`, name, `vr-${name}`)}/32`;
      sims[name] = await agent(`vr-${name}`, `192.168.3.${i + 1}`);
      await sees(sims[name], vrf(name), ips[name]);
    }
    await api.create('virtual-network-router', { fq_name: [...PROJECT, 'hubs'], parent_type: 'project', virtual_network_router_type: 'hub', virtual_network_refs: [{ to: [...PROJECT, 'hub'] }] });
    await api.create('virtual-network-router', {
      fq_name: [...PROJECT, 'spokes'],
      parent_type: 'project',
      virtual_network_router_type: 'spoke',
      virtual_network_refs: [{ to: [...PROJECT, 'spoke-1'] }, { to: [...PROJECT, 'spoke-2'] }],
      virtual_network_router_refs: [{ to: [...PROJECT, 'hubs'] }],
    });
    await sees(sims.hub, vrf('hub'), ips['spoke-1']);
    await sees(sims.hub, vrf('hub'), ips['spoke-2']);
    await sees(sims['spoke-1'], vrf('spoke-1'), ips.hub);
    await sees(sims['spoke-2'], vrf('spoke-2'), ips.hub);
    // Settled: the hub saw both spokes, so the spokes' tables are complete too.
    expect(holds(sims['spoke-1'], vrf('spoke-1'), ips['spoke-2'])).toBe(false);
    expect(holds(sims['spoke-2'], vrf('spoke-2'), ips['spoke-1'])).toBe(false);
  });

  it('a shared route target leaks routes without any policy', async () => {
    const shared = { route_target_list: { route_target: ['target:64512:7001'] } };
    await network('green', shared);
    await network('teal', shared);
    await network('grey');
    const ips: Record<string, string> = {};
    const sims: Record<string, SimulatedAgent> = {};
    for (const [i, name] of ['green', 'teal', 'grey'].entries()) {
      await virtualRouter(`vr-${name}`, `192.168.4.${i + 1}`);
      ips[name] = `${await port(`${name}-port`, name, `vr-${name}`)}/32`;
      sims[name] = await agent(`vr-${name}`, `192.168.4.${i + 1}`);
    }
    await sees(sims.green, vrf('green'), ips.teal);
    await sees(sims.teal, vrf('teal'), ips.green);
    await sees(sims.grey, vrf('grey'), ips.grey);
    expect(holds(sims.grey, vrf('grey'), ips.green)).toBe(false);
    expect(holds(sims.green, vrf('green'), ips.grey)).toBe(false);
  });

  it('agents in two clusters on a stretched network see each other, and each cluster has its desired state', async () => {
    for (const cluster of ['east', 'west']) await api.create('cluster', { fq_name: [...GSC, cluster], parent_type: 'global-system-config' });
    await network('stretched', { cluster_refs: [{ to: [...GSC, 'east'] }, { to: [...GSC, 'west'] }] });
    await virtualRouter('vr-east', '172.16.1.1', 'east');
    await virtualRouter('vr-west', '172.17.1.1', 'west');
    const eastIp = `${await port('east-port', 'stretched', 'vr-east')}/32`;
    const westIp = `${await port('west-port', 'stretched', 'vr-west')}/32`;
    const east = await agent('vr-east', '172.16.1.1', { cluster: 'east' });
    const west = await agent('vr-west', '172.17.1.1', { cluster: 'west' });
    await sees(east, vrf('stretched'), westIp);
    await sees(west, vrf('stretched'), eastIp);

    const clusters = await api.get('/control/clusters');
    expect(clusters.body.clusters).toEqual(expect.arrayContaining(['default', 'east', 'west']));
    const eastState = await api.get('/control/clusters/east');
    expect(eastState.status).toBe(200);
    expect(eastState.body.virtualRouters.map((v: Json) => v.virtualRouter.name)).toEqual(['vr-east']);
    expect(eastState.body.vrfs.map((v: Json) => v.name)).toEqual([vrf('stretched')]);
    expect(eastState.body.routeTargets.length).toBeGreaterThan(0);
    expect((await api.get('/control/clusters/nowhere')).status).toBe(404);

    // An agent claiming the wrong cluster is refused with the reason.
    const impostor = new SimulatedAgent({ target, name: 'vr-east', address: '172.16.1.1', cluster: 'west' });
    const refused = await impostor.connect().catch((error: unknown) => error);
    await impostor.close().catch(() => undefined);
    expect(refused).toBeInstanceOf(SessionRefusedError);
    expect((refused as SessionRefusedError).code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect((refused as SessionRefusedError).details).toContain('belongs to cluster east');
  });

  it('a dropped agent\'s routes stay (stale) for the hold time, then are withdrawn', async () => {
    await network('hold');
    await virtualRouter('vr-hold-1', '192.168.5.1');
    await virtualRouter('vr-hold-2', '192.168.5.2');
    const ip1 = `${await port('hold-1', 'hold', 'vr-hold-1')}/32`;
    await port('hold-2', 'hold', 'vr-hold-2');
    const leaving = await agent('vr-hold-1', '192.168.5.1');
    const staying = await agent('vr-hold-2', '192.168.5.2');
    await sees(staying, vrf('hold'), ip1);
    const droppedAt = Date.now();
    await leaving.disconnect();
    await sleep(HOLD_MS / 2);
    expect(holds(staying, vrf('hold'), ip1)).toBe(true);
    await loses(staying, vrf('hold'), ip1, HOLD_MS * 4);
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(HOLD_MS - 50);
    const agentsView = await api.get('/control/agents');
    expect(agentsView.body.agents.map((a: Json) => a.name)).not.toContain('vr-hold-1');
  });

  it('an agent that ends its session cleanly takes its routes with it at once', async () => {
    await network('leave');
    await virtualRouter('vr-leave-1', '192.168.9.1');
    await virtualRouter('vr-leave-2', '192.168.9.2');
    const ip1 = `${await port('leave-1', 'leave', 'vr-leave-1')}/32`;
    await port('leave-2', 'leave', 'vr-leave-2');
    const leaving = await agent('vr-leave-1', '192.168.9.1');
    const staying = await agent('vr-leave-2', '192.168.9.2');
    await sees(staying, vrf('leave'), ip1);
    await leaving.close();
    await loses(staying, vrf('leave'), ip1, HOLD_MS / 2);
  });

  it('an agent that reconnects within the hold time resumes: nothing withdrawn, no full resync', async () => {
    await network('resume');
    await virtualRouter('vr-resume-1', '192.168.6.1');
    await virtualRouter('vr-resume-2', '192.168.6.2');
    const ip1 = `${await port('resume-1', 'resume', 'vr-resume-1')}/32`;
    const ip2 = `${await port('resume-2', 'resume', 'vr-resume-2')}/32`;
    const mover = await agent('vr-resume-1', '192.168.6.1');
    const watcher = await agent('vr-resume-2', '192.168.6.2');
    await sees(watcher, vrf('resume'), ip1);
    await sees(mover, vrf('resume'), ip2);
    const watcherWithdrawals = watcher.stats.withdrawals;
    const moverConfigs = mover.stats.configUpdates;
    const moverEors = mover.stats.endOfRibs;

    await mover.disconnect();
    const ip3 = `${await port('resume-3', 'resume', 'vr-resume-2')}/32`;
    await sees(watcher, vrf('resume'), ip3);
    const welcome = await mover.reconnect();
    expect(welcome.resumed).toBe(true);
    await sees(mover, vrf('resume'), ip3);
    await sleep(HOLD_MS + 300);
    expect(holds(watcher, vrf('resume'), ip1)).toBe(true);
    expect(watcher.stats.withdrawals).toBe(watcherWithdrawals);
    expect(mover.stats.endOfRibs).toBe(moverEors);
    // The only config it got after the resume is the delta that brought nothing of its own (ports are on vr-2).
    expect(mover.stats.configUpdates).toBe(moverConfigs);
    expect(holds(mover, vrf('resume'), ip1)).toBe(true);
  });

  it('a deliberately slow agent does not delay the others, and control holds little for it', async () => {
    const SLOW_ACK_MS = 4000;
    await network('busy');
    const publisher = await agent('vr-publisher', '192.168.7.1', { followConfig: false });
    const slow = await agent('vr-slow', '192.168.7.2', { followConfig: false, ackDelayMs: SLOW_ACK_MS });
    const fast = await Promise.all([3, 4, 5].map((i) => agent(`vr-fast-${i}`, `192.168.7.${i}`, { followConfig: false })));
    for (const sim of [slow, ...fast]) sim.subscribe(vrf('busy'));
    await Promise.all(fast.map((f) => f.waitForEndOfRib(vrf('busy'))));

    // 40 rounds of updates to the same 50 prefixes, one message each at least: more than the window of 32.
    const start = Date.now();
    for (let round = 1; round <= 40; round++) {
      publisher.publish(
        vrf('busy'),
        Array.from({ length: 50 }, (_, i) => ({ prefix: `10.200.0.${i + 1}/32`, label: 1000 + round, encapsulations: ['MPLSoUDP'] })),
      );
      await sleep(5);
    }
    const latest = (s: SimulatedAgent) => s.table(vrf('busy')).get('10.200.0.50/32')?.[0]?.label;
    await Promise.all(fast.map((f) => f.waitFor((a) => latest(a) === 1040, SLOW_ACK_MS, `${f.name} to get the last round`)));
    // The fast agents were done before the slow one acked anything.
    expect(Date.now() - start).toBeLessThan(SLOW_ACK_MS);
    expect(slow.ackedVersion).toBe(0);
    const view = (await api.get('/control/agents')).body.agents.find((a: Json) => a.name === 'vr-slow');
    expect(view.lastSentVersion - view.lastAckedVersion).toBeLessThanOrEqual(32);
    expect(view.pendingRoutes).toBeLessThanOrEqual(50);

    await slow.waitFor((a) => latest(a) === 1040, 30_000, 'the slow agent to catch up');
    // Coalesced: it got far fewer updates than the 2,000 published.
    expect(slow.stats.routeUpdates).toBeLessThan(fast[0].stats.routeUpdates);
    expect(slow.anomalies).toEqual([]);
  });

  it('refuses a stream that does not start with hello, and answers bad requests with notices', async () => {
    await network('notices');
    const sim = await agent('vr-notices', '192.168.8.1', { followConfig: false });
    sim.subscribe('no:such:vrf:here');
    const unknown = await sim.waitForNotice('unknown-vrf');
    expect(unknown.message).toBe('subscribe: no VRF named "no:such:vrf:here"');
    sim.publish(vrf('notices'), [{ prefix: '10.1.2.3/33' }]);
    const bad = await sim.waitForNotice('bad-route');
    expect(bad.message).toContain('nothing was published');
    const routes = await api.get(`/control/vrfs/${encodeURIComponent(vrf('notices'))}/routes`);
    expect(routes.status).toBe(200);
    expect(routes.body.routes).toEqual([]);
    expect((await api.get('/control/vrfs/nope/routes')).status).toBe(404);

    const client = new agentProto.AgentServiceClient(target, credentials.createInsecure());
    const ended = await new Promise<{ code: number; details: string }>((resolve) => {
      const call = client.session();
      call.on('data', () => undefined);
      call.on('error', (error: { code: number; details: string }) => resolve(error));
      call.write({ body: { $case: 'subscribe', value: { vrf: vrf('notices') } } });
    });
    client.close();
    expect(ended).toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT, details: 'the first message must be hello, got subscribe' });
  });

  it('the live desired state equals one rebuilt from the log, and /metrics shows control', async () => {
    const verify = await api.get('/control/desired-state/verify');
    expect(verify.body.equal).toBe(true);
    expect(verify.body.live).toBe(verify.body.rebuilt);
    const text = await (await fetch(`${api.base}/metrics`)).text();
    expect(text).toMatch(/^contrail_control_agents \d+$/m);
    expect(text).toMatch(/^projection_lag_events\{projection="desired-state"\} 0$/m);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
