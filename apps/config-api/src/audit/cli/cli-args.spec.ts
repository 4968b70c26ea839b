import { describe, expect, it } from '@jest/globals';
import { badRequest, notFound } from '#libs/domain';
import { UsageError, asUsage, parseFlags, usageErrorOf } from './cli-args.js';

const SPEC = { actor: { type: 'string' }, type: { type: 'string', multiple: true }, json: { type: 'boolean' } } as const;

function usage(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('parseFlags', () => {
  it('reads --name value, --name=value, repeated multiple flags and booleans', () => {
    expect(parseFlags('log', ['--actor', 'alice', '--type=A', '--type', 'B', '--json'], SPEC)).toEqual({ actor: 'alice', type: ['A', 'B'], json: true });
  });

  it.each([
    [['--bogus'], "log: Unknown option '--bogus'"],
    [['stray'], "log: Unexpected argument 'stray'"],
    [['--actor'], "log: Option '--actor <value>' argument missing"],
    [['--actor='], 'log: --actor needs a value'],
    [['--actor', 'a', '--actor', 'b'], 'log: --actor is given more than once'],
    [['--json=yes'], "log: Option '--json' does not take an argument"],
  ])('refuses %j', (args, message) => {
    expect(usage(() => parseFlags('log', args, SPEC))).toContain(message);
  });
});

describe('usageErrorOf', () => {
  it('names the flag where the shared parser names the parameter', () => {
    expect(usageErrorOf('diff', badRequest('from_time must be an ISO 8601 time', 'from_time')).message).toBe('diff: --from-time must be an ISO 8601 time');
    expect(usageErrorOf('log', badRequest('fq_name needs object_type as well', 'object_type')).message).toBe(
      'log: --object-type: fq_name needs object_type as well',
    );
    expect(usageErrorOf('as-of', notFound('no object had uuid u at log position 3')).message).toBe('as-of: no object had uuid u at log position 3');
  });

  it('asUsage turns 400s and 404s into usage errors, sync or async, and lets others through', async () => {
    expect(usage(() => asUsage('x', () => {
      throw badRequest('bad');
    }))).toBe('x: bad');
    await expect(asUsage('x', () => Promise.reject(notFound('gone')))).rejects.toThrow(new UsageError('x: gone'));
    await expect(asUsage('x', () => Promise.reject(new Error('disk')))).rejects.toThrow('disk');
    expect(asUsage('x', () => 7)).toBe(7);
  });
});
