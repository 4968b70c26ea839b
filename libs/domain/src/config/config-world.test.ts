// Test support (not a suite): deciders run against an in-memory log, for the given → when → then specs.
import type { JsonValue, StreamWrite } from '#libs/event-store';
import type { CommandContext } from './command-context.js';
import { ConfigError } from './config-error.js';
import { ConfigState, type ConfigEvent } from './config-state.js';
import { decideCreate, decideDelete, decideUpdate, type Decision } from './decide.js';
import { SpeculativeState } from './speculative-state.js';
import { CONFIG_MODEL } from './registry-schema.js';

export const PROJECT = ['default-domain', 'default-project'];
export const DEFAULT_IPAM = [...PROJECT, 'default-network-ipam'];

/**
 * A state, the log it folds, and commands decided against it and committed at once. The log keeps each stream's
 * revision and enforces expected revisions as the event stores do, so a spec sees exactly what would be appended;
 * a create that reuses a closed stream (a deleted object's uuid, a released name) is decided again after the
 * store's answer, as the config API's command service does (SpeculativeState.reopen).
 */
export class ConfigWorld {
  readonly state = new ConfigState();
  readonly log: ConfigEvent[] = [];
  /** Each stream's last revision, as the store knows it (the state forgets closed streams). */
  private readonly streams = new Map<string, number>();
  private readonly view = new SpeculativeState(this.state);
  private uuids = 0;

  /** global-system-config, default-domain, default-project and its user-defined-subnet default-network-ipam. */
  static withDefaults(): ConfigWorld {
    const world = new ConfigWorld();
    world.create('global-system-config', { fq_name: ['default-global-system-config'], autonomous_system: 64512 });
    world.create('domain', { fq_name: ['default-domain'] });
    world.create('project', { fq_name: PROJECT, parent_type: 'domain' });
    world.create('network-ipam', { fq_name: DEFAULT_IPAM, parent_type: 'project' });
    return world;
  }

  ctx(): CommandContext {
    return {
      at: '2026-11-25T12:00:00.000Z',
      newUuid: () => `00000000-0000-4000-8000-${String(++this.uuids).padStart(12, '0')}`,
    };
  }

  /** Appends a decision's writes, all or nothing; a write whose expected revision does not hold throws StoreConflict. */
  commit(decision: Decision): ConfigEvent[] {
    for (const w of decision.writes) this.checkRevision(w);
    const events: ConfigEvent[] = [];
    for (const w of decision.writes) {
      let revision = this.streams.get(w.streamId) ?? -1;
      for (const e of w.events) {
        const event = { type: e.type, streamId: w.streamId, streamRevision: ++revision, globalPosition: this.log.length + 1, data: e.data };
        this.log.push(event);
        this.state.apply(event);
        events.push(event);
      }
      this.streams.set(w.streamId, revision);
    }
    return events;
  }

  create(type: string, body: Record<string, unknown>): { uuid: string; events: ConfigEvent[] } {
    const forget: Array<() => void> = [];
    try {
      for (;;) {
        const decision = decideCreate(this.view, CONFIG_MODEL, type, body, this.ctx());
        try {
          return { uuid: decision.uuid, events: this.commit(decision) };
        } catch (error) {
          if (!(error instanceof StoreConflict) || error.actual === undefined || forget.length > 4) throw error;
          forget.push(this.view.reopen(error.streamId, error.actual));
        }
      }
    } finally {
      for (const f of forget) f();
    }
  }

  update(type: string, uuid: string, body: Record<string, unknown>, ifMatch?: number): ConfigEvent[] {
    return this.commit(decideUpdate(this.view, CONFIG_MODEL, type, uuid, body, this.ctx(), ifMatch));
  }

  delete(type: string, uuid: string): ConfigEvent[] {
    return this.commit(decideDelete(this.view, CONFIG_MODEL, type, uuid, this.ctx()));
  }

  private checkRevision(w: StreamWrite): void {
    const current = this.streams.get(w.streamId);
    const expected = w.expectedRevision ?? 'any';
    const ok = expected === 'any' || (expected === 'no_stream' ? current === undefined : expected === 'stream_exists' ? current !== undefined : current === expected);
    if (!ok) throw new StoreConflict(w.streamId, expected, current);
  }
}

/** What an event store answers when an expected revision does not hold. */
export class StoreConflict extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: StreamWrite['expectedRevision'],
    readonly actual: number | undefined,
  ) {
    super(`test log: ${streamId} expected ${String(expected)}, is ${String(actual)}`);
  }
}

/** The ConfigError an action throws; fails the test when it throws nothing or something else. */
export function failure(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** An `IpamSubnetType` entry for a `10.1.0.0/24` text. */
export function ipamSubnet(cidr: string, extra: Record<string, JsonValue> = {}): Record<string, JsonValue> {
  const [prefix, len] = cidr.split('/');
  return { subnet: { ip_prefix: prefix!, ip_prefix_len: Number(len) }, ...extra };
}
