import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvalidConfigError } from '#libs/config';
import { standardCertificates, type CertificateFiles, type CertificateWorkshop } from '../../../../test/support/tls-certificates.js';
import { parseClusterCliArgs } from '../cli/cluster-cli-args.js';
import { loadKubemanagerConfig } from './kubemanager-config.js';

let workshop: CertificateWorkshop;
let ca: CertificateFiles;
let client: CertificateFiles;
let server: CertificateFiles;

beforeAll(() => {
  ({ workshop, ca, client, server } = standardCertificates());
});

afterAll(() => workshop.remove());

describe('the kubemanager\'s TLS to the config API', () => {
  it('is plain without CONFIG_API_TLS_*', () => {
    expect(loadKubemanagerConfig({ KUBEMANAGER_CLUSTER: 'east' }).configApiTls).toBeUndefined();
  });

  it('reads the CA, certificate and key from the variables or the flags (a flag wins), relative to the working directory', () => {
    const fromEnv = loadKubemanagerConfig({ KUBEMANAGER_CLUSTER: 'east', CONFIG_API_TLS_CA_FILE: ca.cert, CONFIG_API_TLS_CERT_FILE: client.cert, CONFIG_API_TLS_KEY_FILE: client.key });
    expect(fromEnv.configApiTls?.material.ca).toEqual(workshop.read(ca.cert));
    expect(fromEnv.configApiTls?.material.certificate?.subject).toBe('CN=agent-1');
    const fromFlags = loadKubemanagerConfig({ KUBEMANAGER_CLUSTER: 'east', CONFIG_API_TLS_CA_FILE: '/nowhere.pem' }, ['--tls-ca', 'test-ca.pem'], workshop.dir);
    expect(fromFlags.configApiTls?.files.ca).toEqual({ variable: 'CONFIG_API_TLS_CA_FILE', path: ca.cert });
  });

  it('stops the start (exit 2) naming the variable of a bad file or a missing half', () => {
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadKubemanagerConfig({ KUBEMANAGER_CLUSTER: 'east', ...env });
      } catch (error) {
        if (error instanceof InvalidConfigError) return error.problems.map((problem) => problem.message);
        throw error;
      }
      throw new Error('accepted');
    };
    expect(problems({ CONFIG_API_TLS_CERT_FILE: client.cert, CONFIG_API_TLS_KEY_FILE: server.key })[0]).toMatch(
      /^CONFIG_API_TLS_KEY_FILE=".*" is not allowed: expected a readable PEM file, but the key does not belong to the certificate in CONFIG_API_TLS_CERT_FILE/,
    );
    expect(problems({ CONFIG_API_TLS_KEY_FILE: client.key })).toEqual([
      'CONFIG_API_TLS_CERT_FILE is not set: it is required when CONFIG_API_TLS_KEY_FILE is set: the PEM certificate of that key',
    ]);
  });
});

describe('cluster:attach|detach TLS flags', () => {
  it('take --tls-* or, failing them, CONFIG_API_TLS_*_FILE', () => {
    expect(parseClusterCliArgs(['detach', '--name', 'east']).tls).toBeUndefined();
    expect(parseClusterCliArgs(['detach', '--name', 'east', '--tls-ca', 'a.pem'], { CONFIG_API_TLS_CA_FILE: 'b.pem', CONFIG_API_TLS_CERT_FILE: 'c.pem' }).tls).toEqual({
      ca: 'a.pem',
      cert: 'c.pem',
    });
    expect(() => parseClusterCliArgs(['detach', '--name', 'east', '--tls-ca'])).toThrow('--tls-ca needs a value');
  });
});
