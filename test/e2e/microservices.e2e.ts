// Microservice mode, the central cluster's deployment (DESIGN §1, multi-cluster), on loopback: the config API and two
// control replicas, each its own process from dist, on one PostgreSQL database. Agents hold a session with both
// replicas, as Tungsten Fabric vRouter agents do with two control nodes, and keep their routes when one goes away.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { ConfigServiceClient, GetRequest, HealthClient, ServingStatus, type GetResponse, type HealthCheckResponse } from '#libs/proto';
import { RedundantAgent } from '#apps/agent-sim';
import { networkBody, subnet, type ConfigApi } from './config-api-support.js';
import { Microservices, watchHeld } from './support/microservices.js';
import { eventually } from './support/workload-cluster.js';

const AGENT_SIM_MAIN = fileURLToPath(new URL('../../dist/apps/agent-sim/src/main.js', import.meta.url));
const PROJECT = ['default-domain', 'default-project'];
const GSC = ['default-global-system-config'];
const VN = 'central';
const VRF = [...PROJECT, VN, VN].join(':');
/** How long the agents' routes are watched after a replica stops: they must never be absent meanwhile. */
const WATCH_MS = 1500;

const pgUrl = process.env.PG_TEST_URL;
const withPostgres = pgUrl ? describe : describe.skip;
if (!pgUrl) process.stderr.write(`microservices e2e skipped: ${process.env.PG_TEST_UNAVAILABLE ?? 'PG_TEST_URL is not set'}\n`);

interface ControlAgentsView {
  agents: Array<{ name: string; state: string }>;
}

async function controlAgents(rest: string): Promise<ControlAgentsView['agents']> {
  const res = await fetch(`${rest}/control/agents`);
  if (res.status !== 200) throw new Error(`GET /control/agents answered ${res.status}`);
  return ((await res.json()) as ControlAgentsView).agents;
}

withPostgres('microservice mode: config API and two control replicas as separate processes on PostgreSQL', () => {
  let set: Microservices;
  let api: ConfigApi;

  beforeAll(async () => {
    set = await Microservices.start({ postgresUrl: pgUrl! });
    api = set.api;
  });

  afterAll(async () => {
    await set?.teardown();
  });

  it('the config API process serves REST and gRPC on its own, with no control service', async () => {
    const { listening, rest, grpc } = set.configApi;
    expect(listening).toMatchObject({ name: 'config-api', store: 'postgres', rest: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expect(listening).not.toHaveProperty('xmpp');
    expect(await (await fetch(`${rest}/health`)).json()).toMatchObject({ status: 'ok', store: { kind: 'postgres' } });
    expect((await fetch(`${rest}/docs`)).status).toBe(200);
    const agents = await fetch(`${rest}/control/agents`);
    expect(agents.status).toBe(404);
    await agents.body?.cancel();

    const uuid = await api.uuidOf('project', PROJECT);
    const client = new ConfigServiceClient(grpc!, credentials.createInsecure());
    const health = new HealthClient(grpc!, credentials.createInsecure());
    try {
      const got = await new Promise<GetResponse>((resolve, reject) =>
        client.get(GetRequest.fromPartial({ type: 'project', uuid }), (error: ServiceError | null, response: GetResponse) => (error ? reject(error) : resolve(response))),
      );
      expect(JSON.parse(got.objectJson)).toMatchObject({ project: { uuid, fq_name: PROJECT } });
      const serving = await new Promise<HealthCheckResponse>((resolve, reject) => health.check({ service: '' }, (error, response) => (error ? reject(error) : resolve(response))));
      expect(serving.status).toBe(ServingStatus.SERVING);
    } finally {
      client.close();
      health.close();
    }
    // The replicas serve agents; they have the control service the config API lacks.
    for (const n of [1, 2]) expect(await controlAgents(set.control(n).rest)).toEqual([]);
  });

  describe('agents with a session to each control replica', () => {
    const agents: RedundantAgent[] = [];
    /** The prefixes each agent must hold: its own and the other's. */
    const expected = new Map<RedundantAgent, string[]>();
    let interfaces = 0;

    /** A workload port on the network, hosted by `host`, with one instance IP; answers its host route. */
    async function port(host: string): Promise<string> {
      interfaces += 1;
      const vmi = await api.create('virtual-machine-interface', {
        fq_name: [...PROJECT, `${host}-port-${interfaces}`],
        parent_type: 'project',
        virtual_network_refs: [{ to: [...PROJECT, VN] }],
        virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: host }] },
      });
      const ip = await api.create('instance-ip', { fq_name: [`${host}-ip-${interfaces}`], virtual_network_refs: [{ to: [...PROJECT, VN] }], virtual_machine_interface_refs: [{ uuid: vmi.uuid }] });
      return `${ip.instance_ip_address as string}/32`;
    }

    /** A redundant agent (its union view) or one of its sessions holds every one of `prefixes`. */
    const holdsAll = (agent: Pick<RedundantAgent, 'table'>, prefixes: readonly string[]) => prefixes.every((p) => agent.table(VRF).has(p));
    const allPrefixes = () => [...new Set([...expected.values()].flat())];

    beforeAll(async () => {
      await api.create('virtual-network', networkBody([...PROJECT, VN], [{ subnet: subnet('10.71.0.0/24') }]));
      const hosts = [
        ['vr-central-1', '192.168.71.1'],
        ['vr-central-2', '192.168.71.2'],
      ] as const;
      const routes: string[] = [];
      for (const [host, address] of hosts) {
        await api.create('virtual-router', { fq_name: [...GSC, host], parent_type: 'global-system-config', virtual_router_ip_address: address });
        routes.push(await port(host));
      }
      for (const [host, address] of hosts) {
        const agent = new RedundantAgent({ controls: set.controlEndpoints, name: host, address, followConfig: true, backoff: { initialMs: 50, maxMs: 400 } });
        agents.push(agent);
        expect(await agent.connect()).toBe(2);
      }
      for (const agent of agents) expected.set(agent, [...routes]);
    });

    afterAll(async () => {
      await Promise.all(agents.map((a) => a.close(1000).catch(() => undefined)));
    });

    it('each agent sees the other\'s route, from both replicas', async () => {
      for (const agent of agents) {
        await agent.waitFor((a) => a.sessions.every((s) => holdsAll(s.agent, allPrefixes())), 10_000, 'both routes from both replicas');
      }
      for (const n of [1, 2]) {
        const view = await controlAgents(set.control(n).rest);
        expect(view.map((a) => [a.name, a.state])).toEqual([
          ['vr-central-1', 'connected'],
          ['vr-central-2', 'connected'],
        ]);
      }
    });

    it.each([['SIGTERM', { code: 0, signal: null }], ['SIGKILL', { code: null, signal: 'SIGKILL' }]] as const)(
      'replica 1 stopped by %s: the agents keep each other\'s routes, config still reaches them, and replica 1 takes them back',
      async (signal, exit) => {
        const [one, two] = set.controlEndpoints;
        const watch = watchHeld(agents, VRF, () => expected);
        const stopped = Date.now();
        expect(await set.stop('control-1', signal)).toEqual(exit);
        for (const agent of agents) await agent.waitFor((a) => a.liveControls.join() === two, 5000, 'the session to replica 1 to end');
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, WATCH_MS - (Date.now() - stopped))));

        // A new interface on the first virtual-router: its agent learns it from replica 2 and publishes it there.
        const added = await port('vr-central-1');
        for (const agent of agents) await agent.waitFor((a) => a.table(VRF).has(added), 10_000, `the new interface's route ${added}`);
        // Watched from here on, like the others.
        for (const agent of agents) expected.get(agent)!.push(added);
        expect(agents[1]!.session(two!).table(VRF).has(added)).toBe(true);
        expect(agents[1]!.session(one!).connected).toBe(false);

        const back = await set.restart('control-1');
        expect(back.grpc).toBe(one);
        for (const agent of agents) {
          await agent.waitFor((a) => a.liveControls.length === 2, 10_000, 'the session to replica 1 again');
          // Resynced: the replica that came back holds every route again, the new one too.
          await agent.waitFor((a) => holdsAll(a.session(one!), allPrefixes()), 10_000, 'every route from replica 1 again');
        }
        await eventually(
          async () => (await controlAgents(back.rest)).filter((a) => a.state === 'connected').length === 2,
          'replica 1 to hold both agents again',
          5000,
        );
        expect((await controlAgents(back.rest)).map((a) => a.name)).toEqual(['vr-central-1', 'vr-central-2']);
        expect(watch.stop()).toBeUndefined();
        for (const agent of agents) expect(agent.anomalies).toEqual([]);
      },
    );
  });

  it('the agent simulator\'s CLI runs redundant agents against both replicas (--control)', async () => {
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const argv = [AGENT_SIM_MAIN, '--control', set.controlEndpoints.join(','), '--api', set.configApi.rest, '--provision', '--prefix', 'cli-agent-', '--agents', '3', '--vrfs', '1', '--routes-per-agent', '2', '--timeout', '10', '--json'];
      execFile(process.execPath, argv, { timeout: 20_000 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    });
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout) as { ok: boolean; controls: string[]; totals: { routesHeld: number } };
    expect(report).toMatchObject({ ok: true, controls: set.controlEndpoints, notices: {}, anomalies: [] });
    expect(report.totals.routesHeld).toBe(3 * 6);
  });
});
