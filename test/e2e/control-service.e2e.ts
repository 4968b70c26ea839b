// The control service as its own process (the central cluster's deployment): the config API writes the log, one
// or two control processes follow it from the same store and serve the agents.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SimulatedAgent } from '#apps/agent-sim';
import { CONTROL_MAIN, ControllerProcess, type LogLine } from './controller-process.js';
import { RunningController, networkBody, subnet, tempDataDir, type ConfigApi } from './config-api-support.js';

const PROJECT = ['default-domain', 'default-project'];
const GSC = ['default-global-system-config'];
const vrf = (vn: string): string => [...PROJECT, vn, vn].join(':');
const isListening = (line: LogLine) => line.msg === 'listening';

/** A control process and the addresses from its 'listening' line. */
async function startControl(env: Record<string, string>): Promise<{ process: ControllerProcess; grpc: string; rest: string; xmpp: string }> {
  const process = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', SHUTDOWN_TIMEOUT_MS: '3000', ...env }, CONTROL_MAIN);
  try {
    const listening = await process.waitForLine(isListening);
    return { process, grpc: listening.grpc as string, rest: listening.rest as string, xmpp: listening.xmpp as string };
  } catch (error) {
    await process.ensureStopped();
    throw error;
  }
}

async function workload(api: ConfigApi, vn: string, cidr: string, hosts: Array<[string, string]>): Promise<string[]> {
  await api.create('virtual-network', networkBody([...PROJECT, vn], [{ subnet: subnet(cidr) }]));
  const ips: string[] = [];
  for (const [host, address] of hosts) {
    await api.create('virtual-router', { fq_name: [...GSC, host], parent_type: 'global-system-config', virtual_router_ip_address: address });
    const vmi = await api.create('virtual-machine-interface', {
      fq_name: [...PROJECT, `${host}-port`],
      parent_type: 'project',
      virtual_network_refs: [{ to: [...PROJECT, vn] }],
      virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: host }] },
    });
    const ip = await api.create('instance-ip', { fq_name: [`${host}-ip`], virtual_network_refs: [{ to: [...PROJECT, vn] }], virtual_machine_interface_refs: [{ uuid: vmi.uuid }] });
    ips.push(`${ip.instance_ip_address as string}/32`);
  }
  return ips;
}

describe('control service process', () => {
  it('refuses a bad environment with exit code 2, naming every problem', async () => {
    const control = new ControllerProcess({ REST_PORT: '5', GRPC_PORT: '5', AGENT_WINDOW: 'many' }, CONTROL_MAIN);
    try {
      expect(await control.exited).toEqual({ code: 2, signal: null });
      expect(control.stderr).toContain('GRPC_PORT="5" is not allowed');
      expect(control.stderr).toContain('AGENT_WINDOW="many" is not allowed: expected an integer from 1 to 4096 (messages)');
    } finally {
      await control.ensureStopped();
    }
  });

  it('follows the config API\'s SQLite log from another process and serves agents', async () => {
    const dir = tempDataDir();
    const controller = await RunningController.start(dir.path);
    const control = await startControl({ DATA_DIR: dir.path, AGENT_HOLD_TIME_MS: '1000' });
    const agents: SimulatedAgent[] = [];
    try {
      const [ipA, ipB] = await workload(controller.api, 'split', '10.61.0.0/24', [
        ['node-a', '192.168.61.1'],
        ['node-b', '192.168.61.2'],
      ]);
      for (const [name, address] of [['node-a', '192.168.61.1'], ['node-b', '192.168.61.2']]) {
        const agent = new SimulatedAgent({ target: control.grpc, name, address, followConfig: true });
        agents.push(agent);
        await agent.connect();
      }
      await agents[0].waitFor((a) => a.table(vrf('split')).has(ipB), 10_000, 'node-a to see node-b');
      await agents[1].waitFor((a) => a.table(vrf('split')).has(ipA), 10_000, 'node-b to see node-a');
      // The XMPP bridge listens too, on its own port.
      expect(control.xmpp).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
      const health = await (await fetch(`${control.rest}/health`)).json();
      expect(health).toMatchObject({ status: 'ok', store: { kind: 'sqlite' } });
      const view = (await (await fetch(`${control.rest}/control/agents`)).json()) as { agents: Array<{ name: string }> };
      expect(view.agents.map((a) => a.name)).toEqual(['node-a', 'node-b']);
      // The config API's own control sees no agent: they are the other process's.
      expect((await controller.api.get('/control/agents')).body.agents).toEqual([]);
    } finally {
      await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
      control.process.kill('SIGTERM');
      expect(await control.process.exited).toEqual({ code: 0, signal: null });
      await controller.stop();
      dir.remove();
    }
  });

  const pgUrl = process.env.PG_TEST_URL;
  const withPostgres = pgUrl ? it : it.skip;
  if (!pgUrl) process.stderr.write(`control service on PostgreSQL skipped: ${process.env.PG_TEST_UNAVAILABLE ?? 'PG_TEST_URL is not set'}\n`);

  withPostgres('two control replicas on PostgreSQL: an agent connected to both sees the others through either', async () => {
    const database = `control_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(pgUrl!);
    url.pathname = `/${database}`;
    const env = { STORE: 'postgres', DATABASE_URL: url.toString() };
    const dirs = [tempDataDir(), tempDataDir(), tempDataDir()];
    const controller = await RunningController.start(dirs[0].path, env);
    const replicas = [await startControl({ ...env, DATA_DIR: dirs[1].path }), await startControl({ ...env, DATA_DIR: dirs[2].path })];
    const agents: SimulatedAgent[] = [];
    try {
      const ips = await workload(controller.api, 'replicated', '10.62.0.0/24', [
        ['node-1', '192.168.62.1'],
        ['node-2', '192.168.62.2'],
      ]);
      // As Tungsten Fabric agents do: each agent keeps a session with both control replicas and publishes to both.
      for (const [i, name] of ['node-1', 'node-2'].entries()) {
        for (const replica of replicas) {
          const agent = new SimulatedAgent({ target: replica.grpc, name, address: `192.168.62.${i + 1}`, followConfig: true });
          agents.push(agent);
          await agent.connect();
        }
      }
      for (const agent of agents) {
        await agent.waitFor((a) => ips.every((ip) => a.table(vrf('replicated')).has(ip)), 10_000, `${agent.name} to hold both routes`);
      }
      // One replica goes away: the agents' sessions with the other carry on unchanged.
      replicas[0].process.kill('SIGTERM');
      expect(await replicas[0].process.exited).toEqual({ code: 0, signal: null });
      const survivors = agents.filter((_, i) => i % 2 === 1);
      const later = await workload(controller.api, 'replicated-2', '10.63.0.0/24', [['node-3', '192.168.62.3']]);
      const third = new SimulatedAgent({ target: replicas[1].grpc, name: 'node-3', address: '192.168.62.3', followConfig: true });
      agents.push(third);
      await third.connect();
      await third.waitFor((a) => a.table(vrf('replicated-2')).has(later[0]), 10_000, 'node-3 to see its own route');
      for (const agent of survivors) expect(ips.every((ip) => agent.table(vrf('replicated')).has(ip))).toBe(true);
    } finally {
      await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
      for (const replica of replicas) await replica.process.ensureStopped();
      await controller.stop();
      for (const dir of dirs) dir.remove();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    }
  });
});
