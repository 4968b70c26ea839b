import { Metadata, credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest, type Server as HttpsServer } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { HealthClient, HealthService, ServingStatus, type HealthCheckResponse } from '#libs/proto';
import type { ServerTlsConfig, TlsClientAuth } from '#libs/config';
import { standardCertificates, type CertificateFiles, type CertificateWorkshop } from '../../../../test/support/tls-certificates.js';
import { createLogger } from '../logging/create-logger.js';
import { GrpcServer } from '../grpc/grpc-server.js';
import { healthService } from '../grpc/health-service.js';
import { HealthStatusBoard, WHOLE_SERVER } from '../grpc/health-status-board.js';
import type { Metrics } from '../http/metrics.js';
import { ServerTls } from './server-tls.js';
import { TlsCertificates } from './tls-certificates.js';

let workshop: CertificateWorkshop;
let ca: CertificateFiles;
let server: CertificateFiles;
let client: CertificateFiles;
let stranger: CertificateFiles;
/** The files the servers under test read: copies, so that a test can rotate them. */
let live: CertificateFiles;

const lines: Array<Record<string, unknown>> = [];
const logger = createLogger({
  name: 'test',
  level: 'info',
  destination: new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')));
      done();
    },
  }),
});

beforeAll(() => {
  ({ workshop, ca, server, client, strangerClient: stranger } = standardCertificates());
  live = { cert: workshop.path('live.pem'), key: workshop.path('live.key') };
});

afterAll(() => workshop.remove());

function install(files: CertificateFiles): void {
  copyFileSync(files.cert, live.cert);
  copyFileSync(files.key, live.key);
}

function config(clientAuth: TlsClientAuth): ServerTlsConfig {
  return {
    files: { cert: { variable: 'TLS_CERT_FILE', path: live.cert }, key: { variable: 'TLS_KEY_FILE', path: live.key }, ca: { variable: 'TLS_CLIENT_CA_FILE', path: ca.cert } },
    clientAuth,
  };
}

const until = async (condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('TlsCertificates', () => {
  let certificates: TlsCertificates | undefined;
  afterEach(() => certificates?.close());

  it('takes a good new set, refuses a bad one keeping the current, and reports a bad set once', async () => {
    install(server);
    certificates = TlsCertificates.open(config('require').files, logger, { pollMs: 60_000 });
    const first = certificates.current.certificate!.serialNumber;
    const heard: string[] = [];
    certificates.onChange((material) => heard.push(material.certificate!.serialNumber));
    expect(await certificates.check()).toBe('unchanged');

    const rotated = workshop.issue(ca, 'rotated', { commonName: 'localhost', usage: 'both' });
    install(rotated);
    expect(await certificates.check()).toBe('reloaded');
    const second = new X509Certificate(workshop.read(rotated.cert)).serialNumber;
    expect(second).not.toBe(first);
    expect(heard).toEqual([second]);
    expect(lines.some((line) => line.msg === 'TLS certificate reloaded: new connections use it')).toBe(true);

    // A key that belongs to another certificate: refused, the rotated set stays.
    copyFileSync(client.key, live.key);
    expect(await certificates.check()).toBe('refused');
    expect(certificates.current.certificate!.serialNumber).toBe(second);
    const refusal = lines.find((line) => line.level === 'error');
    expect(refusal).toMatchObject({ variable: 'TLS_KEY_FILE', file: live.key });
    expect(String(refusal?.msg)).toContain('keeping the current certificate');
    expect(await certificates.check()).toBe('unchanged');
    expect(lines.filter((line) => line.level === 'error')).toHaveLength(1);

    // A file that went away: refused too.
    writeFileSync(live.cert, 'not a certificate');
    expect(await certificates.check()).toBe('refused');
    expect(certificates.reloads).toEqual({ success: 1, failure: 2 });
    expect(heard).toHaveLength(1);
  });

  it('sees a change by itself (fs.watch, or the poll) without anyone calling check', async () => {
    install(server);
    certificates = TlsCertificates.open(config('none').files, logger, { pollMs: 500, settleMs: 20 });
    const rotated = workshop.issue(ca, 'watched', { commonName: 'localhost', usage: 'both' });
    const wanted = new X509Certificate(workshop.read(rotated.cert)).serialNumber;
    install(rotated);
    await until(() => certificates!.current.certificate!.serialNumber === wanted, 'the watched files to be reloaded');
    expect(certificates.expirySeconds()).toBeGreaterThan(2 * 86_400);
  });
});

describe('ServerTls on a gRPC server and an HTTPS server', () => {
  let tls: ServerTls;
  let grpc: GrpcServer;
  let https: HttpsServer;
  let grpcTarget: string;
  let httpsPort: number;
  const clients: HealthClient[] = [];

  async function start(clientAuth: TlsClientAuth): Promise<void> {
    install(server);
    tls = ServerTls.open(config(clientAuth), logger, { pollMs: 60_000 });
    grpc = new GrpcServer();
    const board = new HealthStatusBoard();
    board.set(WHOLE_SERVER, ServingStatus.SERVING);
    grpc.addService(HealthService, healthService(board));
    grpcTarget = `127.0.0.1:${await grpc.listen('127.0.0.1', 0, tls.grpcCredentials())}`;
    https = createHttpsServer(tls.httpsOptions(), (req, res) => {
      const socket = req.socket as import('node:tls').TLSSocket;
      res.end(JSON.stringify({ authorized: socket.authorized }));
    });
    tls.follow(https, 'rest');
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    httpsPort = (https.address() as { port: number }).port;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await grpc?.shutdown(0);
    await new Promise((resolve) => https?.close(resolve));
    tls?.close();
  });

  function healthCheck(creds: ChannelCredentials): Promise<HealthCheckResponse> {
    const c = new HealthClient(grpcTarget, creds);
    clients.push(c);
    return new Promise((resolve, reject) => c.check({ service: '' }, new Metadata(), { deadline: Date.now() + 3000 }, (error, answer) => (error ? reject(error) : resolve(answer))));
  }

  const caPem = () => workshop.read(ca.cert);
  const ssl = (files?: CertificateFiles) => credentials.createSsl(caPem(), files ? workshop.read(files.key) : null, files ? workshop.read(files.cert) : null);

  /** The serial the HTTPS server presents to a new connection, and whether it accepted the client. */
  function httpsGet(files?: CertificateFiles): Promise<{ serial: string; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port: httpsPort, path: '/', ca: caPem(), agent: false, ...(files ? { cert: workshop.read(files.cert), key: workshop.read(files.key) } : {}) },
        (res) => {
          const serial = (res.socket as import('node:tls').TLSSocket).getPeerX509Certificate()!.serialNumber;
          let body = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ serial, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** The serial a fresh TLS connection to the gRPC port sees. */
  function grpcServerSerial(): Promise<string> {
    return new Promise((resolve, reject) => {
      const [host, port] = grpcTarget.split(':');
      const socket = tlsConnect({ host, port: Number(port), ca: caPem(), ALPNProtocols: ['h2'], cert: workshop.read(client.cert), key: workshop.read(client.key) }, () => {
        resolve(socket.getPeerX509Certificate()!.serialNumber);
        socket.destroy();
      });
      socket.on('error', reject);
    });
  }

  it('require: a client certificate from the CA is served on both; none, or one from another CA, is refused on both', async () => {
    await start('require');
    await expect(healthCheck(ssl(client))).resolves.toEqual({ status: 1 });
    await expect(healthCheck(ssl())).rejects.toMatchObject({ code: 14 });
    await expect(healthCheck(ssl(stranger))).rejects.toMatchObject({ code: 14 });
    await expect(healthCheck(credentials.createInsecure())).rejects.toMatchObject({ code: 14 });
    await expect(httpsGet(client)).resolves.toMatchObject({ body: '{"authorized":true}' });
    await expect(httpsGet()).rejects.toThrow();
    await expect(httpsGet(stranger)).rejects.toThrow();
  });

  it('optional: a client without a certificate is served, and only a verified one counts as authorized', async () => {
    await start('optional');
    await expect(healthCheck(ssl())).resolves.toEqual({ status: 1 });
    await expect(healthCheck(ssl(client))).resolves.toEqual({ status: 1 });
    await expect(httpsGet()).resolves.toMatchObject({ body: '{"authorized":false}' });
    await expect(httpsGet(stranger)).resolves.toMatchObject({ body: '{"authorized":false}' });
    await expect(httpsGet(client)).resolves.toMatchObject({ body: '{"authorized":true}' });
  });

  it('new connections get a rotated certificate without a restart; a bad replacement keeps the old one', async () => {
    await start('require');
    const before = (await httpsGet(client)).serial;
    expect(await grpcServerSerial()).toBe(before);
    const rotated = workshop.issue(ca, 'rotated-2', { commonName: 'localhost', usage: 'both' });
    install(rotated);
    expect(await tls.certificates.check()).toBe('reloaded');
    const after = (await httpsGet(client)).serial;
    expect(after).not.toBe(before);
    expect(await grpcServerSerial()).toBe(after);
    await expect(healthCheck(ssl(client))).resolves.toEqual({ status: 1 });

    writeFileSync(live.cert, '-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n');
    expect(await tls.certificates.check()).toBe('refused');
    expect((await httpsGet(client)).serial).toBe(after);
    expect(await grpcServerSerial()).toBe(after);
  });

  it('puts the expiry per listener and the reloads by outcome on the registry', async () => {
    await start('none');
    const registry = new Registry();
    tls.registerMetrics({ registry } as Metrics);
    const text = await registry.metrics();
    expect(text).toMatch(/contrail_tls_certificate_expiry_seconds\{listener="grpc"\} \d{6}/);
    expect(text).toMatch(/contrail_tls_certificate_expiry_seconds\{listener="rest"\} \d{6}/);
    expect(text).toContain('contrail_tls_reloads_total{outcome="success"} 0');
    expect(text).toContain('contrail_tls_reloads_total{outcome="failure"} 0');
  });
});
