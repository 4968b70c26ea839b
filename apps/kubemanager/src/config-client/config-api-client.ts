import { credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import {
  ConfigServiceClient,
  CreateRequest,
  DeleteRequest,
  FqNameToIdRequest,
  GetRequest,
  ListRequest,
  UpdateRequest,
  type CreateResponse,
  type DeleteResponse,
  type FqNameToIdResponse,
  type GetResponse,
  type ListResponse,
  type UpdateResponse,
} from '#libs/proto';

export type Json = Record<string, unknown>;

/** A refusal of the config API: the gRPC code, its REST status when the server said, and its words. */
export class ConfigApiError extends Error {
  constructor(
    readonly code: GrpcStatus,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'ConfigApiError';
  }

  /** Worth retrying later: the server or the network had a moment, or concurrent writers won. */
  get transient(): boolean {
    return [GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.ABORTED, GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.INTERNAL].includes(this.code);
  }
}

function errorOf(error: ServiceError): ConfigApiError {
  const http = Number(error.metadata?.get('x-http-status')[0]);
  return new ConfigApiError(error.code, error.details || error.message, Number.isFinite(http) && http > 0 ? http : undefined);
}

export interface ConfigApiClientOptions {
  /** host:port of the config API's gRPC server. */
  address: string;
  /**
   * Recorded as the actor of every command (call metadata x-actor) when the client has no credentials and the config
   * API lets anonymous callers name themselves. With credentials, the actor is the principal they authenticate.
   */
  actor: string;
  /**
   * The `authorization` metadata of every call (`Bearer <token>`), asked for each call so that a token re-read from
   * its file takes effect at once. None: calls go without credentials.
   */
  authorization?: () => string;
  /** Per call (default 30 s). */
  deadlineMs?: number;
  /** TLS to the config API (CONFIG_API_TLS_*); undefined: plain TCP. */
  tls?: ConfigApiTls;
}

/** The CA the config API's certificate must chain to, and the client certificate to present (PEM). */
export interface ConfigApiTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** The name the server's certificate is checked for, instead of the address's host. */
  serverName?: string;
}

const LIST_PAGE = 1000;

/**
 * The config API's gRPC ConfigService as the kubemanager uses it: objects as JSON in Contrail's shapes, every call
 * with the kubemanager's actor in its metadata, every refusal a ConfigApiError.
 */
export class ConfigApiClient {
  private readonly client: ConfigServiceClient;
  private readonly deadlineMs: number;

  constructor(private readonly options: ConfigApiClientOptions) {
    const { tls } = options;
    const channelCredentials = tls ? credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null) : credentials.createInsecure();
    this.client = new ConfigServiceClient(options.address, channelCredentials, {
      ...(tls?.serverName ? { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName } : {}),
      'grpc.keepalive_time_ms': 30_000,
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 5_000,
    });
    this.deadlineMs = options.deadlineMs ?? 30_000;
  }

  get address(): string {
    return this.options.address;
  }

  /** Every object of a type with all its fields (REST's detail list), paged. */
  async list(type: string): Promise<Json[]> {
    const out: Json[] = [];
    let marker = '';
    for (;;) {
      const parameters: Record<string, string> = { detail: 'true', page_limit: String(LIST_PAGE) };
      if (marker) parameters.page_marker = marker;
      const answer = await this.call<ListResponse>((md, opts, cb) => this.client.list(ListRequest.fromPartial({ type, parameters }), md, opts, cb));
      const body = JSON.parse(answer.json) as Record<string, unknown>;
      const items = (body[`${type}s`] ?? []) as Json[];
      for (const item of items) out.push((item[type] ?? item) as Json);
      marker = typeof body.marker === 'string' ? body.marker : '';
      if (!marker || items.length === 0) return out;
    }
  }

  async get(type: string, uuid: string): Promise<Json | undefined> {
    try {
      const answer = await this.call<GetResponse>((md, opts, cb) => this.client.get(GetRequest.fromPartial({ type, uuid }), md, opts, cb));
      const body = JSON.parse(answer.objectJson) as Json;
      return (body[type] ?? body) as Json;
    } catch (error) {
      if (error instanceof ConfigApiError && error.code === GrpcStatus.NOT_FOUND) return undefined;
      throw error;
    }
  }

  /** Creates the object; answers it as the server stored it (addresses, MACs and ids filled in). */
  async create(type: string, object: Json): Promise<Json> {
    const objectJson = JSON.stringify({ [type]: object });
    const answer = await this.call<CreateResponse>((md, opts, cb) => this.client.create(CreateRequest.fromPartial({ type, objectJson }), md, opts, cb));
    const body = JSON.parse(answer.objectJson || '{}') as Json;
    return (body[type] ?? body) as Json;
  }

  async update(type: string, uuid: string, object: Json): Promise<void> {
    const objectJson = JSON.stringify({ [type]: object });
    await this.call<UpdateResponse>((md, opts, cb) => this.client.update(UpdateRequest.fromPartial({ type, uuid, objectJson }), md, opts, cb));
  }

  /** Deletes the object; one that is already gone is success. */
  async delete(type: string, uuid: string): Promise<void> {
    try {
      await this.call<DeleteResponse>((md, opts, cb) => this.client.delete(DeleteRequest.fromPartial({ type, uuid }), md, opts, cb));
    } catch (error) {
      if (error instanceof ConfigApiError && error.code === GrpcStatus.NOT_FOUND) return;
      throw error;
    }
  }

  async uuidOf(type: string, fqName: string[]): Promise<string | undefined> {
    try {
      const answer = await this.call<FqNameToIdResponse>((md, opts, cb) =>
        this.client.fqNameToId(FqNameToIdRequest.fromPartial({ type, fqName }), md, opts, cb),
      );
      return answer.uuid;
    } catch (error) {
      if (error instanceof ConfigApiError && error.code === GrpcStatus.NOT_FOUND) return undefined;
      throw error;
    }
  }

  /** Resolves when the channel is connected, rejects after `timeoutMs`. */
  waitForReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.client.waitForReady(Date.now() + timeoutMs, (error) =>
        error ? reject(new ConfigApiError(GrpcStatus.UNAVAILABLE, `the config API at ${this.options.address} is not reachable: ${error.message}`)) : resolve(),
      ),
    );
  }

  close(): void {
    this.client.close();
  }

  private call<T>(
    start: (metadata: Metadata, options: { deadline: number }, callback: (error: ServiceError | null, response: T) => void) => unknown,
  ): Promise<T> {
    const metadata = new Metadata();
    if (this.options.authorization) metadata.set('authorization', this.options.authorization());
    else metadata.set('x-actor', this.options.actor);
    return new Promise((resolve, reject) =>
      start(metadata, { deadline: Date.now() + this.deadlineMs }, (error, response) => (error ? reject(errorOf(error)) : resolve(response))),
    );
  }
}
