import { X509Certificate } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { NetworkModel } from '#libs/routing';
import { encodeAgentStreamHeader, encodeProceed, encodeStartTls } from '#libs/xmpp';
import { standardCertificates, type CertificateFiles, type CertificateWorkshop } from '../../../../test/support/tls-certificates.js';
import { provisioned } from '../../../../libs/routing/src/network/network-world.test.js';
import { ControlPlane, type DesiredStateSource } from '../control-plane/control-plane.js';
import { XmppBridge } from './xmpp-bridge.js';
import type { XmppTlsSource } from './xmpp-tls-upgrade.js';

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

let workshop: CertificateWorkshop;
let ca: CertificateFiles;
let server: CertificateFiles;
let client: CertificateFiles;

beforeAll(() => {
  ({ workshop, ca, server, client } = standardCertificates());
});

afterAll(() => workshop.remove());

/** The files as the bridge follows them, with a way to announce a reload. */
class FakeTlsSource implements XmppTlsSource {
  current: { cert: Buffer; key: Buffer; ca: Buffer };
  private readonly listeners = new Set<(material: { cert?: Buffer; key?: Buffer; ca?: Buffer }) => void>();
  constructor(files: CertificateFiles) {
    this.current = { cert: workshop.read(files.cert), key: workshop.read(files.key), ca: workshop.read(ca.cert) };
  }
  onChange(listener: (material: { cert?: Buffer; key?: Buffer; ca?: Buffer }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  reload(files: CertificateFiles): void {
    this.current = { cert: workshop.read(files.cert), key: workshop.read(files.key), ca: workshop.read(ca.cert) };
    for (const listener of this.listeners) listener(this.current);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('XmppBridge with XMPP_TLS=require (§1.5)', () => {
  let plane: ControlPlane;
  let bridge: XmppBridge;
  let source: FakeTlsSource;
  let logs: LogLine[];
  const sockets: Socket[] = [];

  beforeEach(async () => {
    const world = provisioned();
    const model = NetworkModel.build(world.state);
    const desired: DesiredStateSource = { model, onChange: () => () => undefined } as unknown as DesiredStateSource;
    plane = new ControlPlane(desired, { holdTimeMs: 60_000, window: 8, maxBatchRoutes: 512 });
    plane.start();
    logs = [];
    source = new FakeTlsSource(server);
    bridge = new XmppBridge(plane, {
      port: 0,
      bindAddress: '127.0.0.1',
      openTimeSeconds: 1,
      closeGraceMs: 200,
      stopTimeoutMs: 500,
      tls: { mode: 'require', certificates: source },
      log: (level, msg, fields) => logs.push({ level, msg, ...fields }),
    });
    await bridge.listen();
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await bridge.stop();
    plane.shutdown();
  });

  /** A raw TCP agent: what it has received, and when it is closed. */
  function raw(): { socket: Socket; text: () => string; closed: Promise<void> } {
    const socket = connect({ host: '127.0.0.1', port: bridge.port });
    sockets.push(socket);
    let received = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    return { socket, text: () => received, closed };
  }

  const closedLine = (pattern: RegExp) => logs.find((line) => line.msg === 'xmpp session closed' && pattern.test(String(line.reason)));

  it('closes an agent that sends more after <starttls/> without waiting for <proceed/>', async () => {
    const eager = raw();
    eager.socket.write(encodeAgentStreamHeader('eager'));
    await until(() => eager.text().includes('</stream:features>'), 'the features');
    eager.socket.write(`${encodeStartTls()}<iq type="set"/>`);
    await eager.closed;
    expect(eager.text()).not.toContain('<proceed');
    expect(closedLine(/sent more after <starttls\/> without waiting for <proceed\/>/)).toMatchObject({ category: 'tls', level: 'warn' });
    expect(bridge.closedByReason.get('tls')).toBe(1);

    // A ClientHello right behind <starttls/> is no XML: unreadable, and no <proceed/> either.
    const hasty = raw();
    hasty.socket.write(encodeAgentStreamHeader('hasty'));
    await until(() => hasty.text().includes('</stream:features>'), 'the features');
    hasty.socket.write(`${encodeStartTls()}\u0016\u0003\u0001`);
    await hasty.closed;
    expect(hasty.text()).not.toContain('<proceed');
    expect(closedLine(/unexpected byte 0x16/)).toMatchObject({ category: 'unreadable' });
  });

  it('closes a handshake that does not come within the open time, and one that is not TLS', async () => {
    const silent = raw();
    silent.socket.write(encodeAgentStreamHeader('silent'));
    await until(() => silent.text().includes('</stream:features>'), 'the features');
    silent.socket.write(encodeStartTls());
    await until(() => silent.text().endsWith(encodeProceed()), 'the proceed');
    await silent.closed;
    expect(closedLine(/the TLS handshake with agent silent .* did not finish within 1 s/)).toMatchObject({ category: 'tls' });

    const garbage = raw();
    garbage.socket.write(encodeAgentStreamHeader('garbage'));
    await until(() => garbage.text().includes('</stream:features>'), 'the features');
    garbage.socket.write(encodeStartTls());
    await until(() => garbage.text().endsWith(encodeProceed()), 'the proceed');
    garbage.socket.write('<iq type="set"/>\n\n\n\n\n\n');
    await garbage.closed;
    expect(closedLine(/TLS handshake with agent garbage \(127\.0\.0\.1\) failed: wrong version number \(ERR_SSL_WRONG_VERSION_NUMBER\)$/)).toMatchObject({ category: 'tls' });
    expect(bridge.connectionCount).toBe(0);
  });

  it('serves each new handshake with the set of the moment, and stops cleanly with a handshake under way', async () => {
    const serialOf = (files: CertificateFiles) => new X509Certificate(workshop.read(files.cert)).serialNumber;
    const handshake = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const agent = raw();
        agent.socket.write(encodeAgentStreamHeader(`agent-${Math.random()}`));
        const timer = setInterval(() => {
          if (!agent.text().endsWith(encodeProceed())) {
            if (agent.text().includes('</stream:features>') && !agent.text().includes('<proceed')) agent.socket.write(encodeStartTls());
            return;
          }
          clearInterval(timer);
          agent.socket.removeAllListeners('data');
          const secure = tlsConnect({ socket: agent.socket, host: '127.0.0.1', ca: workshop.read(ca.cert), cert: workshop.read(client.cert), key: workshop.read(client.key) }, () => {
            resolve(secure.getPeerX509Certificate()!.serialNumber);
            secure.destroy();
          });
          secure.on('error', reject);
        }, 5);
      });
    expect(await handshake()).toBe(serialOf(server));
    const rotated = workshop.issue(ca, 'bridge-rotated', { commonName: 'localhost', usage: 'both' });
    source.reload(rotated);
    expect(await handshake()).toBe(serialOf(rotated));

    const stuck = raw();
    stuck.socket.write(encodeAgentStreamHeader('stuck'));
    await until(() => stuck.text().includes('</stream:features>'), 'the features');
    stuck.socket.write(encodeStartTls());
    await until(() => stuck.text().endsWith(encodeProceed()), 'the proceed');
    await bridge.stop();
    await stuck.closed;
    expect(bridge.connectionCount).toBe(0);
  });
});
