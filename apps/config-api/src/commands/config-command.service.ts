import { randomUUID } from 'node:crypto';
import { WrongExpectedRevisionError, type EventMetadata, type EventStore } from '#libs/event-store';
import {
  ConfigError,
  decideCreate,
  decideDelete,
  decideRefUpdate,
  decideUpdate,
  type CommandContext,
  type ConfigModel,
  SpeculativeState,
  type ConfigState,
  type ConfigView,
  type Decision,
} from '#libs/domain';
import type { ConfigProjection } from '#libs/projections';
import { KeyedMutex } from './keyed-mutex.js';

/** Who asked, through what, and (optionally) the client's id for the command, which makes a repeat harmless. */
export interface CommandMeta {
  actor: string;
  /** 'rest', 'grpc', 'kubemanager:<cluster>' … */
  source: string;
  correlationId?: string;
  /** Idempotency-Key: a repeated command with the same id answers with the first outcome and writes nothing. */
  commandId?: string;
}

export interface CommandOutcome {
  type: string;
  uuid: string;
  fq_name: string[];
  /** Global log position of the command's last event: the consistency token for `?position=`. */
  position: number;
  /** True when the answer is the first outcome of a repeated command id. */
  repeated: boolean;
}

export interface RefUpdateCommand {
  type: string;
  uuid: string;
  refType: string;
  refUuid?: string | null;
  refFqName?: string[] | null;
  operation: 'ADD' | 'DELETE';
  attr?: import('#libs/event-store').JsonValue | null;
}

/** How often a command is decided again after another writer moved a stream it read. */
const MAX_ATTEMPTS = 5;

/**
 * Runs config commands (DESIGN §3): decide against the current state, append every stream the decision writes in
 * one atomic appendMany with the revisions it read, retry on a concurrency conflict, and answer once the state
 * includes the write (read-your-writes).
 *
 * Decisions are made against the committed state plus the decisions still being appended (SpeculativeState), so
 * concurrent commands on one shared stream (an address pool) need not wait for each other's commit: deciding is
 * synchronous, each counts the ones before it, and their appends share a group commit. A command id
 * (Idempotency-Key) takes an in-process lock so a repeat waits for the first and answers with its outcome.
 */
export class ConfigCommandService {
  private readonly mutex = new KeyedMutex();
  private readonly speculative: SpeculativeState;

  constructor(
    private readonly store: EventStore,
    private readonly projection: ConfigProjection,
    private readonly model: ConfigModel,
  ) {
    this.speculative = new SpeculativeState(projection.state);
  }


  get state(): ConfigState {
    return this.projection.state;
  }

  create(type: string, body: Record<string, unknown>, meta: CommandMeta): Promise<CommandOutcome> {
    return this.execute(meta, (state, ctx) => decideCreate(state, this.model, type, body, ctx));
  }

  update(type: string, uuid: string, body: Record<string, unknown>, meta: CommandMeta, ifMatch?: number): Promise<CommandOutcome> {
    return this.execute(meta, (state, ctx) => decideUpdate(state, this.model, type, uuid, body, ctx, ifMatch));
  }

  delete(type: string, uuid: string, meta: CommandMeta, ifMatch?: number): Promise<CommandOutcome> {
    return this.execute(meta, (state, ctx) => decideDelete(state, this.model, type, uuid, ctx, ifMatch));
  }

  refUpdate(command: RefUpdateCommand, meta: CommandMeta): Promise<CommandOutcome> {
    return this.execute(meta, (state, ctx) => decideRefUpdate(state, this.model, command, ctx));
  }

  private async execute(meta: CommandMeta, decide: (state: ConfigView, ctx: CommandContext) => Decision): Promise<CommandOutcome> {
    const repeated = this.repeated(meta);
    if (repeated) return repeated;
    return this.mutex.run(meta.commandId ? [`command:${meta.commandId}`] : [], async () => {
      const again = this.repeated(meta);
      if (again) return again;
      const commandId = meta.commandId ?? randomUUID();
      const metadata: EventMetadata = {
        actor: meta.actor,
        source: meta.source,
        correlationId: meta.correlationId ?? commandId,
        commandId,
        schemaVersion: 1,
      };
      for (let attempt = 1; ; attempt++) {
        const ctx: CommandContext = { at: new Date().toISOString(), newUuid: () => randomUUID() };
        const decision = decide(this.speculative, ctx);
        const writes = decision.writes.map((w) => ({ ...w, events: w.events.map((e) => ({ ...e, metadata })) }));
        const held = this.speculative.hold(writes);
        try {
          const results = await this.store.appendMany(writes);
          const position = Math.max(...results.map((r) => r.position));
          await this.projection.waitFor(position);
          return { type: decision.type, uuid: decision.uuid, fq_name: decision.fq_name, position, repeated: false };
        } catch (error) {
          this.speculative.release(held);
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
          if (attempt >= MAX_ATTEMPTS) {
            throw new ConfigError(409, `a concurrent change to ${error.streamId} kept winning; retry the request`);
          }
          // Another writer moved a stream this decision read: catch up with the log and decide again.
          await this.projection.waitFor(await this.store.headPosition());
        } finally {
          this.speculative.release(held);
        }
      }
    });
  }

  private repeated(meta: CommandMeta): CommandOutcome | undefined {
    if (!meta.commandId) return undefined;
    const record = this.projection.commandRecord(meta.commandId);
    if (!record) return undefined;
    const object = this.state.get(record.uuid);
    return { type: record.type, uuid: record.uuid, fq_name: object?.fq_name ?? [], position: record.position, repeated: true };
  }
}
