import type { handleUnaryCall, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import { ConfigError, badRequest, notFound, type ConfigObject } from '#libs/domain';
import {
  RefOperation,
  type ConfigServiceServer,
  type CreateRequest,
  type CreateResponse,
  type DeleteRequest,
  type DeleteResponse,
  type FqNameToIdRequest,
  type FqNameToIdResponse,
  type GetRequest,
  type GetResponse,
  type IdToFqNameRequest,
  type IdToFqNameResponse,
  type ListRequest,
  type ListResponse,
  type RefUpdateRequest,
  type RefUpdateResponse,
  type UpdateRequest,
  type UpdateResponse,
  type WatchEvent,
  type WatchRequest,
} from '#libs/proto';
import { authOf } from '../auth/call-auth.js';
import type { GrpcAuthGate } from '../auth/grpc-auth-gate.js';
import type { ConfigApi } from '../config-api.js';
import type { ConfigViews } from '../rest/config-views.js';
import { READ_WAIT_MS } from '../rest/resource.controller.js';
import { INTERNAL_FAILURE, grpcFailureOf, statusOf } from './grpc-errors.js';
import { attrOf, commandMetaOf, fieldsOf, fqNameOf, listQueryOf, objectBodyOf, refTypeOf, required } from './grpc-request.js';
import { objectJsonOf } from './object-json.js';

/** Where Watch streams go: the service only validates the request and hands the call over. */
export interface WatchHost {
  /** Streams changes to `call` until it ends; refuses (UNAVAILABLE) once the server is shutting down. */
  watch(call: ServerWritableStream<WatchRequest, WatchEvent>, request: { fromPosition: number; types: string[] }): void;
}

/**
 * contrail.config.v1.ConfigService over the config API's parts: the same command service, the same views and the
 * same checks as the REST routes (resource.controller.ts, actions.controller.ts), so both edges answer alike. Every
 * error is mapped to a gRPC status once, in grpc-errors.ts.
 */
export class ConfigService {
  constructor(
    private readonly api: ConfigApi,
    private readonly views: ConfigViews,
    private readonly watches: WatchHost,
    private readonly onUnexpected: (error: unknown, method: string) => void,
    /** Authentication and the coarse right of every call (auth/grpc-auth-gate.ts); none: every call is let through. */
    private readonly gate?: GrpcAuthGate,
  ) {}

  /** The grpc-js implementation object. */
  implementation(): ConfigServiceServer {
    return {
      create: this.unary('Create', (call) => this.create(call.request, call)),
      get: this.unary('Get', (call) => this.get(call.request)),
      list: this.unary('List', (call) => this.list(call.request)),
      update: this.unary('Update', (call) => this.update(call.request, call)),
      delete: this.unary('Delete', (call) => this.delete(call.request, call)),
      refUpdate: this.unary('RefUpdate', (call) => this.refUpdate(call.request, call)),
      fqNameToId: this.unary('FqNameToId', (call) => this.fqNameToId(call.request)),
      idToFqName: this.unary('IdToFqName', (call) => this.idToFqName(call.request)),
      watch: (call) => this.watch(call),
    };
  }

  async create(req: CreateRequest, call: CallWithMetadata): Promise<CreateResponse> {
    const type = this.type(req.type);
    const body = objectBodyOf(type, req.objectJson);
    const outcome = await this.api.commands.create(type, body, commandMetaOf(call.metadata, req.idempotencyKey, authOf(call)));
    const object = this.state.get(outcome.uuid);
    return {
      uuid: outcome.uuid,
      fqName: outcome.fq_name,
      position: outcome.position,
      objectJson: object ? this.render(object) : '',
      revision: object?.revision ?? 0,
      repeated: outcome.repeated,
    };
  }

  async get(req: GetRequest): Promise<GetResponse> {
    const type = this.type(req.type);
    const uuid = required(req.uuid, 'uuid', `the uuid of the ${type}`);
    await this.waitFor(req.minPosition);
    const object = this.object(type, uuid);
    return {
      objectJson: this.render(object, {
        fields: fieldsOf(req.fields),
        excludeBackRefs: req.excludeBackRefs,
        excludeChildren: req.excludeChildren,
      }),
      revision: object.revision,
      position: this.state.position,
    };
  }

  async list(req: ListRequest): Promise<ListResponse> {
    const type = this.type(req.type);
    const query = listQueryOf(req.parameters);
    await this.waitFor(req.minPosition);
    return { json: JSON.stringify(this.views.listOf(type, query, '')), position: this.state.position };
  }

  async update(req: UpdateRequest, call: CallWithMetadata): Promise<UpdateResponse> {
    const type = this.type(req.type);
    const uuid = required(req.uuid, 'uuid', `the uuid of the ${type}`);
    const body = objectBodyOf(type, req.objectJson);
    const outcome = await this.api.commands.update(type, uuid, body, commandMetaOf(call.metadata, '', authOf(call)), req.ifMatchRevision);
    return { position: outcome.position, revision: this.state.get(uuid)?.revision ?? 0 };
  }

  async delete(req: DeleteRequest, call: CallWithMetadata): Promise<DeleteResponse> {
    const type = this.type(req.type);
    const uuid = required(req.uuid, 'uuid', `the uuid of the ${type}`);
    const outcome = await this.api.commands.delete(type, uuid, commandMetaOf(call.metadata, '', authOf(call)), req.ifMatchRevision);
    return { position: outcome.position };
  }

  async refUpdate(req: RefUpdateRequest, call: CallWithMetadata): Promise<RefUpdateResponse> {
    const type = this.type(req.type);
    const uuid = required(req.uuid, 'uuid', `the uuid of the referring ${type}`);
    const refType = refTypeOf(req.refType);
    if (req.operation !== RefOperation.ADD && req.operation !== RefOperation.DELETE) {
      throw badRequest('operation must be ADD or DELETE', 'operation');
    }
    if (req.refUuid === '' && req.refFqName.length === 0) throw badRequest('ref-update needs ref_uuid or ref_fq_name', 'ref_uuid');
    const refFqName = req.refFqName.length > 0 ? fqNameOf(req.refFqName, 'ref_fq_name') : null;
    const attr = attrOf(req.attrJson);
    const outcome = await this.api.commands.refUpdate(
      {
        type,
        uuid,
        refType,
        refUuid: req.refUuid === '' ? null : req.refUuid,
        refFqName,
        operation: req.operation === RefOperation.ADD ? 'ADD' : 'DELETE',
        attr,
      },
      commandMetaOf(call.metadata, '', authOf(call)),
    );
    return { position: outcome.position, revision: this.state.get(uuid)?.revision ?? 0 };
  }

  async fqNameToId(req: FqNameToIdRequest): Promise<FqNameToIdResponse> {
    const type = this.type(req.type);
    const fqName = fqNameOf(req.fqName, 'fq_name');
    await this.waitFor(req.minPosition);
    const uuid = this.state.uuidOf(type, fqName);
    if (!uuid) throw notFound(`${type} ${fqName.join(':')} does not exist`);
    return { uuid };
  }

  async idToFqName(req: IdToFqNameRequest): Promise<IdToFqNameResponse> {
    const uuid = required(req.uuid, 'uuid', 'the uuid of an object');
    await this.waitFor(req.minPosition);
    const object = this.state.get(uuid.toLowerCase());
    if (!object) throw notFound(`no object has uuid ${uuid}`);
    return { type: object.type, fqName: object.fq_name };
  }

  watch(call: ServerWritableStream<WatchRequest, WatchEvent>): void {
    if (!this.gate) return this.startWatch(call);
    this.gate.admit(call, 'ConfigService', 'Watch').then(
      () => this.startWatch(call),
      (error: unknown) => call.emit('error', statusOf(grpcFailureOf(error) ?? INTERNAL_FAILURE)),
    );
  }

  private startWatch(call: ServerWritableStream<WatchRequest, WatchEvent>): void {
    try {
      const types = call.request.types.map((t) => this.type(t));
      this.watches.watch(call, { fromPosition: call.request.fromPosition, types });
    } catch (error) {
      call.emit('error', statusOf(grpcFailureOf(error) ?? INTERNAL_FAILURE));
    }
  }

  private get state() {
    return this.api.projection.state;
  }

  private type(type: string): string {
    return this.views.knownType(required(type, 'type', 'a resource type such as virtual-network'));
  }

  private object(type: string, uuid: string): ConfigObject {
    const object = this.state.get(uuid);
    if (!object || object.type !== type) throw notFound(`${type} ${uuid} does not exist`);
    return object;
  }

  private render(object: ConfigObject, options?: Parameters<typeof objectJsonOf>[3]): string {
    return objectJsonOf(object, this.state, this.api.model.schema, options);
  }

  /** min_position: as REST's `?position=N`, wait at most READ_WAIT_MS, then UNAVAILABLE (503). */
  private async waitFor(position: number): Promise<void> {
    if (position === 0) return;
    try {
      await this.api.projection.waitFor(position, READ_WAIT_MS);
    } catch {
      throw new ConfigError(503, `log position ${position} was not reached within ${READ_WAIT_MS} ms (at ${this.api.projection.position})`);
    }
  }

  private unary<Req, Res>(method: string, work: (call: ServerUnaryCall<Req, Res>) => Promise<Res>): handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const admitted = this.gate ? this.gate.admit(call, 'ConfigService', method, () => targetOf(call.request)) : Promise.resolve();
      admitted.then(() => work(call)).then(
        (response) => callback(null, response),
        (error: unknown) => {
          const failure = grpcFailureOf(error);
          if (!failure) this.onUnexpected(error, method);
          callback(statusOf(failure ?? INTERNAL_FAILURE));
        },
      );
    };
  }
}

type CallWithMetadata = Pick<ServerUnaryCall<unknown, unknown>, 'metadata'>;

/** What a write names, for the audit trail when it is refused: its type, uuid and fq_name as far as the request has them. */
function targetOf(request: unknown): { type?: string; uuid?: string; fq_name?: string[] } {
  const r = (request ?? {}) as { type?: unknown; uuid?: unknown; objectJson?: unknown };
  const target: { type?: string; uuid?: string; fq_name?: string[] } = {};
  if (typeof r.type === 'string') target.type = r.type;
  if (typeof r.uuid === 'string') target.uuid = r.uuid;
  if (typeof r.objectJson === 'string' && target.type !== undefined) {
    try {
      const parsed = JSON.parse(r.objectJson) as Record<string, unknown>;
      const inner = (parsed?.[target.type] ?? parsed) as Record<string, unknown>;
      if (Array.isArray(inner?.fq_name) && inner.fq_name.every((p) => typeof p === 'string')) target.fq_name = inner.fq_name as string[];
      if (target.uuid === undefined && typeof inner?.uuid === 'string') target.uuid = inner.uuid;
    } catch {
      // Not JSON: the call would be refused as a 400 anyway; the trail has the type.
    }
  }
  return target;
}
