import { parseArgs } from 'node:util';
import { MAX_AGENTS, MAX_ROUTES_PER_VRF, MAX_VRFS, SimPlan } from './sim-plan.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export const USAGE = `Usage: npm run agent-sim -- [flags]

Simulated vRouter agents against the control service, on its gRPC AgentService (--proto grpc, the default) or in
Tungsten Fabric's XMPP dialect on its XMPP port (--proto xmpp: raw TCP, the agent side of the dialect). N agents
each subscribe to M VRFs (default-domain:default-project:sim-vn-<j>:sim-vn-<j>) and publish K host routes spread
over them; reports the time until every agent holds every route, then closes (or stays connected with --duration).

  --agents N              agents, named <prefix><i> with address 10.255.x.y (default 10)
  --vrfs M                VRFs sim-vn-1 … sim-vn-M, at most ${MAX_VRFS} (default 4)
  --routes-per-agent K    host routes each agent publishes (default 10; 0 = subscribe only)
  --proto grpc|xmpp       the agents' protocol (default grpc)
  --target HOST:PORT      control's address (default 127.0.0.1:50051 for grpc, 127.0.0.1:5269 for xmpp)
  --control H:P,H:P       instead of --target: the gRPC ports of the control replicas; each agent holds a
                          session with every one (as Tungsten Fabric agents do with two control nodes),
                          publishes to each, holds the union of their routes and reconnects to a replica
                          that comes back (grpc only)
  --api URL               REST config API, for --provision (default http://127.0.0.1:8082)
  --token-file FILE       a file holding the bearer token --provision sends (an operator's or admin's token, when
                          the config API authenticates callers)
  --cluster NAME          the agents' cluster (default "default")
  --prefix TEXT           agent name prefix (default sim-agent-)
  --channels C            gRPC connections the agents share, per replica (default: one per agent; grpc only)
  --connect-concurrency P sessions opened at once (default 64)
  --provision             create the networks and virtual-routers first (what exists is reused)
  --timeout S             seconds to wait for sync and for convergence (default 60)
  --duration S            then stay connected S seconds printing status (0 = until Ctrl-C)
  --slow-agents X         the last X agents ack late ...                        (grpc only)
  --ack-delay-ms D        ... by D ms each message                              (grpc only)
  --hold-time S           XMPP hold time: control silent this long drops a session; keepalives
                          every S/3 (default 90; xmpp only)
  --tls-ca FILE           TLS to control: its certificate must chain to this PEM CA and name the
                          --target host (gRPC over TLS; with xmpp, STARTTLS then TLS, §1.5)
  --tls-cert FILE         the agents' client certificate (PEM), with --tls-key: mutual TLS
  --tls-key FILE          the private key of --tls-cert (PEM, unencrypted)
  --json                  the final report as JSON on stdout (progress goes to stderr)
  --help                  this text

With --proto xmpp each agent has its own TCP connection and sends its stream header, a config subscribe for
virtual-router default-global-system-config:<name>, its end-of-RIB, a subscribe with instance-id per VRF, and a
publish + collection pair per route; XMPP has no acks, so latency is measured until the route message that
completed an agent's tables arrived. --cluster then only places the provisioned virtual-routers and networks.

Exit codes: 0 converged, 1 not converged in time (or connecting/provisioning failed), 2 bad arguments.`;

export type SimProto = 'grpc' | 'xmpp';

/** Where control listens by default, per protocol. */
export const DEFAULT_TARGETS: Readonly<Record<SimProto, string>> = { grpc: '127.0.0.1:50051', xmpp: '127.0.0.1:5269' };

/** Flags that mean nothing to XMPP agents, and why. */
const GRPC_ONLY: ReadonlyArray<[flag: 'channels' | 'slow-agents' | 'ack-delay-ms' | 'control', why: string]> = [
  ['control', 'redundant sessions are simulated on AgentService'],
  ['channels', 'each XMPP agent has its own TCP connection'],
  ['slow-agents', 'XMPP has no acks, so an agent cannot ack late'],
  ['ack-delay-ms', 'XMPP has no acks, so an agent cannot ack late'],
];

export interface SimArgs {
  proto: SimProto;
  agents: number;
  vrfs: number;
  routesPerAgent: number;
  target: string;
  /**
   * --control: the control replicas' gRPC addresses; each agent holds a session with every one (RedundantAgent).
   * Undefined (the default): one session per agent, to `target`; otherwise `target` is the first of them.
   */
  controls?: string[];
  api: string;
  /** --token-file: the bearer token of --provision's requests. */
  tokenFile?: string;
  cluster: string;
  prefix: string;
  channels: number;
  connectConcurrency: number;
  provision: boolean;
  timeoutS: number;
  /** Seconds to stay connected after the report; 0 = until a signal; undefined = close at once. */
  durationS: number | undefined;
  slowAgents: number;
  ackDelayMs: number;
  /** XMPP hold time in seconds (--proto xmpp); undefined with grpc. */
  holdTimeS: number | undefined;
  /** --tls-ca, --tls-cert, --tls-key (paths): TLS to control; undefined: plain TCP. */
  tls?: { ca?: string; cert?: string; key?: string };
  json: boolean;
}

export type ParsedArgs = { help: true } | { help: false; args: SimArgs };

/** A bad command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const OPTIONS = {
  proto: { type: 'string' },
  'hold-time': { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  agents: { type: 'string' },
  vrfs: { type: 'string' },
  'routes-per-agent': { type: 'string' },
  target: { type: 'string' },
  control: { type: 'string' },
  api: { type: 'string' },
  'token-file': { type: 'string' },
  cluster: { type: 'string' },
  prefix: { type: 'string' },
  channels: { type: 'string' },
  'connect-concurrency': { type: 'string' },
  provision: { type: 'boolean' },
  timeout: { type: 'string' },
  duration: { type: 'string' },
  'slow-agents': { type: 'string' },
  'ack-delay-ms': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

type Values = Partial<Record<keyof typeof OPTIONS, string | boolean>>;

/** An integer flag ≥ min (0 or 1); above `max` it is refused naming the bound (`maxLabel`, e.g. "--agents (10)"). */
function integer(values: Values, flag: keyof typeof OPTIONS, fallback: number, min: 0 | 1, max?: number, maxLabel?: string): number {
  const text = values[flag];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || value < min) {
    throw new UsageError(`--${flag} must be a ${min === 1 ? 'positive' : 'non-negative'} integer, got "${String(text)}"`);
  }
  if (max !== undefined && value > max) throw new UsageError(`--${flag} must be at most ${maxLabel ?? max}, got "${text}"`);
  return value;
}

function seconds(values: Values, flag: keyof typeof OPTIONS, positive: boolean): number | undefined {
  const text = values[flag];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (typeof text === 'string' && text.trim() !== '' && Number.isFinite(value) && (positive ? value > 0 : value >= 0)) return value;
  throw new UsageError(`--${flag} must be a ${positive ? 'positive' : 'non-negative'} number of seconds, got "${text}"`);
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

/** --control: a comma-separated list of distinct host:port; undefined when not given. */
function controlList(values: Values): string[] | undefined {
  const value = values.control;
  if (value === undefined) return undefined;
  if (values.target !== undefined) throw new UsageError('--control and --target are alternatives: give the control replicas with --control only');
  const list = String(value).split(',').map((entry) => entry.trim());
  const bad = list.find((entry) => !HOST_PORT.test(entry));
  if (bad !== undefined) throw new UsageError(`--control must be a comma-separated list of host:port, got "${bad}" in "${String(value)}"`);
  const repeated = list.find((entry, k) => list.indexOf(entry) !== k);
  if (repeated !== undefined) throw new UsageError(`--control lists ${repeated} twice`);
  return list;
}

function text(values: Values, flag: keyof typeof OPTIONS, fallback: string, valid: RegExp, what: string): string {
  const value = values[flag];
  if (value === undefined) return fallback;
  if (typeof value === 'string' && valid.test(value)) return value;
  throw new UsageError(`--${flag} must be ${what}, got "${String(value)}"`);
}

/** `--agents -3` as `--agents=-3`, so a negative value is refused by the flag's own check, not as an unknown flag. */
function joinDashValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const flag = argv[k]!.startsWith('--') ? argv[k]!.slice(2) : undefined;
    const next = argv[k + 1];
    const takesValue = flag !== undefined && (OPTIONS as Record<string, { type: string }>)[flag]?.type === 'string';
    const nextIsFlag = next !== undefined && next.startsWith('--') && next.slice(2).split('=')[0]! in OPTIONS;
    if (takesValue && nextIsFlag) throw new UsageError(`--${flag} needs a value`);
    if (takesValue && next !== undefined && next.startsWith('-')) {
      out.push(`--${flag}=${next}`);
      k += 1;
    } else {
      out.push(argv[k]!);
    }
  }
  return out;
}

/** --tls-ca, --tls-cert, --tls-key: the paths (the files are read when the run starts); a certificate needs its key. */
function tlsFlags(values: Values): SimArgs['tls'] {
  const [ca, cert, key] = (['tls-ca', 'tls-cert', 'tls-key'] as const).map((flag) => {
    const value = values[flag];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${flag} must be a file, got "${String(value)}"`);
    return value;
  });
  if ((cert === undefined) !== (key === undefined)) throw new UsageError(cert === undefined ? '--tls-key needs --tls-cert' : '--tls-cert needs --tls-key');
  if (ca === undefined && cert === undefined) return undefined;
  return { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}) };
}

/** Reads the command line; every mistake is a UsageError naming the flag and the value. */
export function parseSimArgs(argv: readonly string[]): ParsedArgs {
  let values: Values;
  try {
    const parsed = parseArgs({ args: joinDashValues(argv), options: OPTIONS, strict: true, allowPositionals: false, tokens: true });
    const seen = new Set<string>();
    for (const token of parsed.tokens) {
      if (token.kind !== 'option') continue;
      if (seen.has(token.name)) throw new UsageError(`--${token.name} is given more than once`);
      seen.add(token.name);
    }
    values = parsed.values;
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError((error as Error).message);
  }
  if (values.help) return { help: true };

  const proto = values.proto ?? 'grpc';
  if (proto !== 'grpc' && proto !== 'xmpp') throw new UsageError(`--proto must be grpc or xmpp, got "${String(proto)}"`);
  if (proto === 'xmpp') {
    for (const [flag, why] of GRPC_ONLY) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} does not apply to --proto xmpp: ${why}`);
    }
  } else if (values['hold-time'] !== undefined) {
    throw new UsageError('--hold-time applies to --proto xmpp only (gRPC sessions are held by control\'s AGENT_HOLD_TIME_MS)');
  }
  const holdTimeS = proto === 'xmpp' ? (seconds(values, 'hold-time', true) ?? 90) : undefined;

  const agents = integer(values, 'agents', 10, 1, MAX_AGENTS);
  const vrfs = integer(values, 'vrfs', 4, 1, MAX_VRFS);
  const routesPerAgent = integer(values, 'routes-per-agent', 10, 0);
  const channels = integer(values, 'channels', agents, 1, agents, `--agents (${agents})`);
  const connectConcurrency = integer(values, 'connect-concurrency', 64, 1);
  const slowAgents = integer(values, 'slow-agents', 0, 0, agents, `--agents (${agents})`);
  const ackDelayMs = integer(values, 'ack-delay-ms', 0, 0);
  if (slowAgents > 0 && values['ack-delay-ms'] === undefined) throw new UsageError('--slow-agents needs --ack-delay-ms');
  if (values['ack-delay-ms'] !== undefined && slowAgents === 0) throw new UsageError('--ack-delay-ms needs --slow-agents (how many agents are slow)');

  const perVrf = new SimPlan(agents, vrfs, routesPerAgent).maxRoutesPerVrf;
  if (perVrf > MAX_ROUTES_PER_VRF) {
    throw new UsageError(`--agents × --routes-per-agent ÷ --vrfs puts ${perVrf} routes in one VRF; at most ${MAX_ROUTES_PER_VRF} fit in its /16`);
  }
  const controls = controlList(values);
  const tls = tlsFlags(values);
  return {
    help: false,
    args: {
      proto,
      agents,
      vrfs,
      routesPerAgent,
      target: controls?.[0] ?? text(values, 'target', DEFAULT_TARGETS[proto], HOST_PORT, 'host:port'),
      ...(controls ? { controls } : {}),
      api: text(values, 'api', 'http://127.0.0.1:8082', /^https?:\/\/[^\s/]+(\/\S*)?$/, 'an http:// or https:// URL'),
      ...(typeof values['token-file'] === 'string' ? { tokenFile: values['token-file'] } : {}),
      cluster: text(values, 'cluster', 'default', /^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a name (letters, digits, . _ -)'),
      prefix: text(values, 'prefix', 'sim-agent-', /^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a name prefix (letters, digits, . _ -)'),
      channels,
      connectConcurrency,
      provision: values.provision === true,
      timeoutS: seconds(values, 'timeout', true) ?? 60,
      durationS: seconds(values, 'duration', false),
      slowAgents,
      ackDelayMs,
      holdTimeS,
      ...(tls ? { tls } : {}),
      json: values.json === true,
    },
  };
}
