// contrail.config.v1.ConfigService end to end: the built all-in-one controller in its own process (SQLite in a temp
// DATA_DIR, ports chosen by the system), driven over real gRPC sockets with grpc-js, compared with the REST API of
// the same process and with the event log on disk.
import { credentials, Metadata, status as GrpcStatus, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigServiceClient,
  CreateRequest,
  DeleteRequest,
  FqNameToIdRequest,
  GetRequest,
  HealthClient,
  IdToFqNameRequest,
  ListRequest,
  RefOperation,
  RefUpdateRequest,
  ServingStatus,
  UpdateRequest,
  WatchEventKind,
  WatchRequest,
  type CreateResponse,
  type DeleteResponse,
  type FqNameToIdResponse,
  type GetResponse,
  type HealthCheckResponse,
  type IdToFqNameResponse,
  type ListResponse,
  type RefUpdateResponse,
  type UpdateResponse,
  type WatchEvent,
} from '#libs/proto';
import { ControllerProcess, type LogLine } from './controller-process.js';

const PROJECT = ['default-domain', 'default-project'];
const IPAM = [...PROJECT, 'default-network-ipam'];
const SHUTDOWN_TIMEOUT_MS = 8000;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Callback<T> = (error: ServiceError | null, response: T) => void;

let dataDir: string;
let controller: ControllerProcess;
let rest: string;
let grpcAddress: string;
let client: ConfigServiceClient;

/** A unary call as a promise. */
function unary<T>(start: (metadata: Metadata, callback: Callback<T>) => unknown, metadata = new Metadata()): Promise<T> {
  return new Promise((resolve, reject) => start(metadata, (error, response) => (error ? reject(error) : resolve(response))));
}

const api = {
  create: (req: Partial<CreateRequest>, md?: Metadata) => unary<CreateResponse>((m, cb) => client.create(CreateRequest.fromPartial(req), m, cb), md),
  get: (req: Partial<GetRequest>) => unary<GetResponse>((m, cb) => client.get(GetRequest.fromPartial(req), m, cb)),
  list: (req: Partial<ListRequest>) => unary<ListResponse>((m, cb) => client.list(ListRequest.fromPartial(req), m, cb)),
  update: (req: Partial<UpdateRequest>, md?: Metadata) => unary<UpdateResponse>((m, cb) => client.update(UpdateRequest.fromPartial(req), m, cb), md),
  delete: (req: Partial<DeleteRequest>) => unary<DeleteResponse>((m, cb) => client.delete(DeleteRequest.fromPartial(req), m, cb)),
  refUpdate: (req: Partial<RefUpdateRequest>) => unary<RefUpdateResponse>((m, cb) => client.refUpdate(RefUpdateRequest.fromPartial(req), m, cb)),
  fqNameToId: (req: Partial<FqNameToIdRequest>) => unary<FqNameToIdResponse>((m, cb) => client.fqNameToId(FqNameToIdRequest.fromPartial(req), m, cb)),
  idToFqName: (req: Partial<IdToFqNameRequest>) => unary<IdToFqNameResponse>((m, cb) => client.idToFqName(IdToFqNameRequest.fromPartial(req), m, cb)),
};

function metadata(entries: Record<string, string>): Metadata {
  const md = new Metadata();
  for (const [key, value] of Object.entries(entries)) md.set(key, value);
  return md;
}

/** Creates a virtual network under default-project; answers its uuid and the write's position. */
async function createNetwork(name: string, extra: Json = {}): Promise<CreateResponse> {
  return api.create({ type: 'virtual-network', objectJson: JSON.stringify({ 'virtual-network': { fq_name: [...PROJECT, name], ...extra } }) });
}

/** The log's head, read by the store itself (GET /health), to tell whether a refused call wrote anything. */
async function head(): Promise<number> {
  const res = await fetch(`${rest}/health`);
  return ((await res.json()) as { store: { headPosition: number } }).store.headPosition;
}

interface LoggedEvent {
  position: number;
  type: string;
  streamId: string;
  data: Json;
  metadata: Json;
}

/** The event log on disk, read with a read-only connection of its own. */
function logOnDisk(): LoggedEvent[] {
  const db = new Database(join(dataDir, 'events.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT position, type, stream_id AS streamId, data, metadata FROM events ORDER BY position').all() as Array<
      Omit<LoggedEvent, 'data' | 'metadata'> & { data: string; metadata: string }
    >;
    return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as Json, metadata: JSON.parse(r.metadata) as Json }));
  } finally {
    db.close();
  }
}

/** Resource events (create, update, delete of an object) in (after, upTo], optionally of some types only. */
function resourceEventsOnDisk(after: number, upTo: number, types?: string[]): LoggedEvent[] {
  return logOnDisk().filter(
    (e) =>
      e.position > after &&
      e.position <= upTo &&
      /(Created|Updated|Deleted)$/.test(e.type) &&
      e.streamId === `${e.data.type}-${e.data.uuid}` &&
      (!types || types.includes(e.data.type as string)),
  );
}

/** One value of the controller's /metrics. */
async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${rest}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no metric ${name} in /metrics`);
  return Number(line.split(' ')[1]);
}

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The error of a call that must fail. */
async function refusal(work: () => Promise<unknown>): Promise<ServiceError> {
  try {
    await work();
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail');
}

/** A Watch stream and what it has received. */
class Watcher {
  readonly events: WatchEvent[] = [];
  readonly stream: ClientReadableStream<WatchEvent>;
  /** The status the stream ended with ('end' for OK). */
  readonly ended: Promise<ServiceError | 'end'>;
  private readonly listeners = new Set<() => void>();

  constructor(request: Partial<WatchRequest>) {
    this.stream = client.watch(WatchRequest.fromPartial(request));
    this.stream.on('data', (event: WatchEvent) => {
      this.events.push(event);
      for (const listener of [...this.listeners]) listener();
    });
    this.ended = new Promise((resolve) => {
      this.stream.on('error', (error: ServiceError) => resolve(error));
      this.stream.on('end', () => resolve('end'));
    });
  }

  /** Resolves once `done(events)` holds; rejects after `timeoutMs` or when the stream ends first. */
  until(done: (events: WatchEvent[]) => boolean, timeoutMs = 15_000): Promise<void> {
    if (done(this.events)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`the watch has ${this.events.length} events after ${timeoutMs} ms, last at ${this.events.at(-1)?.position}`));
      }, timeoutMs);
      const check = () => {
        if (!done(this.events)) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
      void this.ended.then((status) => {
        if (!this.listeners.has(check)) return;
        clearTimeout(timer);
        reject(new Error(`the watch ended (${status === 'end' ? 'OK' : `${status.code} ${status.details}`}) before it saw enough`));
      });
    });
  }

  /** Until the watch has seen the event at `position`. */
  through(position: number): Promise<void> {
    return this.until((events) => events.some((e) => e.position >= position));
  }

  async cancel(): Promise<void> {
    this.stream.cancel();
    await this.ended;
  }
}

const withoutHrefs = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutHrefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'href' && k !== 'parent_href').map(([k, v]) => [k, withoutHrefs(v)]));
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'contrail-grpc-e2e-'));
  controller = new ControllerProcess({
    REST_PORT: '0',
    GRPC_PORT: '0',
    XMPP_PORT: '0',
    DATA_DIR: dataDir,
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  });
  const listening = await controller.waitForLine((line: LogLine) => line.msg === 'listening');
  rest = listening.rest as string;
  grpcAddress = listening.grpc as string;
  client = new ConfigServiceClient(grpcAddress, credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await controller?.ensureStopped();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('ConfigService on the controller gRPC port', () => {
  it('is SERVING in grpc.health.v1 next to the server as a whole', async () => {
    const health = new HealthClient(grpcAddress, credentials.createInsecure());
    try {
      const status = await unary<HealthCheckResponse>((m, cb) => health.check({ service: 'contrail.config.v1.ConfigService' }, m, cb));
      expect(status).toEqual({ status: ServingStatus.SERVING });
    } finally {
      health.close();
    }
  });
});

describe('create, get, list, update, delete', () => {
  let created: CreateResponse;

  it('Create answers the uuid, fq_name, position and the object with what the system filled in', async () => {
    const before = await head();
    created = await api.create(
      { type: 'virtual-network', objectJson: JSON.stringify({ 'virtual-network': { fq_name: [...PROJECT, 'blue'], display_name: 'Blue' } }) },
      metadata({ 'x-user-name': 'alice', 'x-request-id': 'req-blue' }),
    );
    expect(created).toMatchObject({ fqName: [...PROJECT, 'blue'], revision: 0, repeated: false });
    expect(created.position).toBeGreaterThan(before);
    expect(created.position).toBe(await head());
    const object = JSON.parse(created.objectJson)['virtual-network'] as Json;
    expect(object).toMatchObject({ uuid: created.uuid, fq_name: [...PROJECT, 'blue'], display_name: 'Blue', parent_type: 'project' });
    expect(object.virtual_network_network_id).toEqual(expect.any(Number));
    expect(object.href).toBeUndefined();
  });

  it('records the caller from x-user-name, source grpc and x-request-id as the correlation id', async () => {
    // The create's last event is the network's own VirtualNetworkCreated.
    const event = logOnDisk().find((e) => e.position === created.position)!;
    expect(event).toMatchObject({ type: 'VirtualNetworkCreated', streamId: `virtual-network-${created.uuid}` });
    expect(event.metadata).toMatchObject({ actor: 'alice', source: 'grpc', correlationId: 'req-blue' });

    const x = await api.create({ type: 'network-policy', objectJson: JSON.stringify({ fq_name: [...PROJECT, 'by-actor'] }) }, metadata({ 'x-actor': 'bot' }));
    const anonymous = await api.create({ type: 'network-policy', objectJson: JSON.stringify({ fq_name: [...PROJECT, 'by-nobody'] }) });
    const at = (position: number) => logOnDisk().find((e) => e.position === position)!.metadata;
    expect(at(x.position)).toMatchObject({ actor: 'bot', source: 'grpc' });
    expect(at(anonymous.position)).toMatchObject({ actor: 'anonymous', source: 'grpc' });
  });

  it('takes the inner object alone as well as the REST body', async () => {
    const bare = await api.create({ type: 'network-policy', objectJson: JSON.stringify({ fq_name: [...PROJECT, 'bare'] }) });
    expect(bare.fqName).toEqual([...PROJECT, 'bare']);
  });

  it('Get answers what REST GET answers, without hrefs, with the revision and the position it reflects', async () => {
    const got = await api.get({ type: 'virtual-network', uuid: created.uuid, minPosition: created.position });
    const res = await fetch(`${rest}/virtual-network/${created.uuid}?position=${created.position}`);
    expect(res.status).toBe(200);
    expect(JSON.parse(got.objectJson)).toEqual(withoutHrefs(await res.json()));
    expect(got.revision).toBe(0);
    expect(res.headers.get('etag')).toBe('"0"');
    expect(got.position).toBeGreaterThanOrEqual(created.position);
  });

  it('Get takes fields, exclude_back_refs and exclude_children as REST does', async () => {
    const got = JSON.parse((await api.get({ type: 'virtual-network', uuid: created.uuid, fields: ['display_name'] })).objectJson)['virtual-network'];
    expect(Object.keys(got).sort()).toEqual(['display_name', 'fq_name', 'name', 'parent_type', 'parent_uuid', 'uuid']);

    const project = await api.fqNameToId({ type: 'project', fqName: PROJECT });
    const full = JSON.parse((await api.get({ type: 'project', uuid: project.uuid })).objectJson).project;
    expect(full.virtual_networks).toEqual(expect.arrayContaining([{ to: [...PROJECT, 'blue'], uuid: created.uuid }]));
    const bare = JSON.parse((await api.get({ type: 'project', uuid: project.uuid, excludeChildren: true })).objectJson).project;
    expect(bare.virtual_networks).toBeUndefined();
    const ipam = await api.fqNameToId({ type: 'network-ipam', fqName: IPAM });
    const withRefs = await createNetwork('referrer', { network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [] } }] });
    const ipamView = JSON.parse((await api.get({ type: 'network-ipam', uuid: ipam.uuid, minPosition: withRefs.position })).objectJson)['network-ipam'];
    expect(ipamView.virtual_network_back_refs).toEqual(expect.arrayContaining([expect.objectContaining({ uuid: withRefs.uuid })]));
    const noBackRefs = JSON.parse((await api.get({ type: 'network-ipam', uuid: ipam.uuid, excludeBackRefs: true })).objectJson)['network-ipam'];
    expect(noBackRefs.virtual_network_back_refs).toBeUndefined();
  });

  it('List answers the JSON of REST list with the same parameters (and exclude_hrefs)', async () => {
    const project = await api.fqNameToId({ type: 'project', fqName: PROJECT });
    const queries: Array<Record<string, string>> = [{}, { detail: 'true' }, { count: 'true' }, { parent_id: project.uuid, fields: 'display_name' }, { page_limit: '1' }];
    for (const parameters of queries) {
      const listed = await api.list({ type: 'virtual-network', parameters, minPosition: created.position });
      const query = new URLSearchParams({ ...parameters, exclude_hrefs: 'true' });
      const res = await fetch(`${rest}/virtual-networks?${query}`);
      expect(res.status).toBe(200);
      expect(JSON.parse(listed.json)).toEqual(await res.json());
      expect(listed.position).toBeGreaterThanOrEqual(created.position);
    }
    const names = JSON.parse((await api.list({ type: 'virtual-network' })).json)['virtual-networks'].map((n: Json) => n.fq_name[2]);
    expect(names).toEqual(expect.arrayContaining(['blue', 'referrer']));
  });

  it('Update applies a change, answers the new revision and position, and honours if_match_revision', async () => {
    const updated = await api.update({ type: 'virtual-network', uuid: created.uuid, objectJson: JSON.stringify({ display_name: 'Blue 2' }), ifMatchRevision: 0 });
    expect(updated.revision).toBe(1);
    expect(updated.position).toBe(await head());
    const got = await api.get({ type: 'virtual-network', uuid: created.uuid, minPosition: updated.position });
    expect(JSON.parse(got.objectJson)['virtual-network'].display_name).toBe('Blue 2');
    expect(got.revision).toBe(1);
    // Without if_match_revision the update is unconditional, in the REST body form too.
    const again = await api.update({ type: 'virtual-network', uuid: created.uuid, objectJson: JSON.stringify({ 'virtual-network': { display_name: 'Blue 3' } }) });
    expect(again.revision).toBe(2);
  });

  it('FqNameToId and IdToFqName', async () => {
    expect(await api.fqNameToId({ type: 'virtual-network', fqName: [...PROJECT, 'blue'] })).toEqual({ uuid: created.uuid });
    expect(await api.idToFqName({ uuid: created.uuid.toUpperCase() })).toEqual({ type: 'virtual-network', fqName: [...PROJECT, 'blue'] });
  });

  it('Delete removes the object (with if_match_revision), answering the position', async () => {
    const deleted = await api.delete({ type: 'virtual-network', uuid: created.uuid, ifMatchRevision: 2 });
    expect(deleted.position).toBe(await head());
    const error = await refusal(() => api.get({ type: 'virtual-network', uuid: created.uuid, minPosition: deleted.position }));
    expect(error.code).toBe(GrpcStatus.NOT_FOUND);
    expect((await fetch(`${rest}/virtual-network/${created.uuid}`)).status).toBe(404);
  });

  it('a repeated idempotency_key answers the first outcome and writes nothing', async () => {
    const request = { type: 'network-policy', objectJson: JSON.stringify({ fq_name: [...PROJECT, 'once'] }), idempotencyKey: 'create-once-1' };
    const first = await api.create(request);
    const before = await head();
    const second = await api.create(request);
    expect(second).toMatchObject({ uuid: first.uuid, position: first.position, repeated: true });
    expect(await head()).toBe(before);
  });
});

describe('RefUpdate', () => {
  it('adds a ref by fq_name with its attribute, and removes it by uuid', async () => {
    const network = await createNetwork('refs');
    const ipam = await api.fqNameToId({ type: 'network-ipam', fqName: IPAM });
    const added = await api.refUpdate({
      type: 'virtual-network',
      uuid: network.uuid,
      refType: 'network_ipam_refs',
      refFqName: IPAM,
      operation: RefOperation.ADD,
      attrJson: JSON.stringify({ ipam_subnets: [{ subnet: { ip_prefix: '10.1.0.0', ip_prefix_len: 24 } }] }),
    });
    expect(added.position).toBe(await head());
    expect(added.revision).toBe(1);
    const withRef = JSON.parse((await api.get({ type: 'virtual-network', uuid: network.uuid, minPosition: added.position })).objectJson)['virtual-network'];
    expect(withRef.network_ipam_refs).toEqual([
      {
        to: IPAM,
        uuid: ipam.uuid,
        attr: { ipam_subnets: [expect.objectContaining({ subnet: { ip_prefix: '10.1.0.0', ip_prefix_len: 24 }, subnet_uuid: expect.any(String) })] },
      },
    ]);

    const removed = await api.refUpdate({ type: 'virtual-network', uuid: network.uuid, refType: 'network-ipam', refUuid: ipam.uuid, operation: RefOperation.DELETE });
    expect(removed.revision).toBe(2);
    const without = JSON.parse((await api.get({ type: 'virtual-network', uuid: network.uuid, minPosition: removed.position })).objectJson)['virtual-network'];
    expect(without.network_ipam_refs ?? []).toEqual([]);
  });
});

describe('errors: one gRPC code per REST status, a message that says what was wrong, nothing written', () => {
  let network: CreateResponse;
  let small: CreateResponse;

  beforeAll(async () => {
    network = await createNetwork('taken', { network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: '10.2.0.0', ip_prefix_len: 24 } }] } }] });
    small = await createNetwork('small', { network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: '10.9.0.0', ip_prefix_len: 29 } }] } }] });
  });

  const vn = (body: unknown) => ({ type: 'virtual-network', objectJson: JSON.stringify(body) });

  const cases: Array<[string, () => Promise<unknown>, GrpcStatus, RegExp]> = [
    ['object_json that is not JSON', () => api.create({ type: 'virtual-network', objectJson: '{"virtual-network": {' }), GrpcStatus.INVALID_ARGUMENT, /^object_json is not valid JSON: /],
    ['object_json that is an array', () => api.create(vn([1])), GrpcStatus.INVALID_ARGUMENT, /object_json must be a JSON object .*not an array/],
    ['no object_json', () => api.create({ type: 'virtual-network' }), GrpcStatus.INVALID_ARGUMENT, /object_json is required/],
    ['an unknown property', () => api.create(vn({ fq_name: [...PROJECT, 'x'], colour: 'blue' })), GrpcStatus.INVALID_ARGUMENT, /unknown property colour for virtual-network/],
    ['a value of the wrong shape', () => api.create(vn({ fq_name: [...PROJECT, 'x'], display_name: 7 })), GrpcStatus.INVALID_ARGUMENT, /display_name/],
    ['no type', () => api.create({ objectJson: '{}' }), GrpcStatus.INVALID_ARGUMENT, /type is required/],
    ['an idempotency_key over 200 characters', () => api.create({ ...vn({ fq_name: [...PROJECT, 'x'] }), idempotencyKey: 'k'.repeat(201) }), GrpcStatus.INVALID_ARGUMENT, /idempotency_key must be 1 to 200/],
    ['an unknown type', () => api.create({ type: 'blue-thing', objectJson: '{}' }), GrpcStatus.NOT_FOUND, /unknown resource type 'blue-thing'/],
    ['a type only the system creates', () => api.create({ type: 'routing-instance', objectJson: JSON.stringify({ fq_name: [...PROJECT, 'taken', 'ri'] }) }), GrpcStatus.PERMISSION_DENIED, /routing-instance/],
    ['a property only the system sets', () => api.create(vn({ fq_name: [...PROJECT, 'x'], virtual_network_network_id: 5 })), GrpcStatus.PERMISSION_DENIED, /virtual_network_network_id is set by the system/],
    ['a parent that does not exist', () => api.create(vn({ fq_name: ['default-domain', 'nowhere', 'x'] })), GrpcStatus.NOT_FOUND, /parent .* does not exist/],
    ['an fq_name that exists', () => api.create(vn({ fq_name: [...PROJECT, 'taken'] })), GrpcStatus.ALREADY_EXISTS, /virtual-network default-domain:default-project:taken already exists/],
    ['Get of a uuid that does not exist', () => api.get({ type: 'virtual-network', uuid: '00000000-0000-4000-8000-000000000000' }), GrpcStatus.NOT_FOUND, /virtual-network 00000000-0000-4000-8000-000000000000 does not exist/],
    ['Get without a uuid', () => api.get({ type: 'virtual-network' }), GrpcStatus.INVALID_ARGUMENT, /uuid is required/],
    ['Update with a stale if_match_revision', () => api.update({ type: 'virtual-network', uuid: network.uuid, objectJson: '{"display_name": "x"}', ifMatchRevision: 9 }), GrpcStatus.FAILED_PRECONDITION, /is at revision 0, not 9 \(If-Match\)/],
    ['Update of fq_name', () => api.update({ type: 'virtual-network', uuid: network.uuid, objectJson: JSON.stringify({ fq_name: [...PROJECT, 'other'] }) }), GrpcStatus.INVALID_ARGUMENT, /fq_name .* cannot be changed/],
    ['Delete with a stale if_match_revision', () => api.delete({ type: 'virtual-network', uuid: network.uuid, ifMatchRevision: 3 }), GrpcStatus.FAILED_PRECONDITION, /If-Match/],
    ['Delete of an object with children', async () => api.delete({ type: 'project', uuid: (await api.fqNameToId({ type: 'project', fqName: PROJECT })).uuid }), GrpcStatus.FAILED_PRECONDITION, /children still present/],
    ['Delete of an object others refer to', async () => api.delete({ type: 'network-ipam', uuid: (await api.fqNameToId({ type: 'network-ipam', fqName: IPAM })).uuid }), GrpcStatus.FAILED_PRECONDITION, /still referred to by/],
    ['RefUpdate without an operation', () => api.refUpdate({ type: 'virtual-network', uuid: network.uuid, refType: 'network-ipam', refFqName: IPAM }), GrpcStatus.INVALID_ARGUMENT, /operation must be ADD or DELETE/],
    ['RefUpdate without a target', () => api.refUpdate({ type: 'virtual-network', uuid: network.uuid, refType: 'network-ipam', operation: RefOperation.ADD }), GrpcStatus.INVALID_ARGUMENT, /needs ref_uuid or ref_fq_name/],
    ['RefUpdate with attr_json that is not JSON', () => api.refUpdate({ type: 'virtual-network', uuid: network.uuid, refType: 'network-ipam', refFqName: IPAM, operation: RefOperation.ADD, attrJson: '{' }), GrpcStatus.INVALID_ARGUMENT, /attr_json is not valid JSON/],
    ['RefUpdate to a type the object cannot refer to', () => api.refUpdate({ type: 'virtual-network', uuid: network.uuid, refType: 'domain', refFqName: ['default-domain'], operation: RefOperation.ADD }), GrpcStatus.INVALID_ARGUMENT, /virtual-network has no refs to domain/],
    ['RefUpdate to a target that does not exist', () => api.refUpdate({ type: 'virtual-network', uuid: network.uuid, refType: 'network-ipam', refFqName: [...PROJECT, 'none'], operation: RefOperation.ADD }), GrpcStatus.NOT_FOUND, /network-ipam default-domain:default-project:none does not exist/],
    ['List with an unknown parameter', () => api.list({ type: 'virtual-network', parameters: { detial: 'true' } }), GrpcStatus.INVALID_ARGUMENT, /unknown list parameter detial/],
    ['List with a bad page_limit', () => api.list({ type: 'virtual-network', parameters: { page_limit: '0' } }), GrpcStatus.INVALID_ARGUMENT, /page_limit must be an integer/],
    ['FqNameToId of a name that does not exist', () => api.fqNameToId({ type: 'virtual-network', fqName: [...PROJECT, 'none'] }), GrpcStatus.NOT_FOUND, /does not exist/],
    ['FqNameToId with an empty fq_name', () => api.fqNameToId({ type: 'virtual-network', fqName: [] }), GrpcStatus.INVALID_ARGUMENT, /fq_name must be a non-empty list/],
    ['IdToFqName of a uuid nobody has', () => api.idToFqName({ uuid: '00000000-0000-4000-8000-000000000001' }), GrpcStatus.NOT_FOUND, /no object has uuid/],
    ['an object_json over the 4 MiB message limit', () => api.create(vn({ fq_name: [...PROJECT, 'huge'], display_name: 'x'.repeat(5 * 1024 * 1024) })), GrpcStatus.RESOURCE_EXHAUSTED, /is larger than the limit of 4194304 bytes \(GRPC_MAX_MESSAGE_BYTES\)/],
  ];

  it.each(cases)('%s', async (_name, work, code, details) => {
    const before = await head();
    const error = await refusal(work);
    expect({ code: error.code, details: error.details }).toEqual({ code, details: expect.stringMatching(details) });
    expect(await head()).toBe(before);
  });

  it('a subnet with no free address left is RESOURCE_EXHAUSTED', async () => {
    // A /29 has four usable addresses: network, broadcast, gateway and DNS server are reserved.
    const body = (n: number) => ({ type: 'instance-ip', objectJson: JSON.stringify({ fq_name: [`small-ip-${n}`], virtual_network_refs: [{ uuid: small.uuid }] }) });
    for (let n = 1; n <= 4; n++) await api.create(body(n));
    const before = await head();
    const error = await refusal(() => api.create(body(5)));
    expect(error.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(error.details).toMatch(/virtual-network default-domain:default-project:small has no free address left in 10\.9\.0\.0\/29/);
    expect(await head()).toBe(before);
  });

  it('a min_position the log does not reach in 5 s is UNAVAILABLE', async () => {
    const far = (await head()) + 1000;
    const error = await refusal(() => api.get({ type: 'virtual-network', uuid: network.uuid, minPosition: far }));
    expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(error.details).toMatch(new RegExp(`log position ${far} was not reached within 5000 ms`));
  });

  it('says the REST status and the field in trailing metadata, and REST gives the same message', async () => {
    const error = await refusal(() => api.create(vn({ fq_name: [...PROJECT, 'x'], colour: 'blue' })));
    expect(error.metadata.get('x-http-status')).toEqual(['400']);
    expect(error.metadata.get('x-error-field')).toEqual(['colour']);

    const conflict = await refusal(() => api.create(vn({ fq_name: [...PROJECT, 'taken'] })));
    expect(conflict.metadata.get('x-http-status')).toEqual(['409']);
    const res = await fetch(`${rest}/virtual-networks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 'virtual-network': { fq_name: [...PROJECT, 'taken'] } }),
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { message: string }).message).toBe(conflict.details);
  });

  it('Watch of an unknown type is NOT_FOUND', async () => {
    const watcher = new Watcher({ types: ['virtual-network', 'blue-thing'] });
    const ended = await watcher.ended;
    expect(ended).toMatchObject({ code: GrpcStatus.NOT_FOUND, details: "unknown resource type 'blue-thing'" });
  });
});

describe('Watch', () => {
  it('from 0 sends every create, update and delete in the log, in order, and nothing else', async () => {
    const upTo = await head();
    const watcher = new Watcher({ fromPosition: 0 });
    const expected = resourceEventsOnDisk(0, upTo);
    await watcher.through(expected.at(-1)!.position);
    await watcher.cancel();
    const seen = watcher.events.filter((e) => e.position <= upTo);
    expect(seen.map((e) => [e.position, e.type, e.uuid])).toEqual(expected.map((e) => [e.position, e.data.type, e.data.uuid]));
    const kinds = { Created: WatchEventKind.CREATED, Updated: WatchEventKind.UPDATED, Deleted: WatchEventKind.DELETED };
    expect(seen.map((e) => e.kind)).toEqual(expected.map((e) => kinds[/(Created|Updated|Deleted)$/.exec(e.type)![1] as keyof typeof kinds]));
    for (const event of seen) {
      expect(event.fqName.length).toBeGreaterThan(0);
      expect(event.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      if (event.kind === WatchEventKind.DELETED) expect(event.objectJson).toBe('');
      else expect(JSON.parse(event.objectJson)[event.type]).toMatchObject({ uuid: event.uuid, fq_name: event.fqName });
    }
  });

  it('shows each object as that event left it, even when it changed or went away since', async () => {
    const created = await api.create({ type: 'network-policy', objectJson: JSON.stringify({ fq_name: [...PROJECT, 'history'], display_name: 'first' }) });
    const updated = await api.update({ type: 'network-policy', uuid: created.uuid, objectJson: JSON.stringify({ display_name: 'second' }) });
    const deleted = await api.delete({ type: 'network-policy', uuid: created.uuid });
    const watcher = new Watcher({ fromPosition: created.position - 1, types: ['network-policy'] });
    await watcher.through(deleted.position);
    await watcher.cancel();
    const mine = watcher.events.filter((e) => e.uuid === created.uuid);
    expect(mine.map((e) => [e.position, e.kind, e.revision])).toEqual([
      [created.position, WatchEventKind.CREATED, 0],
      [updated.position, WatchEventKind.UPDATED, 1],
      [deleted.position, WatchEventKind.DELETED, 0],
    ]);
    expect(JSON.parse(mine[0].objectJson)['network-policy'].display_name).toBe('first');
    expect(JSON.parse(mine[1].objectJson)['network-policy'].display_name).toBe('second');
    expect(mine[2]).toMatchObject({ objectJson: '', fqName: [...PROJECT, 'history'] });
  });

  it('filters by type', async () => {
    const upTo = await head();
    const watcher = new Watcher({ fromPosition: 0, types: ['network-ipam', 'project'] });
    const expected = resourceEventsOnDisk(0, upTo, ['network-ipam', 'project']);
    await watcher.through(expected.at(-1)!.position);
    await watcher.cancel();
    expect(watcher.events.map((e) => e.position)).toEqual(expected.map((e) => e.position));
  });

  it('goes on live after the log head', async () => {
    const watcher = new Watcher({ fromPosition: await head(), types: ['network-policy'] });
    const created = await api.create({ type: 'network-policy', objectJson: JSON.stringify({ fq_name: [...PROJECT, 'live'] }) });
    await watcher.through(created.position);
    await watcher.cancel();
    expect(watcher.events.map((e) => e.position)).toEqual([created.position]);
  });

  it('resumes from the last position seen without a duplicate or a gap while writes go on', async () => {
    const start = await head();
    const write = async (from: number, to: number) => {
      for (let n = from; n < to; n++) {
        const created = await api.create({ type: 'network-policy', objectJson: JSON.stringify({ fq_name: [...PROJECT, `resume-${n}`] }) });
        if (n % 3 === 0) await api.update({ type: 'network-policy', uuid: created.uuid, objectJson: JSON.stringify({ display_name: `r${n}` }) });
        if (n % 5 === 0) await api.delete({ type: 'network-policy', uuid: created.uuid });
      }
    };
    const firstHalf = write(0, 20);
    const first = new Watcher({ fromPosition: start });
    await first.until((events) => events.length >= 10);
    await first.cancel();
    const resumeAt = first.events.at(-1)!.position;
    // The second half is written while the second watcher catches up and after it has gone live.
    const secondHalf = write(20, 40);
    const second = new Watcher({ fromPosition: resumeAt });
    await Promise.all([firstHalf, secondHalf]);
    const end = await head();
    const expected = resourceEventsOnDisk(start, end);
    await second.through(expected.at(-1)!.position);
    await second.cancel();

    const positions = [...first.events, ...second.events].map((e) => e.position);
    expect(new Set(positions).size).toBe(positions.length);
    expect(positions).toEqual(expected.map((e) => e.position));
    expect(second.events[0].position).toBeGreaterThan(resumeAt);
  });

  it('a client that stops reading holds the server back: flow control stops it, nothing piles up, reading again goes on', async () => {
    // About 1.5 MB of events, far beyond what HTTP/2 flow control and the stream buffers let through unread.
    const start = await head();
    const padding = 'p'.repeat(3000);
    const total = 500;
    for (let batch = 0; batch < total; batch += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          api.create({ type: 'network-policy', objectJson: JSON.stringify({ fq_name: [...PROJECT, `bulk-${batch + i}`], display_name: `${batch + i}-${padding}` }) }),
        ),
      );
    }
    const end = await head();
    const sentBefore = await metric('contrail_grpc_config_watch_events_sent_total');

    const watcher = new Watcher({ fromPosition: start, types: ['network-policy'] });
    watcher.stream.once('data', () => watcher.stream.pause());
    await eventually(() => metric('contrail_grpc_config_watch_blocked_streams'), (n) => n === 1);
    const stalledAt = await metric('contrail_grpc_config_watch_events_sent_total');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await metric('contrail_grpc_config_watch_events_sent_total')).toBe(stalledAt);
    // The server stopped a small window ahead of the reader, not after reading the whole backlog.
    expect(stalledAt - sentBefore).toBeLessThan(total / 2);
    expect(watcher.events.length).toBeLessThan(total / 2);

    watcher.stream.resume();
    const expected = resourceEventsOnDisk(start, end, ['network-policy']);
    await watcher.through(expected.at(-1)!.position);
    await watcher.cancel();
    expect(watcher.events.map((e) => e.position)).toEqual(expected.map((e) => e.position));
    expect(await metric('contrail_grpc_config_watch_blocked_streams')).toBe(0);
  });

  it('a cancel ends the stream on both sides', async () => {
    const watcher = new Watcher({ fromPosition: 0 });
    await watcher.until((events) => events.length > 0);
    await eventually(() => metric('contrail_grpc_config_watch_streams'), (n) => n === 1);
    watcher.stream.cancel();
    expect(await watcher.ended).toMatchObject({ code: GrpcStatus.CANCELLED });
    await eventually(() => metric('contrail_grpc_config_watch_streams'), (n) => n === 0);
  });
});

describe('shutdown', () => {
  it('ends open watches with UNAVAILABLE naming the position to resume from, and stops gracefully', async () => {
    const atHead = new Watcher({ fromPosition: await head() });
    const behind = new Watcher({ fromPosition: 0, types: ['project'] });
    await behind.until((events) => events.length > 0);
    await eventually(() => metric('contrail_grpc_config_watch_streams'), (n) => n === 2);

    const signalled = Date.now();
    controller.kill('SIGTERM');
    const [a, b] = await Promise.all([atHead.ended, behind.ended]);
    const exit = await controller.exited;

    const resumeAt = behind.events.at(-1)!.position;
    expect(a).toMatchObject({ code: GrpcStatus.UNAVAILABLE, details: expect.stringMatching(/shutting down; watch again with from_position \d+ to resume/) });
    expect(b).toMatchObject({ code: GrpcStatus.UNAVAILABLE, details: expect.stringContaining(`from_position ${resumeAt} `) });
    expect(exit).toEqual({ code: 0, signal: null });
    expect(controller.lines.find((l) => l.msg === 'stopped')).toMatchObject({ grpc: 'graceful' });
    expect(Date.now() - signalled).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
  });
});
