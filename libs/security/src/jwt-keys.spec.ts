import { generateKeyPairSync } from 'node:crypto';
import { describeJwtKeys, parseHmacSecret, parsePublicKeys } from './jwt-keys.js';
import { keyPair } from './jwt-signer.test.js';

const pem = (key: import('node:crypto').KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

describe('parsePublicKeys', () => {
  it('reads several PEM public keys, each for its own algorithm, ignoring text between them', () => {
    const text = ['# the identity provider, rotated 2026-11', keyPair('RS256').pem, 'next:', keyPair('ES256').pem, keyPair('EdDSA').pem].join('\n');
    const parsed = parsePublicKeys(text);
    expect(parsed.ok && parsed.keys.map((k) => k.alg)).toEqual(['RS256', 'ES256', 'EdDSA']);
  });

  it('reads an RSA key in PKCS#1 (BEGIN RSA PUBLIC KEY)', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const parsed = parsePublicKeys(publicKey.export({ type: 'pkcs1', format: 'pem' }).toString());
    expect(parsed.ok && parsed.keys.map((k) => k.alg)).toEqual(['RS256']);
  });

  it.each([
    ['a private key', () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), /key 1: a PRIVATE KEY: give the public key only/],
    ['an RSA key under 2048 bits', () => pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), /key 1: an RSA key of 1024 bits: RS256 needs 2048/],
    ['an EC key on P-384', () => pem(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey), /key 1: an EC key on secp384r1: ES256 needs P-256/],
    ['a certificate request', () => '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n', /is not a public key/],
    ['a damaged key', () => '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', /key 1: not a readable public key/],
    ['no key at all', () => 'just text\n', /no PEM public key in the file/],
  ])('refuses %s', (_what, text, message) => {
    const parsed = parsePublicKeys(text());
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems.map((p) => p.message).join('; ')).toMatch(message);
  });

  it('names the line a bad key starts on, after good ones', () => {
    const text = `${keyPair('EdDSA').pem}${pem(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey)}`;
    const parsed = parsePublicKeys(text);
    expect(!parsed.ok && parsed.problems).toEqual([{ line: 4, message: expect.stringMatching(/^key 2: /) }]);
  });
});

describe('parseHmacSecret', () => {
  it('takes the bytes less one final newline', () => {
    const parsed = parseHmacSecret(Buffer.from(`${'s'.repeat(32)}\n`));
    expect(parsed.ok && parsed.secret.toString()).toBe('s'.repeat(32));
    const crlf = parseHmacSecret(Buffer.from(`${'s'.repeat(32)}\r\n`));
    expect(crlf.ok && crlf.secret.length).toBe(32);
  });

  it('refuses a secret shorter than 32 bytes (RFC 7518 §3.2)', () => {
    const parsed = parseHmacSecret(Buffer.from('short\n'));
    expect(!parsed.ok && parsed.problems[0]!.message).toMatch(/5 bytes: it must be at least 32/);
  });
});

describe('describeJwtKeys', () => {
  it('counts keys by algorithm', () => {
    const parsed = parsePublicKeys([keyPair('RS256').pem, keyPair('RS256').pem, keyPair('EdDSA').pem].join(''));
    expect(describeJwtKeys({ publicKeys: parsed.ok ? parsed.keys : [], secret: Buffer.alloc(32) })).toBe('2 RS256, 1 EdDSA, HS256');
    expect(describeJwtKeys({ publicKeys: [] })).toBe('none');
  });
});
