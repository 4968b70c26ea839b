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
import { authorizeCommand, type AuthRefusal, type CommandRequest, type Principal, type RefusedCommand } from '#libs/security';
import type { CommandOrigin } from '../auth/call-auth.js';
import type { RefusalSink } from '../auth/refusal-recorder.js';
import { KeyedMutex } from './keyed-mutex.js';

/** Who asked, through what, and (optionally) the client's id for the command, which makes a repeat harmless. */
export interface CommandMeta {
  actor: string;
  /** 'rest', 'grpc', 'kubemanager:<cluster>' … */
  source: string;
  correlationId?: string;
  /** Idempotency-Key: a repeated command with the same id answers with the first outcome and writes nothing. */
  commandId?: string;
  /**
   * Who the edge authenticated; its roles decide whether the command may run (authorizeCommand). Undefined: the
   * process itself (the default objects at first start).
   */
  principal?: Principal;
  /** Where the command came from, for the audit trail when it is refused. */
  origin?: CommandOrigin;
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
    /** Where refused commands are reported (the audit trail); none: refused all the same, not recorded. */
    private readonly refusals?: RefusalSink,
  ) {
    this.speculative = new SpeculativeState(projection.state);
  }


  get state(): ConfigState {
    return this.projection.state;
  }

  create(type: string, body: Record<string, unknown>, meta: CommandMeta): Promise<CommandOutcome> {
    return this.execute(meta, { kind: 'create', type, body }, (state, ctx) => decideCreate(state, this.model, type, body, ctx));
  }

  update(type: string, uuid: string, body: Record<string, unknown>, meta: CommandMeta, ifMatch?: number): Promise<CommandOutcome> {
    return this.execute(meta, { kind: 'update', type, uuid, body }, (state, ctx) => decideUpdate(state, this.model, type, uuid, body, ctx, ifMatch));
  }

  delete(type: string, uuid: string, meta: CommandMeta, ifMatch?: number): Promise<CommandOutcome> {
    return this.execute(meta, { kind: 'delete', type, uuid }, (state, ctx) => decideDelete(state, this.model, type, uuid, ctx, ifMatch));
  }

  refUpdate(command: RefUpdateCommand, meta: CommandMeta): Promise<CommandOutcome> {
    const request: CommandRequest = { kind: 'ref-update', type: command.type, uuid: command.uuid };
    return this.execute(meta, request, (state, ctx) => decideRefUpdate(state, this.model, command, ctx));
  }

  private async execute(
    meta: CommandMeta,
    command: CommandRequest,
    decide: (state: ConfigView, ctx: CommandContext) => Decision,
  ): Promise<CommandOutcome> {
    const repeated = this.repeated(meta);
    if (repeated) return repeated;
    return this.mutex.run(meta.commandId ? [`command:${meta.commandId}`] : [], async () => {
      const again = this.repeated(meta);
      if (again) return again;
      // commandId is the client's Idempotency-Key only (DESIGN §3): a command without one is not remembered, as
      // nobody could repeat it.
      const metadata: EventMetadata = {
        actor: meta.actor,
        source: meta.source,
        correlationId: meta.correlationId ?? meta.commandId ?? randomUUID(),
        ...(meta.commandId !== undefined ? { commandId: meta.commandId } : {}),
        schemaVersion: 1,
      };
      if (meta.principal) {
        metadata.authentication = meta.principal.authentication;
        // An admin acting for the user it named (X-User-Name): the event says who that admin was.
        if (meta.principal.authentication !== 'anonymous' && meta.principal.actor !== meta.actor) metadata.principal = meta.principal.actor;
      }
      const forget: Array<() => void> = [];
      try {
        return await this.attempts(meta, command, decide, metadata, forget);
      } finally {
        for (const f of forget) f();
      }
    });
  }

  /** Decides and appends until the append holds, at most MAX_ATTEMPTS times; `forget` collects reopened streams. */
  private async attempts(
    meta: CommandMeta,
    command: CommandRequest,
    decide: (state: ConfigView, ctx: CommandContext) => Decision,
    metadata: EventMetadata,
    forget: Array<() => void>,
  ): Promise<CommandOutcome> {
    // The same uuids on every attempt: concurrent commands decided while an attempt was pending saw its uuid (a
    // create's 409 names it), and a retried attempt (a conflict, a reopened stream) must create that object, not
    // another one.
    const uuids: string[] = [];
    for (let attempt = 1; ; attempt++) {
      let drawn = 0;
      const newUuid = (): string => (uuids[drawn++] ??= randomUUID());
      const ctx: CommandContext = { at: new Date().toISOString(), newUuid };
      // Checked synchronously with the decision, against the state it reads: an attempt that loses to a concurrent
      // change is checked again.
      const refused = this.refusalOf(meta, command);
      if (refused) {
        await this.report(refused);
        throw refused.refusal;
      }
      let decision: Decision;
      try {
        decision = decide(this.speculative, ctx);
      } catch (error) {
        // Refused while other decisions are still being appended (their name, address or MAC counted as taken):
        // one of them may fail and be decided again, with other effects. Decide again against what they committed,
        // so that a refusal names what is in the log.
        if (!(error instanceof ConfigError && error.status === 409 && this.speculative.size > 0 && attempt < MAX_ATTEMPTS)) throw error;
        await this.speculative.settled();
        continue;
      }
      const writes = decision.writes.map((w) => ({ ...w, events: w.events.map((e) => ({ ...e, metadata })) }));
      const held = this.speculative.hold(writes);
      try {
        const results = await this.store.appendMany(writes);
        const position = Math.max(...results.map((r) => r.position));
        await this.projection.waitFor(position).catch((error: unknown) => {
          // Written, but not to be read back now (the store went away right after the append): not a 500.
          const why = error instanceof Error ? error.message : String(error);
          throw new ConfigError(503, `the write is in the log at position ${position}, but the config state did not reach it (${why}); a request with an Idempotency-Key answers its outcome when sent again`);
        });
        return { type: decision.type, uuid: decision.uuid, fq_name: decision.fq_name, position, repeated: false };
      } catch (error) {
        this.speculative.release(held);
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (attempt >= MAX_ATTEMPTS) {
          throw new ConfigError(409, `a concurrent change to ${error.streamId} kept winning; retry the request`);
        }
        // Another writer moved a stream this decision read: catch up with the log and decide again.
        await this.projection.waitFor(await this.store.headPosition());
        // Or the stream is closed (a deleted object's, a released name's, whose revision only the log keeps) and
        // this create reuses it: if the state still has it closed, append after the revision the store told.
        if (error.actual !== 'no_stream') forget.push(this.speculative.reopen(error.streamId, error.actual));
      } finally {
        this.speculative.release(held);
      }
    }
  }

  /** The refusal, and the refused command as the audit trail records it, when the principal may not run `command`. */
  private refusalOf(meta: CommandMeta, command: CommandRequest): { refusal: AuthRefusal; refused?: RefusedCommand } | undefined {
    if (!meta.principal) return undefined;
    const found = command.uuid !== undefined ? this.speculative.get(command.uuid) : undefined;
    const existing = found?.type === command.type ? found : undefined;
    const refusal = authorizeCommand(meta.principal, command, existing);
    if (!refusal) return undefined;
    if (meta.origin) {
      const refused: RefusedCommand = {
        address: meta.origin.address,
        protocol: meta.source === 'grpc' ? 'grpc' : 'rest',
        operation: meta.origin.operation ?? command.kind,
        request: meta.origin.request,
        type: command.type,
      };
      if (meta.principal.authentication !== 'anonymous') refused.principal = meta.principal;
      const uuid = command.uuid ?? (typeof command.body?.uuid === 'string' ? command.body.uuid : undefined);
      if (uuid !== undefined) refused.uuid = uuid;
      const fqName = existing?.fq_name ?? command.body?.fq_name;
      if (Array.isArray(fqName) && fqName.every((p) => typeof p === 'string')) refused.fq_name = fqName;
      if (meta.correlationId !== undefined) refused.correlationId = meta.correlationId;
      return { refusal, refused };
    }
    return { refusal };
  }

  private async report({ refusal, refused }: { refusal: AuthRefusal; refused?: RefusedCommand }): Promise<void> {
    await this.refusals?.refused(refusal, refused);
  }

  private repeated(meta: CommandMeta): CommandOutcome | undefined {
    if (!meta.commandId) return undefined;
    const record = this.projection.commandRecord(meta.commandId);
    if (!record) return undefined;
    const object = this.state.get(record.uuid);
    return { type: record.type, uuid: record.uuid, fq_name: object?.fq_name ?? [], position: record.position, repeated: true };
  }
}
