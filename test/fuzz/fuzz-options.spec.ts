import { inputSeedOf, parseFuzzOptions, UsageError } from './fuzz-options.js';

describe('fuzz options', () => {
  it('takes --seed, --count, --minutes, --targets and --json', () => {
    expect(parseFuzzOptions(['--seed', '7', '--count=50', '--minutes', '2.5', '--targets', 'rest,xmpp', '--json'], {})).toEqual({
      seed: 7,
      count: 50,
      minutes: 2.5,
      targets: ['rest', 'xmpp'],
      replay: undefined,
      json: true,
    });
  });

  it('falls back on FUZZ_SEED, FUZZ_COUNT and FUZZ_MINUTES; 200 inputs without a time limit', () => {
    expect(parseFuzzOptions([], { FUZZ_SEED: '3', FUZZ_COUNT: '9' })).toMatchObject({ seed: 3, count: 9, minutes: Infinity });
    expect(parseFuzzOptions(['--seed', '1'], {})).toMatchObject({ count: 200, minutes: Infinity, targets: ['rest', 'grpc', 'agent', 'xmpp'] });
    expect(parseFuzzOptions(['--seed', '1'], { FUZZ_MINUTES: '1' })).toMatchObject({ count: Infinity, minutes: 1 });
  });

  it('takes a replay of one input', () => {
    expect(parseFuzzOptions(['--replay', 'grpc:12345'], { FUZZ_SEED: '1' }).replay).toEqual({ target: 'grpc', inputSeed: 12345 });
  });

  it.each([
    [['--count', 'many'], '--count must be an integer from 1 to 10000000, not "many"'],
    [['--seed', '-1'], '--seed must be an integer'],
    [['--minutes', '0'], '--minutes must be a positive number'],
    [['--targets', 'rest,ftp'], 'unknown target "ftp"'],
    [['--frobnicate'], 'unknown argument --frobnicate'],
    [['--seed'], '--seed needs a value'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseFuzzOptions(argv, {})).toThrow(UsageError);
    expect(() => parseFuzzOptions(argv, {})).toThrow(message);
  });

  it('gives every input of a run its own seed, the same on every run', () => {
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => inputSeedOf(42, 'rest', i)));
    expect(seeds.size).toBe(1000);
    expect(inputSeedOf(42, 'rest', 5)).toBe(inputSeedOf(42, 'rest', 5));
    expect(inputSeedOf(42, 'rest', 5)).not.toBe(inputSeedOf(42, 'grpc', 5));
  });
});
