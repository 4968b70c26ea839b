// The control service's limits on the built controller: AGENT_CONNECT_RATE / AGENT_CONNECT_BURST (a connect storm is
// paced, not refused), AGENT_MAX_SESSIONS_PER_ADDRESS, AGENT_MAX_PENDING, XMPP_MAX_STANZA_BYTES and XMPP_HOLD_TIME_S,
// with real gRPC and XMPP agents on 127.0.0.x. Each is hit: what the agent is told, the log line, the metric, and the
// other agents undisturbed.
import { AgentFleet, SimulatedAgent, XmppFleet } from '#apps/agent-sim';
import { XmppTestAgent } from '../../apps/control/src/xmpp/xmpp-test-agent.test.js';
import { CONTROL_MAIN, ControllerProcess, type LogLine } from './controller-process.js';
import { RunningController, networkBody, subnet, tempDataDir, type ConfigApi } from './config-api-support.js';

const PROJECT = ['default-domain', 'default-project'];
const STORM = 500;
const ENV = {
  AGENT_CONNECT_RATE: '200',
  AGENT_CONNECT_BURST: '50',
  AGENT_MAX_SESSIONS_PER_ADDRESS: '2',
  AGENT_MAX_PENDING: '40',
  AGENT_WINDOW: '2',
  AGENT_BATCH_ROUTES: '10',
  AGENT_HOLD_TIME_MS: '10000',
  XMPP_MAX_STANZA_BYTES: '8192',
  XMPP_HOLD_TIME_S: '3',
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The samples of a metric family on /metrics, by their label text (`{limit="…"}`, or '' without labels). */
async function metric(api: ConfigApi, name: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${api.base}/metrics`)).text();
  const samples: Record<string, number> = {};
  for (const match of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (-?[\\d.e+]+)$`, 'gm'))) samples[match[1] ?? ''] = Number(match[2]);
  return samples;
}

const hits = async (api: ConfigApi, limit: string): Promise<number> => (await metric(api, 'contrail_limit_hits_total'))[`{limit="${limit}"}`] ?? NaN;

describe('control limits on the controller', () => {
  const dir = tempDataDir();
  let controller: RunningController;
  let api: ConfigApi;
  let grpcTarget: string;
  let xmpp: { host: string; port: number };
  const testAgents: XmppTestAgent[] = [];

  const problems = (since = 0): LogLine[] => controller.process.lines.slice(since).filter((line) => line.level === 'error' || line.level === 'fatal');

  function xmppAgent(name: string, localAddress?: string, keepaliveMs?: number): XmppTestAgent {
    const agent = new XmppTestAgent(name, { ...xmpp, ...(localAddress ? { localAddress } : {}), ...(keepaliveMs ? { keepaliveMs } : {}) });
    testAgents.push(agent);
    return agent;
  }

  beforeAll(async () => {
    controller = await RunningController.start(dir.path, ENV);
    api = controller.api;
    const listening = controller.process.lines.find((line) => line.msg === 'listening')!;
    grpcTarget = listening.grpc as string;
    const address = listening.xmpp as string;
    xmpp = { host: address.slice(0, address.lastIndexOf(':')), port: Number(address.slice(address.lastIndexOf(':') + 1)) };
    await api.create('virtual-network', networkBody([...PROJECT, 'busy'], [{ subnet: subnet('10.80.0.0/16') }]));
  });

  afterAll(async () => {
    for (const agent of testAgents) agent.destroy();
    await controller?.stop();
    dir.remove();
  });

  it('shows each limit at 0 and the connect tokens at the burst before any agent came', async () => {
    for (const limit of ['agent_connect_rate', 'agent_sessions_per_address', 'agent_pending_routes', 'xmpp_stanza_bytes']) expect(await hits(api, limit)).toBe(0);
    expect((await metric(api, 'contrail_control_connect_tokens'))['']).toBe(50);
    expect((await metric(api, 'contrail_control_agent_pending_routes_max'))['']).toBe(0);
  });

  describe('AGENT_CONNECT_RATE, AGENT_CONNECT_BURST', () => {
    it(`paces ${STORM} gRPC agents connecting at once, then reconnecting at once: all get in, none is refused, nothing is logged as an error`, async () => {
      const logged = controller.process.lines.length;
      const fleet = new AgentFleet({ target: grpcTarget, agents: STORM, channels: 20, connectConcurrency: STORM, prefix: 'storm-' });
      try {
        const first = await fleet.connectAll();
        expect(first.failed).toEqual([]);
        expect(first.connected).toBe(STORM);
        const paced = fleet.agents.reduce((n, a) => n + a.pacedConnects, 0);
        expect(paced).toBeGreaterThan(0);
        // 450 past the burst at 200 a second: about 2.3 s; well within 10 with the agents' jitter.
        expect(first.ms).toBeLessThan(10_000);

        await fleet.disconnectAll();
        const started = performance.now();
        const welcomes = await Promise.all(fleet.agents.map((a) => a.reconnect()));
        expect(performance.now() - started).toBeLessThan(10_000);
        expect(welcomes.every((w) => w.resumed)).toBe(true);
        expect(fleet.agents.reduce((n, a) => n + a.pacedConnects, 0)).toBeGreaterThan(paced);
        expect(fleet.agents.flatMap((a) => a.anomalies)).toEqual([]);
        expect(await hits(api, 'agent_connect_rate')).toBeGreaterThanOrEqual(fleet.agents.reduce((n, a) => n + a.pacedConnects, 0));
        const view = (await api.get('/control/agents')).body.agents as Array<{ name: string; state: string }>;
        expect(view.filter((a) => a.name.startsWith('storm-') && a.state === 'connected')).toHaveLength(STORM);
        expect(problems(logged)).toEqual([]);
        // One line a second at most about it, at info.
        const pacedLines = controller.process.lines.slice(logged).filter((l) => String(l.msg).startsWith('agent sessions paced'));
        expect(pacedLines.length).toBeGreaterThan(0);
        expect(pacedLines.length).toBeLessThan(30);
        expect(pacedLines.every((l) => l.level === 'info')).toBe(true);
      } finally {
        await fleet.closeAll();
      }
    });

    it(`holds ${STORM} XMPP agents connecting at once until their slots: all get in, none is closed unanswered`, async () => {
      await sleep(500);
      const logged = controller.process.lines.length;
      const fleet = new XmppFleet({ target: `${xmpp.host}:${xmpp.port}`, agents: STORM, connectConcurrency: STORM, prefix: 'xstorm-', agentOptions: () => ({ configSubscribe: false }) });
      try {
        const outcome = await fleet.connectAll();
        expect(outcome.failed).toEqual([]);
        expect(outcome.connected).toBe(STORM);
        expect(outcome.ms).toBeLessThan(10_000);
        expect(fleet.agents.reduce((n, a) => n + a.stats.unansweredConnects, 0)).toBe(0);
        expect((await metric(api, 'contrail_xmpp_sessions'))['']).toBe(STORM);
        expect((await metric(api, 'contrail_xmpp_sessions_closed_total'))['{reason="paced"}']).toBeUndefined();
        expect(problems(logged)).toEqual([]);
      } finally {
        await fleet.closeAll();
      }
    });
  });

  describe('AGENT_MAX_SESSIONS_PER_ADDRESS', () => {
    it('refuses a third XMPP session from 127.0.0.2 unanswered, naming the limit; 127.0.0.3 and loopback go on', async () => {
      const before = await hits(api, 'agent_sessions_per_address');
      const [a, b] = [xmppAgent('addr-a', '127.0.0.2'), xmppAgent('addr-b', '127.0.0.2')];
      await Promise.all([a.waitFor((x) => x.streamOpened), b.waitFor((x) => x.streamOpened)]);
      const c = xmppAgent('addr-c', '127.0.0.2');
      await c.waitForClose();
      expect(c.streamOpened).toBe(false);
      const line = await controller.process.waitForLine((l) => l.msg === 'xmpp session closed' && l.address === '127.0.0.2');
      expect(line).toMatchObject({
        level: 'warn',
        category: 'refused',
        reason: 'agent addr-c from 127.0.0.2 refused: too many agent sessions from 127.0.0.2: 2 are live, the limit is 2 (AGENT_MAX_SESSIONS_PER_ADDRESS)',
      });
      expect(await hits(api, 'agent_sessions_per_address')).toBe(before + 1);
      const d = xmppAgent('addr-d', '127.0.0.3');
      const e = new SimulatedAgent({ target: grpcTarget, name: 'addr-e', address: '192.0.2.5' });
      await Promise.all([d.waitFor((x) => x.streamOpened), e.connect()]);
      await e.close();
      // A place frees when one leaves.
      a.end();
      await a.waitForClose();
      await xmppAgent('addr-c', '127.0.0.2').waitFor((x) => x.streamOpened);
    });
  });

  describe('XMPP_MAX_STANZA_BYTES', () => {
    it('closes the session of a larger stanza with `</stream:stream>` and a log line naming the setting; the others go on', async () => {
      const before = await hits(api, 'xmpp_stanza_bytes');
      const [big, other] = [xmppAgent('stanza-big', undefined, 1000), xmppAgent('stanza-other', undefined, 1000)];
      await Promise.all([big.waitFor((x) => x.streamOpened), other.waitFor((x) => x.streamOpened)]);
      big.send(`<iq type="set" from="stanza-big" to="network-control@contrailsystems.com/bgp-peer"><pubsub>${'x'.repeat(9000)}</pubsub></iq>`);
      await big.waitForClose();
      expect(big.streamClosed).toBe(true);
      const line = await controller.process.waitForLine((l) => l.msg === 'xmpp session closed' && l.agent === 'stanza-big');
      expect(line).toMatchObject({ category: 'unreadable', reason: expect.stringMatching(/exceeds the maximum stanza size of 8192 bytes \(XMPP_MAX_STANZA_BYTES\)$/) });
      expect(await hits(api, 'xmpp_stanza_bytes')).toBe(before + 1);
      await sleep(200);
      expect(other.closed).toBe(false);
      other.destroy();
    });
  });

  describe('XMPP_HOLD_TIME_S', () => {
    it('closes a silent session after 3 s, with keepalives every second until then', async () => {
      const silent = xmppAgent('silent');
      await silent.waitFor((x) => x.streamOpened);
      const started = performance.now();
      await silent.waitForClose(6000);
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(2900);
      expect(silent.keepalives).toBeGreaterThanOrEqual(2);
      const line = await controller.process.waitForLine((l) => l.msg === 'xmpp session closed' && l.agent === 'silent');
      expect(line).toMatchObject({ category: 'hold-time', reason: 'hold time expired: nothing received from agent silent (127.0.0.1) for 3 s' });
    });
  });

  describe('AGENT_MAX_PENDING', () => {
    it('ends the session of an agent that falls too far behind with RESOURCE_EXHAUSTED; the agent that keeps up has everything', async () => {
      const vrf = [...PROJECT, 'busy', 'busy'].join(':');
      const before = await hits(api, 'agent_pending_routes');
      const slow = new SimulatedAgent({ target: grpcTarget, name: 'pending-slow', address: '192.0.2.11', ackDelayMs: 60_000 });
      const fast = new SimulatedAgent({ target: grpcTarget, name: 'pending-fast', address: '192.0.2.12' });
      const publisher = new SimulatedAgent({ target: grpcTarget, name: 'pending-pub', address: '192.0.2.13' });
      try {
        await Promise.all([slow.connect(), fast.connect(), publisher.connect()]);
        slow.subscribe(vrf);
        fast.subscribe(vrf);
        await Promise.all([slow.waitForEndOfRib(vrf), fast.waitForEndOfRib(vrf)]);
        await sleep(100);
        publisher.publish(vrf, Array.from({ length: 60 }, (_, i) => ({ prefix: `10.80.1.${i + 1}/32`, label: 30, encapsulations: ['MPLSoUDP'] })));
        await slow.waitFor((a) => !a.connected, 5000, 'control to end the session');
        expect(slow.lastStatus).toMatchObject({ code: 8, details: expect.stringMatching(/^agent pending-slow is too far behind: 41 route updates wait for it, more than the 40 allowed \(AGENT_MAX_PENDING\)/) });
        expect(slow.notices.map((n) => n.code)).toEqual(['too-far-behind']);
        await fast.waitFor((a) => a.table(vrf).size === 60, 5000, 'every route');
        expect(await hits(api, 'agent_pending_routes')).toBe(before + 1);
        const line = await controller.process.waitForLine((l) => String(l.msg).startsWith('agent too far behind'));
        expect(line.level).toBe('warn');
        // It comes back: a new session (not a resume), with the whole table.
        const welcome = await slow.reconnect();
        expect(welcome.resumed).toBe(false);
      } finally {
        await Promise.all([slow.close(), fast.close(), publisher.close()]);
      }
    });
  });
});

describe('control limits: their variables', () => {
  const BAD = {
    AGENT_MAX_PENDING: ['-1', 'AGENT_MAX_PENDING="-1" is not allowed: expected an integer from 0 to 1000000000'],
    AGENT_MAX_SESSIONS_PER_ADDRESS: ['many', 'AGENT_MAX_SESSIONS_PER_ADDRESS="many" is not allowed: expected an integer from 0 to 1000000'],
    AGENT_CONNECT_RATE: ['fast', 'AGENT_CONNECT_RATE="fast" is not allowed: expected an integer from 0 to 1000000'],
    AGENT_CONNECT_BURST: ['0', 'AGENT_CONNECT_BURST="0" is not allowed: expected an integer from 1 to 1000000'],
    XMPP_HOLD_TIME_S: ['1', 'XMPP_HOLD_TIME_S="1" is not allowed: expected an integer from 3 to 3600 (seconds)'],
    XMPP_MAX_STANZA_BYTES: ['1k', 'XMPP_MAX_STANZA_BYTES="1k" is not allowed: expected an integer from 4096 to 268435456 (bytes)'],
    GRPC_MAX_MESSAGE_BYTES: ['10', 'GRPC_MAX_MESSAGE_BYTES="10" is not allowed: expected an integer from 1024 to 1073741824 (bytes)'],
  } as const;

  it.each([
    ['the controller', undefined],
    ['the control service', CONTROL_MAIN],
  ])('%s refuses bad values with exit code 2, naming each', async (_what, main) => {
    const env = Object.fromEntries(Object.entries(BAD).map(([name, [value]]) => [name, value]));
    const process = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', ...env }, main);
    try {
      expect(await process.exited).toEqual({ code: 2, signal: null });
      for (const [, message] of Object.values(BAD)) expect(process.stderr).toContain(message);
    } finally {
      await process.ensureStopped();
    }
  });
});
