import { describe, expect, it } from '@jest/globals';
import { USAGE, UsageError, parseSimArgs, type SimArgs } from '../cli-args.js';

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

describe('parseSimArgs --proto', () => {
  it('defaults to grpc on 50051', () => {
    expect(args([])).toMatchObject({ proto: 'grpc', target: '127.0.0.1:50051', holdTimeS: undefined });
    expect(args(['--proto', 'grpc'])).toMatchObject({ proto: 'grpc', target: '127.0.0.1:50051' });
  });

  it('with xmpp the default target is 5269, one connection per agent, hold time 90 s', () => {
    expect(args(['--proto', 'xmpp'])).toEqual({
      proto: 'xmpp',
      agents: 10,
      vrfs: 4,
      routesPerAgent: 10,
      target: '127.0.0.1:5269',
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
      holdTimeS: 90,
      json: false,
    });
  });

  it('reads the flags that apply to xmpp', () => {
    expect(
      args(['--proto=xmpp', '--target', '10.0.0.5:15269', '--agents', '3', '--hold-time', '4.5', '--provision', '--cluster', 'edge-1', '--connect-concurrency', '2', '--json']),
    ).toMatchObject({ proto: 'xmpp', target: '10.0.0.5:15269', agents: 3, channels: 3, holdTimeS: 4.5, provision: true, cluster: 'edge-1', connectConcurrency: 2, json: true });
  });

  it('documents it in --help', () => {
    expect(parseSimArgs(['--proto', 'xmpp', '--help'])).toEqual({ help: true });
    expect(USAGE).toContain('--proto grpc|xmpp');
    expect(USAGE).toContain('127.0.0.1:5269 for xmpp');
    expect(USAGE).toContain('--hold-time S');
    expect(USAGE).toMatch(/--channels C .*grpc only/);
    expect(USAGE).toMatch(/--ack-delay-ms D .*\(grpc only\)/);
  });

  it.each([
    [['--proto', 'bgp'], '--proto must be grpc or xmpp, got "bgp"'],
    [['--proto', 'xmpp', '--channels', '2'], '--channels does not apply to --proto xmpp: each XMPP agent has its own TCP connection'],
    [['--proto', 'xmpp', '--slow-agents', '1', '--ack-delay-ms', '100'], '--slow-agents does not apply to --proto xmpp: XMPP has no acks'],
    [['--ack-delay-ms', '100', '--proto', 'xmpp'], '--ack-delay-ms does not apply to --proto xmpp: XMPP has no acks'],
    [['--hold-time', '9'], '--hold-time applies to --proto xmpp only'],
    [['--proto', 'grpc', '--hold-time', '9'], '--hold-time applies to --proto xmpp only'],
    [['--proto', 'xmpp', '--hold-time', '0'], '--hold-time must be a positive number of seconds, got "0"'],
    [['--proto', 'xmpp', '--hold-time', 'soon'], '--hold-time must be a positive number of seconds, got "soon"'],
    [['--proto', 'xmpp', '--proto', 'grpc'], '--proto is given more than once'],
    [['--proto'], "Option '--proto <value>' argument missing"],
  ])('refuses %j', (argv, message) => {
    expect(usage(argv)).toContain(message);
  });
});
