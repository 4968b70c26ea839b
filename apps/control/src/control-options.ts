import type { EnvReader } from '#libs/config';
import type { ControlPlaneOptions } from './control-plane/control-plane.js';

/** The control service's tunables. */
export type ControlOptions = Pick<ControlPlaneOptions, 'holdTimeMs' | 'window' | 'maxBatchRoutes'>;

export const DEFAULT_CONTROL_OPTIONS: ControlOptions = { holdTimeMs: 60_000, window: 32, maxBatchRoutes: 256 };

/** Where the XMPP bridge listens (XMPP_PORT on BIND_ADDRESS); tunables of its own have defaults (XmppBridgeOptions). */
export interface XmppListenOptions {
  /** 0 = any free port. */
  port: number;
  bindAddress: string;
  /** §1.4 hold time; default 90 s, keepalives every third of it. */
  holdTimeSeconds?: number;
  maxStanzaBytes?: number;
}

/** What ControlModule.forRoot takes: the control plane's tunables and, to serve XMPP agents, the bridge's address. */
export interface ControlModuleOptions extends ControlOptions {
  xmpp?: XmppListenOptions;
}

export const CONTROL_OPTIONS = Symbol('CONTROL_OPTIONS');

/*
 * | variable            | default | allowed                                                                        |
 * |---------------------|---------|--------------------------------------------------------------------------------|
 * | AGENT_HOLD_TIME_MS  | 60000   | 100..3600000: how long a dropped agent's routes stay (stale) and it may resume |
 * | AGENT_WINDOW        | 32      | 1..4096: messages sent to an agent ahead of its acks                           |
 * | AGENT_BATCH_ROUTES  | 256     | 1..10000: route updates per message                                            |
 */
export function readControlOptions(reader: EnvReader): ControlOptions {
  return {
    holdTimeMs: reader.integer('AGENT_HOLD_TIME_MS', DEFAULT_CONTROL_OPTIONS.holdTimeMs, { min: 100, max: 3_600_000, note: 'milliseconds' }),
    window: reader.integer('AGENT_WINDOW', DEFAULT_CONTROL_OPTIONS.window, { min: 1, max: 4096, note: 'messages' }),
    maxBatchRoutes: reader.integer('AGENT_BATCH_ROUTES', DEFAULT_CONTROL_OPTIONS.maxBatchRoutes, { min: 1, max: 10_000, note: 'routes per message' }),
  };
}
