import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChannelCredentials } from '@grpc/grpc-js';
import { standardCertificates, type CertificateFiles, type CertificateWorkshop } from '../../../test/support/tls-certificates.js';
import { parseSimArgs, UsageError, type SimArgs } from './cli-args.js';
import { simTlsOf } from './sim-tls.js';

let workshop: CertificateWorkshop;
let ca: CertificateFiles;
let client: CertificateFiles;
let server: CertificateFiles;

beforeAll(() => {
  ({ workshop, ca, client, server } = standardCertificates());
});

afterAll(() => workshop.remove());

function args(argv: string[]): SimArgs {
  const parsed = parseSimArgs(argv);
  if (parsed.help) throw new Error('help');
  return parsed.args;
}

describe('agent-sim --tls-ca, --tls-cert, --tls-key', () => {
  it('are paths, for either protocol; none given is plain TCP', () => {
    expect(args([]).tls).toBeUndefined();
    expect(args(['--tls-ca', 'ca.pem']).tls).toEqual({ ca: 'ca.pem' });
    expect(args(['--proto', 'xmpp', '--tls-ca', 'ca.pem', '--tls-cert', 'a.pem', '--tls-key', 'a.key']).tls).toEqual({ ca: 'ca.pem', cert: 'a.pem', key: 'a.key' });
  });

  it('want a certificate and its key together', () => {
    expect(() => parseSimArgs(['--tls-cert', 'a.pem'])).toThrow(new UsageError('--tls-cert needs --tls-key'));
    expect(() => parseSimArgs(['--tls-ca', 'ca.pem', '--tls-key', 'a.key'])).toThrow(new UsageError('--tls-key needs --tls-cert'));
  });

  it('are read when the run starts: credentials for gRPC, PEM for XMPP', () => {
    const tls = simTlsOf({ ca: ca.cert, cert: client.cert, key: client.key })!;
    expect(tls.grpc).toBeInstanceOf(ChannelCredentials);
    expect(tls.xmpp.ca).toEqual(workshop.read(ca.cert));
    expect(tls.xmpp.cert).toEqual(workshop.read(client.cert));
    // Relative to the working directory.
    expect(simTlsOf({ ca: 'test-ca.pem' }, workshop.dir)!.xmpp.ca).toEqual(workshop.read(ca.cert));
  });

  it('name the flag and the file of a problem (exit 2)', () => {
    const missing = workshop.path('missing.pem');
    expect(() => simTlsOf({ ca: missing })).toThrow(new UsageError(`--tls-ca="${missing}" is not allowed: expected a readable PEM file, but cannot read the file: no such file`));
    expect(() => simTlsOf({ cert: client.cert, key: server.key })).toThrow(/^--tls-key=".*server\.key" is not allowed: .*the key does not belong to the certificate in --tls-cert/);
  });
});
