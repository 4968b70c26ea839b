import { EnvReader } from './env-reader.js';
import { InvalidConfigError, maskCredentials } from './config-problem.js';
import { describeStoreLocation } from './store-config.js';

describe('EnvReader', () => {
  it('returns the default and records the problem for a bad value, so reading goes on', () => {
    const reader = new EnvReader({ A: 'x', B: '7' });
    expect(reader.integer('A', 3, { min: 0, max: 10 })).toBe(3);
    expect(reader.integer('B', 3, { min: 0, max: 10 })).toBe(7);
    expect(reader.problems).toEqual([{ variable: 'A', value: 'x', message: 'A="x" is not allowed: expected an integer from 0 to 10' }]);
  });

  it('rejects integers beyond the safe range instead of rounding them', () => {
    const reader = new EnvReader({ BIG: '9007199254740993' });
    reader.integer('BIG', 0, { min: 0, max: Number.MAX_SAFE_INTEGER });
    expect(reader.problems).toHaveLength(1);
  });

  it('finish returns the config when nothing is wrong and throws every problem otherwise', () => {
    expect(new EnvReader({}).finish({ ok: true })).toEqual({ ok: true });
    const reader = new EnvReader({ P: 'a', Q: 'b' });
    reader.port('P', 1);
    reader.port('Q', 2);
    expect(() => reader.finish({})).toThrow(InvalidConfigError);
    try {
      reader.finish({});
    } catch (error) {
      expect((error as InvalidConfigError).problems.map((p) => p.variable)).toEqual(['P', 'Q']);
    }
  });

  it('url accepts only the listed schemes, case-insensitively', () => {
    const reader = new EnvReader({ U: 'POSTGRES://db/x', V: 'postgres:/db', W: 'postgres:// spaced' });
    expect(reader.url('U', ['postgres'])).toBe('POSTGRES://db/x');
    expect(reader.url('V', ['postgres'])).toBeUndefined();
    expect(reader.url('W', ['postgres'])).toBeUndefined();
    expect(reader.url('UNSET', ['postgres'])).toBeUndefined();
    expect(reader.problems.map((p) => p.variable)).toEqual(['V', 'W']);
  });
});

describe('maskCredentials', () => {
  it.each([
    ['postgres://app:s3cret@db:5432/x', 'postgres://app:***@db:5432/x'],
    ['postgres://app@db/x', 'postgres://app@db/x'],
    ['kurrentdb://admin:changeit@a:2113,b:2113?tls=true', 'kurrentdb://admin:***@a:2113,b:2113?tls=true'],
    ['postgres://db/x?user=app&password=s3cret', 'postgres://db/x?user=app&password=***'],
    ['host=db password=s3cret dbname=x', 'host=db password=*** dbname=x'],
  ])('%s', (input, masked) => {
    expect(maskCredentials(input)).toBe(masked);
  });
});

describe('describeStoreLocation', () => {
  it('is the file for sqlite and the masked URL otherwise', () => {
    expect(describeStoreLocation({ kind: 'sqlite', path: '/d/events.db' })).toBe('/d/events.db');
    expect(describeStoreLocation({ kind: 'postgres', connectionString: 'postgres://a:b@h/x' })).toBe('postgres://a:***@h/x');
  });
});
