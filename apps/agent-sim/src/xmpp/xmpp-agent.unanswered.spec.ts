import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import { encodeControlStreamHeader } from '#libs/xmpp';
import { XmppSimulatedAgent, type XmppSimulatedAgentOptions } from './xmpp-agent.js';

// A control node closes a connection it will not serve yet without a byte (the bridge pacing a connect storm,
// AGENT_CONNECT_RATE): the dialect has no "retry later", so the agent reconnects on its timer, as a TF agent does.

const servers: Server[] = [];
const agents: XmppSimulatedAgent[] = [];

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close(200)));
  for (const server of servers.splice(0)) server.close();
});

/** Closes the first `unanswered` connections without writing, answers the header of the next ones. */
async function control(unanswered: number, behaviour: 'close' | 'silent' = 'close'): Promise<{ port: number; connections: () => number }> {
  let count = 0;
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    count += 1;
    sockets.push(socket);
    socket.on('error', () => undefined);
    if (count <= unanswered) {
      if (behaviour === 'close') socket.end();
      return;
    }
    socket.once('data', () => socket.write(encodeControlStreamHeader('vr-1', 'network-control@contrailsystems.com')));
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, connections: () => count };
}

function agent(port: number, options: Partial<XmppSimulatedAgentOptions> = {}): XmppSimulatedAgent {
  const created = new XmppSimulatedAgent({ target: `127.0.0.1:${port}`, name: 'vr-1', address: '10.255.0.1', configSubscribe: false, ...options });
  agents.push(created);
  return created;
}

describe('XmppSimulatedAgent: a connection closed unanswered', () => {
  it('is tried again after a short, jittered wait until control answers', async () => {
    const { port, connections } = await control(3);
    const a = agent(port);
    const started = performance.now();
    const header = await a.connect();
    expect(header.from).toBe('network-control@contrailsystems.com');
    expect(a.connected).toBe(true);
    expect(a.stats.unansweredConnects).toBe(3);
    expect(connections()).toBe(4);
    // 100, 200 and 400 ms less up to a fifth each: at least 560 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(550);
    expect(a.anomalies).toEqual([]);
  });

  it('fails connect() with the close when unansweredRetryMs is 0, or once it would be over', async () => {
    const { port } = await control(100);
    await expect(agent(port, { unansweredRetryMs: 0 }).connect()).rejects.toThrow('vr-1: control closed the connection');
    const patient = agent(port, { name: 'vr-2', unansweredRetryMs: 400 });
    await expect(patient.connect()).rejects.toThrow('vr-2: control closed the connection');
    expect(patient.stats.unansweredConnects).toBeGreaterThanOrEqual(1);
  });

  it('does not retry a control that says nothing until the connect timeout, nor one that is not there', async () => {
    const { port, connections } = await control(100, 'silent');
    await expect(agent(port, { connectTimeoutMs: 200 }).connect()).rejects.toThrow('no stream header from control within 200 ms');
    expect(connections()).toBe(1);
    const { port: gone } = await control(0);
    servers.pop()!.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(agent(gone, { name: 'vr-3' }).connect()).rejects.toThrow(/ECONNREFUSED/);
  });
});
