import { chmodSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { standardCertificates, type CertificateFiles, type CertificateWorkshop } from '../../../test/support/tls-certificates.js';
import { EnvReader } from './env-reader.js';
import { InvalidConfigError, type ConfigProblem } from './config-problem.js';
import { readClientTlsConfig, readServerTlsConfig } from './tls-config.js';
import { TlsFileError, checkTlsMaterial, loadTlsMaterial } from './tls-material.js';

let workshop: CertificateWorkshop;
let ca: CertificateFiles;
let server: CertificateFiles;
let client: CertificateFiles;

beforeAll(() => {
  ({ workshop, ca, server, client } = standardCertificates());
});

afterAll(() => workshop.remove());

/** The problems reading `env` records (the config is thrown away). */
function serverProblems(env: Record<string, string>): readonly ConfigProblem[] {
  const reader = new EnvReader(env);
  readServerTlsConfig(reader, workshop.dir);
  return reader.problems;
}

describe('readServerTlsConfig', () => {
  it('is off with no variable set', () => {
    const reader = new EnvReader({});
    expect(readServerTlsConfig(reader, '/')).toBeUndefined();
    expect(reader.problems).toEqual([]);
  });

  it('reads a good set; client auth defaults to require with a client CA, none without', () => {
    const withCa = new EnvReader({ TLS_CERT_FILE: server.cert, TLS_KEY_FILE: server.key, TLS_CLIENT_CA_FILE: ca.cert });
    expect(withCa.finish(readServerTlsConfig(withCa, '/'))).toEqual({
      files: { cert: { variable: 'TLS_CERT_FILE', path: server.cert }, key: { variable: 'TLS_KEY_FILE', path: server.key }, ca: { variable: 'TLS_CLIENT_CA_FILE', path: ca.cert } },
      clientAuth: 'require',
    });
    const withoutCa = new EnvReader({ TLS_CERT_FILE: 'server.pem', TLS_KEY_FILE: 'server.key' });
    const config = withoutCa.finish(readServerTlsConfig(withoutCa, workshop.dir));
    // Relative paths resolve against the working directory.
    expect(config?.files.cert.path).toBe(server.cert);
    expect(config?.clientAuth).toBe('none');
    const optional = new EnvReader({ TLS_CERT_FILE: server.cert, TLS_KEY_FILE: server.key, TLS_CLIENT_CA_FILE: ca.cert, TLS_CLIENT_AUTH: 'optional' });
    expect(optional.finish(readServerTlsConfig(optional, '/'))?.clientAuth).toBe('optional');
  });

  it('wants the certificate and the key together', () => {
    expect(serverProblems({ TLS_CERT_FILE: server.cert })).toEqual([
      { variable: 'TLS_KEY_FILE', message: 'TLS_KEY_FILE is not set: it is required when TLS_CERT_FILE is set: the PEM private key of that certificate' },
    ]);
    expect(serverProblems({ TLS_KEY_FILE: server.key }).map((p) => p.variable)).toEqual(['TLS_CERT_FILE']);
  });

  it('refuses a client CA or a client auth mode while TLS is off, and a mode that needs a CA without one', () => {
    expect(serverProblems({ TLS_CLIENT_CA_FILE: ca.cert, TLS_CLIENT_AUTH: 'require' }).map((p) => p.message)).toEqual([
      `TLS_CLIENT_CA_FILE="${ca.cert}" is not allowed: expected no client CA while TLS is off: set TLS_CERT_FILE and TLS_KEY_FILE too`,
      'TLS_CLIENT_AUTH="require" is not allowed: expected no value while TLS is off: set TLS_CERT_FILE and TLS_KEY_FILE too',
    ]);
    expect(serverProblems({ TLS_CERT_FILE: server.cert, TLS_KEY_FILE: server.key, TLS_CLIENT_AUTH: 'optional' })).toEqual([
      {
        variable: 'TLS_CLIENT_AUTH',
        value: 'optional',
        message: 'TLS_CLIENT_AUTH="optional" is not allowed: expected none unless TLS_CLIENT_CA_FILE names the CA client certificates are checked against',
      },
    ]);
    expect(serverProblems({ TLS_CERT_FILE: server.cert, TLS_KEY_FILE: server.key, TLS_CLIENT_AUTH: 'maybe' }).map((p) => p.message)).toEqual([
      'TLS_CLIENT_AUTH="maybe" is not allowed: expected one of none, optional, require',
    ]);
  });

  it('names the variable and the problem of a missing, unreadable or non-PEM file', () => {
    const missing = workshop.path('nowhere.pem');
    expect(serverProblems({ TLS_CERT_FILE: missing, TLS_KEY_FILE: server.key })).toEqual([
      { variable: 'TLS_CERT_FILE', value: missing, message: `TLS_CERT_FILE="${missing}" is not allowed: expected a readable PEM file, but cannot read the file: no such file` },
    ]);
    expect(serverProblems({ TLS_CERT_FILE: workshop.dir, TLS_KEY_FILE: server.key })[0]?.message).toContain('cannot read the file: it is a directory');
    const text = workshop.path('text.pem');
    writeFileSync(text, 'hello\n');
    expect(serverProblems({ TLS_CERT_FILE: text, TLS_KEY_FILE: server.key })[0]?.message).toContain(
      'but not a PEM certificate: no -----BEGIN CERTIFICATE----- block',
    );
    expect(serverProblems({ TLS_CERT_FILE: server.cert, TLS_KEY_FILE: text })[0]?.message).toContain('but not a PEM private key: no -----BEGIN … PRIVATE KEY----- block');
    expect(serverProblems({ TLS_CERT_FILE: server.cert, TLS_KEY_FILE: server.key, TLS_CLIENT_CA_FILE: text })[0]?.variable).toBe('TLS_CLIENT_CA_FILE');
  });

  it('says when the file cannot be read for want of permission', () => {
    if (process.getuid?.() === 0) return; // root reads everything
    const locked = workshop.path('locked.key');
    writeFileSync(locked, workshop.read(server.key));
    chmodSync(locked, 0o000);
    expect(serverProblems({ TLS_CERT_FILE: server.cert, TLS_KEY_FILE: locked })[0]?.message).toContain('cannot read the file: permission denied');
  });

  it('refuses a key that does not belong to the certificate, naming the certificate', () => {
    const [problem] = serverProblems({ TLS_CERT_FILE: server.cert, TLS_KEY_FILE: client.key });
    expect(problem?.variable).toBe('TLS_KEY_FILE');
    expect(problem?.message).toMatch(/but the key does not belong to the certificate in TLS_CERT_FILE \(.*server\.pem: CN=localhost, serial [0-9A-F]+, valid until/);
  });

  it('finish throws them all at once, for exit code 2', () => {
    const reader = new EnvReader({ TLS_CERT_FILE: workshop.path('none.pem'), TLS_KEY_FILE: workshop.path('none.key'), TLS_CLIENT_AUTH: 'sometimes' });
    readServerTlsConfig(reader, '/');
    expect(() => reader.finish({})).toThrow(InvalidConfigError);
    expect(reader.problems.map((p) => p.variable)).toEqual(['TLS_CLIENT_AUTH', 'TLS_CERT_FILE']);
  });
});

describe('checkTlsMaterial and loadTlsMaterial', () => {
  const files = () => ({ cert: { variable: 'C', path: server.cert }, key: { variable: 'K', path: server.key }, ca: { variable: 'A', path: ca.cert } });

  it('keeps the PEM as read and the leaf certificate', () => {
    const material = loadTlsMaterial(files());
    expect(material.cert?.equals(workshop.read(server.cert))).toBe(true);
    expect(material.certificate?.subject).toBe('CN=localhost');
    expect(material.ca?.equals(workshop.read(ca.cert))).toBe(true);
  });

  it('refuses an encrypted key and a certificate block that does not parse', () => {
    const encrypted = Buffer.from('-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n');
    expect(() => checkTlsMaterial(files(), { cert: workshop.read(server.cert), key: encrypted })).toThrow(
      new TlsFileError('K', server.key, 'the private key is encrypted: give it unencrypted, in a file only this process can read'),
    );
    const broken = Buffer.from('-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    expect(() => checkTlsMaterial(files(), { cert: broken, key: workshop.read(server.key) })).toThrow(/^C \(.*\): PEM block 1 is not a certificate that parses/);
    const garbledKey = Buffer.from('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    expect(() => checkTlsMaterial(files(), { cert: workshop.read(server.cert), key: garbledKey })).toThrow(/^K \(.*\): the private key does not parse/);
  });
});

describe('readClientTlsConfig', () => {
  it('is off with nothing set, reads a CA alone, or a CA with a certificate and key', () => {
    const none = new EnvReader({});
    expect(readClientTlsConfig(none, 'CONFIG_API_TLS', '/')).toBeUndefined();
    const caOnly = new EnvReader({ CONFIG_API_TLS_CA_FILE: ca.cert });
    expect(caOnly.finish(readClientTlsConfig(caOnly, 'CONFIG_API_TLS', '/'))?.material.ca?.equals(workshop.read(ca.cert))).toBe(true);
    const mutual = new EnvReader({ CONFIG_API_TLS_CA_FILE: ca.cert, CONFIG_API_TLS_CERT_FILE: client.cert, CONFIG_API_TLS_KEY_FILE: client.key });
    expect(mutual.finish(readClientTlsConfig(mutual, 'CONFIG_API_TLS', '/'))?.material.certificate?.subject).toBe('CN=agent-1');
  });

  it('wants the certificate and key together, and names a bad one', () => {
    const half = new EnvReader({ CONFIG_API_TLS_CERT_FILE: client.cert });
    readClientTlsConfig(half, 'CONFIG_API_TLS', '/');
    expect(half.problems.map((p) => p.message)).toEqual([
      'CONFIG_API_TLS_KEY_FILE is not set: it is required when CONFIG_API_TLS_CERT_FILE is set: the PEM private key of that certificate',
    ]);
    const wrong = new EnvReader({ CONFIG_API_TLS_CERT_FILE: client.cert, CONFIG_API_TLS_KEY_FILE: server.key });
    readClientTlsConfig(wrong, 'CONFIG_API_TLS', '/');
    expect(wrong.problems[0]?.variable).toBe('CONFIG_API_TLS_KEY_FILE');
  });
});
