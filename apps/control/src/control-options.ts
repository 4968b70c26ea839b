import type { EnvReader, ServerTlsConfig } from '#libs/config';
import { DEFAULT_HOLD_TIME_SECONDS, DEFAULT_MAX_STANZA_BYTES } from '#libs/xmpp';
import { AGENT_IDENTITY_MODES } from './control-plane/agent-identity.js';
import type { ControlPlaneOptions } from './control-plane/control-plane.js';

/** The control service's tunables and limits. */
export type ControlOptions = Required<
  Pick<
    ControlPlaneOptions,
    'holdTimeMs' | 'window' | 'maxBatchRoutes' | 'maxPendingRoutes' | 'maxSessionsPerAddress' | 'connectRate' | 'connectBurst' | 'agentIdentity'
  >
>;

/**
 * The defaults. The connect rate and burst let the benchmarks' 1,000 (and 2,000) agents connecting at once in, and
 * a restarted control node's agents back within seconds, while a storm of tens of thousands is spread out.
 */
export const DEFAULT_CONTROL_OPTIONS: ControlOptions = {
  holdTimeMs: 60_000,
  window: 32,
  maxBatchRoutes: 256,
  maxPendingRoutes: 1_000_000,
  maxSessionsPerAddress: 64,
  connectRate: 1000,
  connectBurst: 2000,
  agentIdentity: 'any',
};

/** Where the XMPP bridge listens (XMPP_PORT on BIND_ADDRESS); tunables of its own have defaults (XmppBridgeOptions). */
export interface XmppListenOptions {
  /** 0 = any free port. */
  port: number;
  bindAddress: string;
  /** XMPP_HOLD_TIME_S (§1.4); default 90 s, keepalives every third of it. */
  holdTimeSeconds?: number;
  /** XMPP_MAX_STANZA_BYTES; default 1 MiB. */
  maxStanzaBytes?: number;
  /** XMPP_TLS on or require (§1.5), with the process's TLS files (SERVER_TLS); undefined: off. */
  tls?: 'on' | 'require';
}

/** What ControlModule.forRoot takes: the control plane's tunables and, to serve XMPP agents, the bridge's address. */
export interface ControlModuleOptions extends ControlOptions {
  xmpp?: XmppListenOptions;
}

export const CONTROL_OPTIONS = Symbol('CONTROL_OPTIONS');

/*
 * | variable                        | default | allowed                                                            |
 * |---------------------------------|---------|--------------------------------------------------------------------|
 * | AGENT_HOLD_TIME_MS              | 60000   | 100..3600000: a dropped agent's routes stay (stale), it may resume |
 * | AGENT_WINDOW                    | 32      | 1..4096: messages sent to an agent ahead of its acks               |
 * | AGENT_BATCH_ROUTES              | 256     | 1..10000: route updates per message                                |
 * | AGENT_MAX_PENDING               | 1000000 | 0..1000000000 route updates waiting for one agent; past it the     |
 * |                                 |         | agent's session ends for a full resync; 0 = no limit               |
 * | AGENT_MAX_SESSIONS_PER_ADDRESS  | 64      | 0..1000000 live sessions from one source address (127.0.0.1 and    |
 * |                                 |         | ::1 not counted); more: refused; 0 = no limit                      |
 * | AGENT_CONNECT_RATE              | 1000    | 0..1000000 new sessions a second; faster ones are paced; 0 = off   |
 * | AGENT_CONNECT_BURST             | 2000    | 1..1000000 new sessions at once after a quiet time                 |
 * | AGENT_IDENTITY                  | any     | any, certificate: an agent's name must be its TLS client           |
 * |                                 |         | certificate's CN or a DNS alternative name (agent-identity.ts)     |
 */
export function readControlOptions(reader: EnvReader): ControlOptions {
  const d = DEFAULT_CONTROL_OPTIONS;
  return {
    holdTimeMs: reader.integer('AGENT_HOLD_TIME_MS', d.holdTimeMs, { min: 100, max: 3_600_000, note: 'milliseconds' }),
    window: reader.integer('AGENT_WINDOW', d.window, { min: 1, max: 4096, note: 'messages' }),
    maxBatchRoutes: reader.integer('AGENT_BATCH_ROUTES', d.maxBatchRoutes, { min: 1, max: 10_000, note: 'routes per message' }),
    maxPendingRoutes: reader.integer('AGENT_MAX_PENDING', d.maxPendingRoutes, { min: 0, max: 1_000_000_000, note: 'route updates waiting for one agent, 0 = no limit' }),
    maxSessionsPerAddress: reader.integer('AGENT_MAX_SESSIONS_PER_ADDRESS', d.maxSessionsPerAddress, {
      min: 0,
      max: 1_000_000,
      note: 'live agent sessions from one source address, 0 = no limit',
    }),
    connectRate: reader.integer('AGENT_CONNECT_RATE', d.connectRate, { min: 0, max: 1_000_000, note: 'new agent sessions a second, 0 = not paced' }),
    connectBurst: reader.integer('AGENT_CONNECT_BURST', d.connectBurst, { min: 1, max: 1_000_000, note: 'new agent sessions at once' }),
    agentIdentity: reader.oneOf('AGENT_IDENTITY', AGENT_IDENTITY_MODES, d.agentIdentity),
  };
}

/** The XMPP bridge's own settings, wherever it runs. */
export interface XmppSettings {
  holdTimeSeconds: number;
  maxStanzaBytes: number;
}

/*
 * | variable              | default | allowed                                                                      |
 * |-----------------------|---------|------------------------------------------------------------------------------|
 * | XMPP_HOLD_TIME_S      | 90      | 3..3600 s without a byte from an agent before its session is closed;          |
 * |                       |         | keepalives every third of it (TF agents send theirs every 30 s)              |
 * | XMPP_MAX_STANZA_BYTES | 1048576 | 4096..268435456: a larger stanza (or header) closes the session              |
 */
export function readXmppSettings(reader: EnvReader): XmppSettings {
  return {
    holdTimeSeconds: reader.integer('XMPP_HOLD_TIME_S', DEFAULT_HOLD_TIME_SECONDS, { min: 3, max: 3600, note: 'seconds' }),
    maxStanzaBytes: reader.integer('XMPP_MAX_STANZA_BYTES', DEFAULT_MAX_STANZA_BYTES, { min: 4096, max: 256 * 1024 * 1024, note: 'bytes' }),
  };
}

/**
 * AGENT_IDENTITY=certificate needs agents' client certificates: TLS on the process's listeners with a client CA
 * and TLS_CLIENT_AUTH optional or require. Otherwise it is a start-up problem (every agent would be refused).
 */
export function checkAgentIdentity(reader: EnvReader, control: ControlOptions, tls: ServerTlsConfig | undefined): void {
  if (control.agentIdentity !== 'certificate') return;
  if (!tls || !tls.files.ca || tls.clientAuth === 'none') {
    reader.invalid(
      'AGENT_IDENTITY',
      'certificate',
      'any unless TLS_CERT_FILE, TLS_KEY_FILE and TLS_CLIENT_CA_FILE are set and TLS_CLIENT_AUTH is not none: agents prove their names with client certificates',
    );
  }
}

