// AGENT_IDENTITY=certificate over real sockets against the built controller with mutual TLS: an agent may use only a
// name its client certificate vouches for (subject CN or a DNS alternative name), on gRPC and on XMPP; any other
// name is refused before the session opens (gRPC UNAUTHENTICATED, XMPP: the connection closed, a log line says why).
import { credentials, status as GrpcStatus, type ChannelCredentials } from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionRefusedError, SimulatedAgent, XmppSimulatedAgent, type XmppAgentTls } from '#apps/agent-sim';
import { CertificateWorkshop, type CertificateFiles } from '../support/tls-certificates.js';
import { ControllerProcess } from './controller-process.js';

describe('AGENT_IDENTITY=certificate (all-in-one controller, mutual TLS on gRPC and XMPP)', () => {
  const workshop = new CertificateWorkshop();
  let ca: CertificateFiles;
  /** CN compute-1, DNS names compute-1.lab and compute-1-xmpp. */
  let compute1: CertificateFiles;
  let dataDir: string;
  let controller: ControllerProcess;
  let grpc: string;
  let xmpp: string;
  const closers: Array<() => Promise<unknown>> = [];

  const creds = (files: CertificateFiles): ChannelCredentials => credentials.createSsl(workshop.read(ca.cert), workshop.read(files.key), workshop.read(files.cert));
  const xmppTls = (files: CertificateFiles): XmppAgentTls => ({ ca: workshop.read(ca.cert), cert: workshop.read(files.cert), key: workshop.read(files.key) });

  function grpcAgent(name: string, files: CertificateFiles): SimulatedAgent {
    const agent = new SimulatedAgent({ target: grpc, name, address: '192.168.60.1', credentials: creds(files), pacedTimeoutMs: 0 });
    closers.push(() => agent.close());
    return agent;
  }

  function xmppAgent(name: string, files: CertificateFiles): XmppSimulatedAgent {
    const agent = new XmppSimulatedAgent({ target: xmpp, name, address: '192.168.60.2', configSubscribe: false, connectTimeoutMs: 5000, tls: xmppTls(files) });
    closers.push(() => agent.close(500).catch(() => undefined));
    return agent;
  }

  beforeAll(async () => {
    ca = workshop.authority('identity-ca');
    const server = workshop.issue(ca, 'server', { commonName: 'localhost', usage: 'both' });
    compute1 = workshop.issue(ca, 'compute-1', { commonName: 'compute-1', usage: 'client', dnsNames: ['compute-1.lab', 'compute-1-xmpp'] });
    dataDir = mkdtempSync(join(tmpdir(), 'contrail-agent-identity-'));
    controller = new ControllerProcess({
      REST_PORT: '0',
      GRPC_PORT: '0',
      XMPP_PORT: '0',
      DATA_DIR: dataDir,
      SHUTDOWN_TIMEOUT_MS: '3000',
      TLS_CERT_FILE: server.cert,
      TLS_KEY_FILE: server.key,
      TLS_CLIENT_CA_FILE: ca.cert,
      XMPP_TLS: 'require',
      AGENT_IDENTITY: 'certificate',
    });
    const listening = await controller.waitForLine((line) => line.msg === 'listening');
    grpc = listening.grpc as string;
    xmpp = listening.xmpp as string;
  });

  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
    await controller?.ensureStopped();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    workshop.remove();
  });

  it('gRPC: the certificate’s CN and each of its DNS names are welcome, in any case', async () => {
    for (const name of ['compute-1', 'compute-1.lab', 'COMPUTE-1']) {
      const agent = grpcAgent(name, compute1);
      const welcome = await agent.connect();
      expect(welcome.sessionId).not.toBe('');
      await agent.close();
    }
  });

  it('gRPC: another name with that certificate is refused UNAUTHENTICATED, naming what the certificate names', async () => {
    const impostor = grpcAgent('compute-2', compute1);
    const refusal = await impostor.connect().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(SessionRefusedError);
    expect((refusal as SessionRefusedError).code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect((refusal as SessionRefusedError).details).toBe(
      'AGENT_IDENTITY=certificate: agent name "compute-2" is not one its client certificate names ("compute-1", "compute-1.lab", "compute-1-xmpp")',
    );
  });

  it('XMPP: the name in the certificate gets a session; another is closed before its session, with a log line', async () => {
    const good = xmppAgent('compute-1-xmpp', compute1);
    await good.connect();
    const established = await controller.waitForLine((line) => line.msg === 'xmpp session established' && line.agent === 'compute-1-xmpp');
    expect(established.tls).toMatchObject({ subject: 'CN=compute-1' });

    const impostor = xmppAgent('compute-9', compute1);
    await impostor.connect().catch(() => undefined);
    await impostor.waitFor((agent) => !agent.connected && agent.lastDisconnectReason !== undefined, 5000, 'the refusal');
    const refused = await controller.waitForLine((line) => String(line.reason ?? '').includes('agent compute-9') && String(line.reason).includes('AGENT_IDENTITY=certificate'));
    expect(String(refused.reason)).toContain('"compute-9" is not one its client certificate names');
    // The refused one took nothing over: the good session is still up.
    expect(good.connected).toBe(true);
  });
});
