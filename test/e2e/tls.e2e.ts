// TLS on every listener of the built processes, with certificates made for the run (test/support/tls-certificates.ts):
// HTTPS and gRPC with client certificates, the XMPP bridge's STARTTLS then mutual TLS (xmpp-dialect.md §1.5),
// certificates rotated on disk under running listeners, and the start-up refusals of bad settings.
import { Metadata, credentials, status as GrpcStatus, type ChannelCredentials } from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { jest } from '@jest/globals';
import { XmppSimulatedAgent, type XmppAgentTls } from '#apps/agent-sim';
import { runClusterCli } from '#apps/kubemanager';
import { ConfigServiceClient, FqNameToIdRequest, GetRequest, HealthClient, type FqNameToIdResponse, type GetResponse } from '#libs/proto';
import { encodeAgentStreamHeader, encodeConfigSubscribe } from '#libs/xmpp';
import { standardCertificates, type CertificateFiles, type CertificateWorkshop } from '../support/tls-certificates.js';
import { CONTROL_MAIN, ControllerProcess, type LogLine } from './controller-process.js';
import { CONFIG_API_MAIN } from './support/microservices.js';
import { networkBody, subnet } from './config-api-support.js';
import { eventually, WorkloadCluster } from './support/workload-cluster.js';

jest.setTimeout(60_000);

const AGENT_SIM_MAIN = fileURLToPath(new URL('../../dist/apps/agent-sim/src/main.js', import.meta.url));

/** The built agent simulator's CLI, run to its end. */
function agentSim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [AGENT_SIM_MAIN, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

const PROJECT = ['default-domain', 'default-project'];
const VRF = [...PROJECT, 'tls-blue', 'tls-blue'].join(':');
const isListening = (line: LogLine) => line.msg === 'listening';

let workshop: CertificateWorkshop;
let ca: CertificateFiles;
let server: CertificateFiles;
let client: CertificateFiles;
let stranger: CertificateFiles;

beforeAll(() => {
  ({ workshop, ca, server, client, strangerClient: stranger } = standardCertificates());
});

afterAll(() => workshop?.remove());

interface HttpsAnswer {
  status: number;
  body: string;
  /** The serial of the certificate the server presented. */
  serial: string;
}

/** One HTTPS request on a connection of its own, with the test CA and optionally a client certificate. */
function https(url: string, options: { cert?: CertificateFiles; method?: string; body?: unknown } = {}): Promise<HttpsAnswer> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: options.method ?? 'GET',
        ca: workshop.read(ca.cert),
        agent: false,
        headers: body ? { 'content-type': 'application/json' } : {},
        ...(options.cert ? { cert: workshop.read(options.cert.cert), key: workshop.read(options.cert.key) } : {}),
      },
      (res) => {
        const serial = (res.socket as TLSSocket).getPeerX509Certificate()!.serialNumber;
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode!, body: text, serial }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The serial a fresh TLS connection to `hostPort` is shown (gRPC's port speaks h2 over TLS). */
function presentedSerial(hostPort: string, alpn: string[] = ['h2']): Promise<string> {
  const separator = hostPort.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { host: hostPort.slice(0, separator), port: Number(hostPort.slice(separator + 1)), ca: workshop.read(ca.cert), ALPNProtocols: alpn, cert: workshop.read(client.cert), key: workshop.read(client.key) },
      () => {
        resolve(socket.getPeerX509Certificate()!.serialNumber);
        socket.destroy();
      },
    );
    socket.on('error', reject);
  });
}

function ssl(files?: CertificateFiles): ChannelCredentials {
  return credentials.createSsl(workshop.read(ca.cert), files ? workshop.read(files.key) : null, files ? workshop.read(files.cert) : null);
}

function unary<T>(call: (metadata: Metadata, options: { deadline: number }, done: (error: Error | null, answer?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call(new Metadata(), { deadline: Date.now() + 5000 }, (error, answer) => (error ? reject(error) : resolve(answer as T))));
}

/** ConfigService: the default domain by fq_name, then Get. */
async function getDefaultDomain(target: string, creds: ChannelCredentials): Promise<{ fq_name: string[] }> {
  const client = new ConfigServiceClient(target, creds);
  try {
    const { uuid } = await unary<FqNameToIdResponse>((m, o, cb) => client.fqNameToId(FqNameToIdRequest.fromPartial({ type: 'domain', fqName: ['default-domain'] }), m, o, cb));
    const answer = await unary<GetResponse>((m, o, cb) => client.get(GetRequest.fromPartial({ type: 'domain', uuid }), m, o, cb));
    return (JSON.parse(answer.objectJson) as { domain: { fq_name: string[] } }).domain;
  } finally {
    client.close();
  }
}

function agentTls(files?: CertificateFiles): XmppAgentTls {
  return { ca: workshop.read(ca.cert), ...(files ? { cert: workshop.read(files.cert), key: workshop.read(files.key) } : {}) };
}

describe('the all-in-one controller with TLS on every listener (TLS_CLIENT_AUTH=require, XMPP_TLS=require)', () => {
  let dataDir: string;
  let controller: ControllerProcess;
  let listening: LogLine;
  let rest: string;
  let grpc: string;
  let xmpp: string;
  /** The files the controller was given: copies, rotated by the tests. */
  let live: CertificateFiles;
  const agents: XmppSimulatedAgent[] = [];

  function xmppAgent(name: string, tls?: XmppAgentTls): XmppSimulatedAgent {
    const agent = new XmppSimulatedAgent({ target: xmpp, name, address: '192.168.50.1', configSubscribe: false, connectTimeoutMs: 5000, ...(tls ? { tls } : {}) });
    agents.push(agent);
    return agent;
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'contrail-tls-e2e-'));
    live = { cert: join(dataDir, 'tls.crt'), key: join(dataDir, 'tls.key') };
    copyFileSync(server.cert, live.cert);
    copyFileSync(server.key, live.key);
    controller = new ControllerProcess({
      REST_PORT: '0',
      GRPC_PORT: '0',
      XMPP_PORT: '0',
      DATA_DIR: dataDir,
      SHUTDOWN_TIMEOUT_MS: '3000',
      KUBEMANAGER_RESYNC_MS: '2000',
      TLS_CERT_FILE: live.cert,
      TLS_KEY_FILE: live.key,
      TLS_CLIENT_CA_FILE: ca.cert,
      XMPP_TLS: 'require',
    });
    listening = await controller.waitForLine(isListening);
    rest = listening.rest as string;
    grpc = listening.grpc as string;
    xmpp = listening.xmpp as string;
  });

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.close(500).catch(() => undefined)));
    await controller?.ensureStopped();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('says https:// and tls: true on its listening line', () => {
    expect(listening).toMatchObject({ rest: expect.stringMatching(/^https:\/\/127\.0\.0\.1:[1-9]\d*$/), tls: true, clientAuth: 'require', xmppTls: 'require' });
  });

  it('serves HTTPS to a client with a certificate from the CA; plain HTTP fails', async () => {
    const answer = await https(`${rest}/health`, { cert: client });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'ok' });
    const plain = new Promise((resolve, reject) => httpRequest(rest.replace('https://', 'http://') + '/health', (res) => resolve(res.statusCode)).on('error', reject).end());
    await expect(plain).rejects.toThrow();
  });

  it('refuses HTTPS to a client without a certificate or with one from another CA', async () => {
    await expect(https(`${rest}/health`)).rejects.toThrow();
    await expect(https(`${rest}/health`, { cert: stranger })).rejects.toThrow();
  });

  it('serves ConfigService over TLS to a client with a certificate; a plain client, one without a certificate or with a stranger\'s fails', async () => {
    expect(await getDefaultDomain(grpc, ssl(client))).toMatchObject({ fq_name: ['default-domain'] });
    for (const creds of [credentials.createInsecure(), ssl(), ssl(stranger)]) {
      await expect(getDefaultDomain(grpc, creds)).rejects.toMatchObject({ code: GrpcStatus.UNAVAILABLE });
    }
  });

  it('XMPP: agents that start TLS with a client certificate get the routes, over mutual TLS', async () => {
    const created = await https(`${rest}/virtual-networks`, {
      cert: client,
      method: 'POST',
      body: { 'virtual-network': networkBody([...PROJECT, 'tls-blue'], [{ subnet: subnet('10.77.0.0/24') }]) },
    });
    expect(created.status).toBe(200);
    const a = xmppAgent('tls-agent-a', agentTls(client));
    const b = xmppAgent('tls-agent-b', agentTls(client));
    await Promise.all([a.connect(), b.connect()]);
    expect([a.secured, b.secured]).toEqual([true, true]);
    expect(a.controlPeerCertificate?.subject).toBe('CN=localhost');
    a.subscribe(VRF);
    b.subscribe(VRF);
    a.publish(VRF, [{ prefix: '10.77.0.5/32', label: 40 }]);
    await b.waitFor((agent) => agent.table(VRF).has('10.77.0.5/32'), 10_000, 'the route of tls-agent-a');
    expect(b.table(VRF).get('10.77.0.5/32')![0]).toMatchObject({ nextHop: '192.168.50.1', label: 40 });
    const established = await controller.waitForLine((line) => line.msg === 'xmpp session established' && line.agent === 'tls-agent-a');
    expect(established.tls).toMatchObject({ subject: 'CN=agent-1' });
  });

  it('XMPP: a plain agent is refused; one sending stanzas without STARTTLS gets a stream error and a log line', async () => {
    const plain = xmppAgent('plain-agent');
    await plain.connect().catch(() => undefined);
    await plain.waitFor((agent) => !agent.connected && agent.lastDisconnectReason !== undefined, 5000, 'the refusal');
    expect(plain.lastDisconnectReason).toContain('control requires STARTTLS');

    // On the wire: the header and the features (required), then a stanza instead of <starttls/>.
    const separator = xmpp.lastIndexOf(':');
    const socket = netConnect({ host: xmpp.slice(0, separator), port: Number(xmpp.slice(separator + 1)) });
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(encodeAgentStreamHeader('raw-agent'));
    await eventually(() => received.includes('</stream:features>'), 'the stream features');
    expect(received).toContain('<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"><required/></starttls>');
    socket.write(encodeConfigSubscribe('raw-agent', { type: 'virtual-router', fqName: 'default-global-system-config:raw-agent' }));
    await closed;
    expect(received).toContain('<stream:error><policy-violation xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
    expect(received.endsWith('</stream:stream>')).toBe(true);
    const line = await controller.waitForLine((l) => l.msg === 'xmpp session closed' && String(l.reason).includes('raw-agent'));
    expect(line).toMatchObject({ level: 'warn', category: 'tls', reason: expect.stringContaining('sent <iq> without starting TLS') });
  });

  it('XMPP: an agent without a client certificate, or with one from another CA, is refused in the handshake', async () => {
    const anonymous = xmppAgent('no-cert-agent', agentTls());
    await expect(anonymous.connect()).rejects.toThrow(/control closed the connection in the TLS handshake/);
    const other = xmppAgent('stranger-agent', agentTls(stranger));
    await expect(other.connect()).rejects.toThrow(/TLS handshake/);
    const lines = await Promise.all([
      controller.waitForLine((l) => l.msg === 'xmpp session closed' && l.category === 'tls' && String(l.reason).includes('presented no client certificate')),
      controller.waitForLine((l) => l.msg === 'xmpp session closed' && l.category === 'tls' && String(l.reason).includes('does not verify against TLS_CLIENT_CA_FILE')),
    ]);
    expect(String(lines[1].reason)).toContain('CN=agent-1, issuer CN=other-ca');
  });

  it('the agent simulator\'s CLI runs over TLS: XMPP agents with STARTTLS, gRPC agents; without the flags it fails', async () => {
    const created = await https(`${rest}/virtual-networks`, {
      cert: client,
      method: 'POST',
      body: { 'virtual-network': networkBody([...PROJECT, 'sim-vn-1'], [{ subnet: subnet('10.1.0.0/16') }]) },
    });
    expect(created.status).toBe(200);
    const tlsFlags = ['--tls-ca', ca.cert, '--tls-cert', client.cert, '--tls-key', client.key];
    const common = ['--agents', '2', '--vrfs', '1', '--routes-per-agent', '2', '--json'];
    const overXmpp = await agentSim(['--proto', 'xmpp', '--target', xmpp, '--prefix', 'sim-xmpp-', ...common, '--timeout', '20', ...tlsFlags]);
    expect(overXmpp.code).toBe(0);
    expect(JSON.parse(overXmpp.stdout)).toMatchObject({ ok: true, proto: 'xmpp', convergence: { complete: true, missingRoutes: 0 } });
    const overGrpc = await agentSim(['--proto', 'grpc', '--target', grpc, '--prefix', 'sim-grpc-', ...common, '--timeout', '20', ...tlsFlags]);
    expect(overGrpc.code).toBe(0);
    const plain = await agentSim(['--proto', 'grpc', '--target', grpc, '--prefix', 'sim-plain-', ...common, '--timeout', '3']);
    expect(plain.code).toBe(1);
    const badFlag = await agentSim(['--proto', 'xmpp', '--target', xmpp, '--tls-ca', join(dataDir, 'none.pem')]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--tls-ca="');
  });

  it('puts the certificate expiry of each listener on /metrics', async () => {
    const text = (await https(`${rest}/metrics`, { cert: client })).body;
    for (const listener of ['rest', 'grpc', 'xmpp']) expect(text).toMatch(new RegExp(`contrail_tls_certificate_expiry_seconds\\{listener="${listener}"\\} \\d{5,}`));
  });

  it('rotates: new connections on every listener get a new certificate without a restart; a bad replacement keeps it', async () => {
    const before = (await https(`${rest}/health`, { cert: client })).serial;
    const established = xmppAgent('rotation-witness', agentTls(client));
    await established.connect();

    const rotated = workshop.issue(ca, 'rotated', { commonName: 'localhost', usage: 'both' });
    const wanted = new X509Certificate(workshop.read(rotated.cert)).serialNumber;
    expect(wanted).not.toBe(before);
    // As a Secret's update: new files renamed into place (the watch sees it; the poll would within 5 s).
    copyFileSync(rotated.key, `${live.key}.new`);
    copyFileSync(rotated.cert, `${live.cert}.new`);
    renameSync(`${live.key}.new`, live.key);
    renameSync(`${live.cert}.new`, live.cert);
    await controller.waitForLine((l) => l.msg === 'TLS certificate reloaded: new connections use it', 15_000);
    expect((await https(`${rest}/health`, { cert: client })).serial).toBe(wanted);
    expect(await presentedSerial(grpc)).toBe(wanted);
    expect(await getDefaultDomain(grpc, ssl(client))).toMatchObject({ fq_name: ['default-domain'] });
    const fresh = xmppAgent('after-rotation', agentTls(client));
    await fresh.connect();
    expect(fresh.controlPeerCertificate?.serialNumber).toBe(wanted);
    // The session opened before the rotation goes on.
    expect(established.connected).toBe(true);
    expect(established.controlPeerCertificate?.serialNumber).toBe(before);

    const mark = controller.lines.length;
    writeFileSync(live.cert, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
    const refusal = await controller.waitForLine((l) => controller.lines.indexOf(l) >= mark && l.level === 'error' && l.file === live.cert, 15_000);
    expect(refusal).toMatchObject({ variable: 'TLS_CERT_FILE', problem: expect.stringContaining('PEM block 1 is not a certificate that parses') });
    expect(String(refusal.msg)).toContain('keeping the current certificate');
    expect((await https(`${rest}/health`, { cert: client })).serial).toBe(wanted);
    expect(await presentedSerial(grpc)).toBe(wanted);
    const metrics = (await https(`${rest}/metrics`, { cert: client })).body;
    expect(metrics).toMatch(/contrail_tls_reloads_total\{outcome="success"\} [1-9]/);
    expect(metrics).toMatch(/contrail_tls_reloads_total\{outcome="failure"\} [1-9]/);
    copyFileSync(rotated.cert, live.cert);
  });

  it('the cluster CLI and the in-process kubemanager speak TLS to the gRPC port', async () => {
    const cluster = await WorkloadCluster.start('tls-east');
    try {
      cluster.node('node-1', '192.168.60.1');
      const cli = async (...argv: string[]) => {
        const err: string[] = [];
        const code = await runClusterCli([...argv, '--config-api', grpc], { out: () => undefined, err: (l) => err.push(l), cwd: dataDir, env: {} });
        return { code, err };
      };
      const plain = await cli('detach', '--name', 'tls-east');
      expect(plain.code).toBe(1);
      const badKey = await cli('detach', '--name', 'tls-east', '--tls-ca', ca.cert, '--tls-cert', client.cert, '--tls-key', server.key);
      expect(badKey).toMatchObject({ code: 2, err: [expect.stringContaining('--tls-key="')] });
      expect(badKey.err[0]).toContain('the key does not belong to the certificate in --tls-cert');
      const attach = await cli('attach', '--name', 'tls-east', '--kubeconfig', cluster.kubeconfig, '--in-process', '--pod-subnets', '10.40.0.0/16', '--service-subnets', '10.41.0.0/16', '--tls-ca', ca.cert, '--tls-cert', client.cert, '--tls-key', client.key);
      expect(attach).toEqual({ code: 0, err: [] });
      // The controller's own kubemanager reaches its gRPC port over TLS with the node's certificate.
      await controller.waitForLine((l) => l.msg === 'kubemanager synced' && l.cluster === 'tls-east', 30_000);
      const detach = await cli('detach', '--name', 'tls-east', '--keep-objects', '--tls-ca', ca.cert, '--tls-cert', client.cert, '--tls-key', client.key);
      expect(detach.code).toBe(0);
    } finally {
      await cluster.close();
    }
  });
});

describe('the standalone config API and control service with TLS', () => {
  let dataDir: string;
  const processes: ControllerProcess[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'contrail-tls-services-'));
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.ensureStopped()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('each serves HTTPS and gRPC over TLS; control takes XMPP agents over mutual TLS', async () => {
    const tlsEnv = { TLS_CERT_FILE: server.cert, TLS_KEY_FILE: server.key, TLS_CLIENT_CA_FILE: ca.cert, TLS_CLIENT_AUTH: 'optional', DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '2000' };
    const configApi = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', ...tlsEnv }, CONFIG_API_MAIN);
    processes.push(configApi);
    const apiListening = await configApi.waitForLine(isListening);
    expect(apiListening).toMatchObject({ rest: expect.stringMatching(/^https:/), tls: true, clientAuth: 'optional' });
    // optional: no client certificate needed.
    expect((await https(`${apiListening.rest as string}/health`)).status).toBe(200);
    expect(await getDefaultDomain(apiListening.grpc as string, ssl())).toMatchObject({ fq_name: ['default-domain'] });

    const control = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', XMPP_TLS: 'on', ...tlsEnv }, CONTROL_MAIN);
    processes.push(control);
    const controlListening = await control.waitForLine(isListening);
    expect(controlListening).toMatchObject({ rest: expect.stringMatching(/^https:/), tls: true, xmppTls: 'on' });
    expect((await https(`${controlListening.rest as string}/health`, { cert: client })).status).toBe(200);
    const health = new HealthClient(controlListening.grpc as string, ssl(client));
    const served = await unary<{ status: number }>((m, o, cb) => health.check({ service: '' }, m, o, cb));
    health.close();
    expect(served.status).toBe(1);
    // XMPP_TLS=on: an agent may start TLS, or stay plain (the plain dialect, unchanged).
    const secured = new XmppSimulatedAgent({ target: controlListening.xmpp as string, name: 'tls-on-a', address: '192.168.70.1', tls: agentTls(client) });
    const plain = new XmppSimulatedAgent({ target: controlListening.xmpp as string, name: 'tls-on-b', address: '192.168.70.2' });
    try {
      await Promise.all([secured.connect(), plain.connect()]);
      expect([secured.secured, plain.secured]).toEqual([true, false]);
      await control.waitForLine((l) => l.msg === 'xmpp session established' && l.agent === 'tls-on-b' && l.tls === false);
      await control.waitForLine((l) => l.msg === 'xmpp session established' && l.agent === 'tls-on-a' && typeof l.tls === 'object');
      expect(plain.connected).toBe(true);
    } finally {
      await Promise.all([secured.close(500), plain.close(500)]);
    }
  });
});

describe('bad TLS settings stop the start with exit code 2, naming the variable', () => {
  async function refused(env: Record<string, string>, main?: string): Promise<string> {
    const process = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', DATA_DIR: tmpdir(), ...env }, main);
    try {
      expect(await process.exited).toEqual({ code: 2, signal: null });
      return process.stderr;
    } finally {
      await process.ensureStopped();
    }
  }

  it('the controller: a missing file, a bad TLS_CLIENT_AUTH, XMPP_TLS without a client CA', async () => {
    const stderr = await refused({ TLS_CERT_FILE: '/nonexistent/tls.crt', TLS_KEY_FILE: server.key, TLS_CLIENT_AUTH: 'always', XMPP_TLS: 'on' });
    expect(stderr).toContain('TLS_CERT_FILE="/nonexistent/tls.crt" is not allowed: expected a readable PEM file, but cannot read the file: no such file');
    expect(stderr).toContain('TLS_CLIENT_AUTH="always" is not allowed: expected one of none, optional, require');
    expect(stderr).toContain('XMPP_TLS="on" is not allowed: expected off unless TLS_CLIENT_CA_FILE is set too');
  });

  it('the controller: a key that is not the certificate\'s; a file that is not PEM', async () => {
    expect(await refused({ TLS_CERT_FILE: server.cert, TLS_KEY_FILE: client.key })).toMatch(/TLS_KEY_FILE=".*client\.key" is not allowed: .*the key does not belong to the certificate in TLS_CERT_FILE/);
    const notPem = join(workshop.dir, 'not-pem.crt');
    writeFileSync(notPem, 'certainly not\n');
    expect(await refused({ TLS_CERT_FILE: server.cert, TLS_KEY_FILE: server.key, TLS_CLIENT_CA_FILE: notPem })).toContain(
      `TLS_CLIENT_CA_FILE="${notPem}" is not allowed: expected a readable PEM file, but not a PEM CA certificate: no -----BEGIN CERTIFICATE----- block`,
    );
  });

  it('the config API alone: a key without its certificate; control alone: XMPP_TLS without TLS', async () => {
    expect(await refused({ TLS_KEY_FILE: server.key }, CONFIG_API_MAIN)).toContain('TLS_CERT_FILE is not set: it is required when TLS_KEY_FILE is set');
    expect(await refused({ XMPP_TLS: 'require' }, CONTROL_MAIN)).toContain('XMPP_TLS="require" is not allowed: expected off unless TLS_CERT_FILE and TLS_KEY_FILE are set');
  });
});
