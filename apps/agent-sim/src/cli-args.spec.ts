import { describe, expect, it } from '@jest/globals';
import { USAGE, UsageError, parseSimArgs, type SimArgs } from './cli-args.js';

function args(argv: string[]): SimArgs {
  const parsed = parseSimArgs(argv);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.args;
}

function usage(argv: string[]): string {
  try {
    parseSimArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('parseSimArgs', () => {
  it('has defaults for everything', () => {
    expect(args([])).toEqual({
      proto: 'grpc',
      agents: 10,
      vrfs: 4,
      routesPerAgent: 10,
      target: '127.0.0.1:50051',
      api: 'http://127.0.0.1:8082',
      cluster: 'default',
      prefix: 'sim-agent-',
      channels: 10,
      connectConcurrency: 64,
      provision: false,
      timeoutS: 60,
      durationS: undefined,
      slowAgents: 0,
      ackDelayMs: 0,
      holdTimeS: undefined,
      json: false,
    });
  });

  it('reads every flag, as --flag value and --flag=value', () => {
    expect(
      args([
        '--agents', '100', '--vrfs=8', '--routes-per-agent', '0', '--target', 'control.local:6000', '--api', 'https://api.local:8443/',
        '--cluster', 'edge-1', '--prefix', 'vr-', '--channels', '4', '--connect-concurrency', '8', '--provision', '--timeout', '2.5',
        '--duration', '0', '--slow-agents', '3', '--ack-delay-ms', '250', '--json',
      ]),
    ).toEqual({
      proto: 'grpc',
      agents: 100,
      vrfs: 8,
      routesPerAgent: 0,
      target: 'control.local:6000',
      api: 'https://api.local:8443/',
      cluster: 'edge-1',
      prefix: 'vr-',
      channels: 4,
      connectConcurrency: 8,
      provision: true,
      timeoutS: 2.5,
      durationS: 0,
      slowAgents: 3,
      ackDelayMs: 250,
      holdTimeS: undefined,
      json: true,
    });
    expect(args(['--target', '[::1]:50051']).target).toBe('[::1]:50051');
  });

  it('takes --token-file for the bearer token of --provision', () => {
    expect(args(['--provision', '--token-file', '/run/secrets/op.token']).tokenFile).toBe('/run/secrets/op.token');
    expect(args([])).not.toHaveProperty('tokenFile');
  });

  it('answers help for --help, whatever else is given', () => {
    expect(parseSimArgs(['--help'])).toEqual({ help: true });
    expect(parseSimArgs(['--agents', '3', '--help'])).toEqual({ help: true });
    expect(USAGE).toContain('--routes-per-agent K');
  });

  it.each([
    [['--agents', 'x'], '--agents must be a positive integer, got "x"'],
    [['--agents', '0'], '--agents must be a positive integer, got "0"'],
    [['--agents', '1.5'], '--agents must be a positive integer, got "1.5"'],
    [['--agents', '-3'], '--agents must be a positive integer, got "-3"'],
    [['--agents', '70000'], '--agents must be at most 65024, got "70000"'],
    [['--vrfs', '255'], '--vrfs must be at most 254, got "255"'],
    [['--vrfs', ''], '--vrfs must be a positive integer, got ""'],
    [['--routes-per-agent', 'many'], '--routes-per-agent must be a non-negative integer, got "many"'],
    [['--channels', '11'], '--channels must be at most --agents (10), got "11"'],
    [['--channels', '0'], '--channels must be a positive integer, got "0"'],
    [['--connect-concurrency', '0'], '--connect-concurrency must be a positive integer, got "0"'],
    [['--slow-agents', '11'], '--slow-agents must be at most --agents (10), got "11"'],
    [['--slow-agents', '2'], '--slow-agents needs --ack-delay-ms'],
    [['--ack-delay-ms', '100'], '--ack-delay-ms needs --slow-agents'],
    [['--slow-agents', '2', '--ack-delay-ms', 'slow'], '--ack-delay-ms must be a non-negative integer, got "slow"'],
    [['--timeout', '0'], '--timeout must be a positive number of seconds, got "0"'],
    [['--duration', '-1'], '--duration must be a non-negative number of seconds, got "-1"'],
    [['--agents', '--json'], '--agents needs a value'],
    [['--duration', 'forever'], '--duration must be a non-negative number of seconds, got "forever"'],
    [['--target', 'localhost'], '--target must be host:port, got "localhost"'],
    [['--api', 'localhost:8082'], '--api must be an http:// or https:// URL, got "localhost:8082"'],
    [['--cluster', 'a b'], '--cluster must be a name (letters, digits, . _ -), got "a b"'],
    [['--prefix', '-x'], '--prefix must be a name prefix (letters, digits, . _ -), got "-x"'],
    [['--prefix', 'a/b'], '--prefix must be a name prefix (letters, digits, . _ -), got "a/b"'],
    [['--agents', '1000', '--routes-per-agent', '100', '--vrfs', '1'], 'puts 100000 routes in one VRF; at most 65279 fit in its /16'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['stray'], "Unexpected argument 'stray'"],
    [['--agents'], "Option '--agents <value>' argument missing"],
    [['--json=yes'], "Option '--json' does not take an argument"],
    [['--agents', '2', '--agents', '3'], '--agents is given more than once'],
  ])('refuses %j', (argv, message) => {
    expect(usage(argv)).toContain(message);
  });
});
