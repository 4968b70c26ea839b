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
  type ConfigState,
  type Decision,
} from '#libs/domain';
import type { ConfigProjection } from '#libs/projections';
import { KeyedMutex } from './keyed-mutex.js';
import { lockKeys } from './lock-keys.js';

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
 * includes the write (read-your-writes). Commands touching a shared stream take its in-process lock first.
 */
export class ConfigCommandService {
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly store: EventStore,
    private readonly projection: ConfigProjection,
    private readonly model: ConfigModel,
  ) {}

  get state(): ConfigState {
    return this.projection.state;
  }

  create(type: string, body: Record<string, unknown>, meta: CommandMeta): Promise<CommandOutcome> {
    const keys = lockKeys.create(this.state, type, body);
    return this.execute(keys, meta, (state, ctx) => decideCreate(state, this.model, type, body, ctx));
  }

  update(type: string, uuid: string, body: Record<string, unknown>, meta: CommandMeta, ifMatch?: number): Promise<CommandOutcome> {
    const keys = lockKeys.existing(this.state, type, uuid);
    return this.execute(keys, meta, (state, ctx) => decideUpdate(state, this.model, type, uuid, body, ctx, ifMatch));
  }

  delete(type: string, uuid: string, meta: CommandMeta, ifMatch?: number): Promise<CommandOutcome> {
    const keys = lockKeys.existing(this.state, type, uuid);
    return this.execute(keys, meta, (state, ctx) => decideDelete(state, this.model, type, uuid, ctx, ifMatch));
  }

  refUpdate(command: RefUpdateCommand, meta: CommandMeta): Promise<CommandOutcome> {
    const keys = lockKeys.existing(this.state, command.type, command.uuid);
    return this.execute(keys, meta, (state, ctx) => decideRefUpdate(state, this.model, command, ctx));
  }

  private async execute(
    keys: string[],
    meta: CommandMeta,
    decide: (state: ConfigState, ctx: CommandContext) => Decision,
  ): Promise<CommandOutcome> {
    const repeated = this.repeated(meta);
    if (repeated) return repeated;
    const allKeys = meta.commandId ? [...keys, `command:${meta.commandId}`] : keys;
    return this.mutex.run(allKeys, async () => {
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
        const decision = decide(this.projection.state, ctx);
        const writes = decision.writes.map((w) => ({ ...w, events: w.events.map((e) => ({ ...e, metadata })) }));
        try {
          const results = await this.store.appendMany(writes);
          const position = Math.max(...results.map((r) => r.position));
          await this.projection.waitFor(position);
          return { type: decision.type, uuid: decision.uuid, fq_name: decision.fq_name, position, repeated: false };
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
          if (attempt >= MAX_ATTEMPTS) {
            throw new ConfigError(409, `a concurrent change to ${error.streamId} kept winning; retry the request`);
          }
          // Another writer moved a stream this decision read: catch up with the log and decide again.
          await this.projection.waitFor(await this.store.headPosition());
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
