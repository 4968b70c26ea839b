// The audit plane end to end: the built controller in its own process (SQLite in a temp DATA_DIR), a history
// written by several actors over REST and gRPC, then read back over REST's /audit/* routes and
// contrail.audit.v1.AuditService, and compared with what GET answered at each point.
import { credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  AuditServiceClient,
  ConfigServiceClient,
  DiffRequest,
  HealthClient,
  ObjectAtRequest,
  ProjectAtRequest,
  ReadEventsRequest,
  ServingStatus,
  UpdateRequest,
  type DiffResponse,
  type HealthCheckResponse,
  type ObjectAtResponse,
  type ProjectAtResponse,
  type ReadEventsResponse,
  type UpdateResponse,
  type VerifyResponse,
} from '#libs/proto';
import { RunningController, errorBody, tempDataDir, type ConfigApi, type Json } from './config-api-support.js';
import { ControllerProcess } from './controller-process.js';

const PROJECT = ['default-domain', 'default-project'];

type Callback<T> = (error: ServiceError | null, response: T) => void;

function unary<T>(start: (metadata: Metadata, callback: Callback<T>) => unknown, metadata = new Metadata()): Promise<T> {
  return new Promise((resolve, reject) => start(metadata, (error, response) => (error ? reject(error) : resolve(response))));
}

async function refusal(work: () => Promise<unknown>): Promise<ServiceError> {
  try {
    await work();
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail');
}

const withoutHrefs = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutHrefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'href' && k !== 'parent_href').map(([k, v]) => [k, withoutHrefs(v)]));
};

const as = (actor: string) => ({ headers: { 'X-User-Name': actor } });

let data: ReturnType<typeof tempDataDir>;
let controller: RunningController;
let api: ConfigApi;
let audit: AuditServiceClient;
let config: ConfigServiceClient;
let grpcAddress: string;

/** The history: positions after each write, and what GET answered right then. */
const at: Record<string, number> = {};
const seen: Record<string, Json> = {};
let blue: string;
let red: string;
let policy: string;
let project: string;

/** Writes with REST, answers the X-Log-Position. */
async function write(method: 'POST' | 'PUT' | 'DELETE', path: string, body: unknown, actor: string): Promise<number> {
  const answer = await api.request(method, path, body, as(actor));
  if (answer.status !== 200) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return Number(answer.headers.get('x-log-position'));
}

/** GET /virtual-network/<uuid> once the state holds `position`. */
const readBlue = (position: number) => api.read('virtual-network', blue, `?position=${position}`);

beforeAll(async () => {
  data = tempDataDir();
  // Snapshots every few events: as-of reads and diffs fold from a snapshot plus a tail, not just from zero.
  controller = await RunningController.start(data.path, { AUDIT_SNAPSHOT_EVERY: '4' });
  api = controller.api;
  grpcAddress = controller.process.lines.find((l) => l.msg === 'listening')!.grpc as string;
  audit = new AuditServiceClient(grpcAddress, credentials.createInsecure());
  config = new ConfigServiceClient(grpcAddress, credentials.createInsecure());
  project = await api.uuidOf('project', PROJECT);

  const created = await api.post('/virtual-networks', { 'virtual-network': { fq_name: [...PROJECT, 'blue'], parent_type: 'project', display_name: 'Blue' } }, as('alice'));
  blue = created.body['virtual-network'].uuid;
  at.blueCreated = Number(created.headers.get('x-log-position'));
  seen.blueCreated = await readBlue(at.blueCreated);

  const allow = await api.post('/network-policys', { 'network-policy': { fq_name: [...PROJECT, 'allow'], parent_type: 'project' } }, as('bob'));
  policy = allow.body['network-policy'].uuid;
  at.policyCreated = Number(allow.headers.get('x-log-position'));

  at.renamed = await write('PUT', `/virtual-network/${blue}`, { 'virtual-network': { display_name: 'Navy' } }, 'bob');
  seen.renamed = await readBlue(at.renamed);

  const refs = [{ to: [...PROJECT, 'allow'], attr: { sequence: { major: 0, minor: 0 } } }];
  at.attached = await write('PUT', `/virtual-network/${blue}`, { 'virtual-network': { network_policy_refs: refs } }, 'carol');
  seen.attached = await readBlue(at.attached);

  const createdRed = await api.post('/virtual-networks', { 'virtual-network': { fq_name: [...PROJECT, 'red'], parent_type: 'project' } }, as('alice'));
  red = createdRed.body['virtual-network'].uuid;
  at.redCreated = Number(createdRed.headers.get('x-log-position'));
  seen.redCreated = await api.read('virtual-network', red, `?position=${at.redCreated}`);

  at.redDeleted = await write('DELETE', `/virtual-network/${red}`, undefined, 'bob');

  const md = new Metadata();
  md.set('x-user-name', 'dave');
  const update = UpdateRequest.fromPartial({ type: 'virtual-network', uuid: blue, objectJson: JSON.stringify({ display_name: 'Azure' }) });
  at.overGrpc = (await unary<UpdateResponse>((m, cb) => config.update(update, m, cb), md)).position;
  seen.overGrpc = await readBlue(at.overGrpc);
});

afterAll(async () => {
  audit?.close();
  config?.close();
  await controller?.process.ensureStopped();
  data?.remove();
});

/** Every event of the log, through /audit/events pages of `limit`. */
async function allEvents(query = '', limit = 1000): Promise<Json[]> {
  const events: Json[] = [];
  let after = 0;
  for (;;) {
    const answer = await api.get(`/audit/events?limit=${limit}&after=${after}${query}`);
    expect(answer.status).toBe(200);
    events.push(...answer.body.events);
    if (answer.body.next === null) return events;
    after = answer.body.next;
  }
}

describe('GET /audit/events', () => {
  it('pages through the whole log with the cursor, in position order', async () => {
    const head = await api.head();
    const paged = await allEvents('', 7);
    expect(paged.map((e) => e.globalPosition)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    expect(paged.map((e) => e.eventId)).toEqual((await allEvents()).map((e) => e.eventId));
    const first = await api.get('/audit/events?limit=7');
    expect(first.body.next).toBe(7);
    expect(Object.keys(first.body.events[0]).sort()).toEqual(['data', 'eventId', 'globalPosition', 'metadata', 'recordedAt', 'streamId', 'streamRevision', 'type']);
  });

  it('filters by actor: each actor sees exactly its own writes, with the REST or gRPC source', async () => {
    const all = await allEvents();
    for (const actor of ['alice', 'bob', 'carol', 'dave']) {
      const mine = await allEvents(`&actor=${actor}`);
      expect(mine.map((e) => e.eventId)).toEqual(all.filter((e) => e.metadata.actor === actor).map((e) => e.eventId));
      expect(mine.length).toBeGreaterThan(0);
    }
    const bob = await allEvents('&actor=bob&type=VirtualNetworkUpdated,VirtualNetworkDeleted,NetworkPolicyCreated');
    expect(bob.map((e) => [e.type, e.globalPosition])).toEqual([
      ['NetworkPolicyCreated', at.policyCreated],
      ['VirtualNetworkUpdated', at.renamed],
      ['VirtualNetworkDeleted', at.redDeleted],
    ]);
    const grpc = await allEvents('&source=grpc');
    expect(grpc.map((e) => [e.type, e.metadata.actor, e.globalPosition])).toEqual([['VirtualNetworkUpdated', 'dave', at.overGrpc]]);
  });

  it('finds one object by uuid: its stream, its name reservation and what was allocated to it', async () => {
    const events = await allEvents(`&uuid=${blue.toUpperCase()}`);
    const types = events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['FqNameReserved', 'NumberAllocated', 'VirtualNetworkCreated']));
    expect(types.filter((t) => t === 'VirtualNetworkUpdated')).toHaveLength(3);
    expect(events.every((e) => e.streamId.endsWith(blue) || e.data.uuid === blue || e.data.owner === blue)).toBe(true);
    const stream = await allEvents(`&stream=virtual-network-${blue}`);
    expect(stream.map((e) => e.streamRevision)).toEqual([0, 1, 2, 3]);
  });

  it('finds a deleted object by its fq_name, from its reservation to its release', async () => {
    const events = await allEvents(`&object_type=virtual-network&fq_name=${PROJECT.join(':')}:red`);
    expect(events[0].type).toBe('FqNameReserved');
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['VirtualNetworkCreated', 'VirtualNetworkDeleted', 'FqNameReleased', 'NumberReleased']));
    expect(events.every((e) => e.data.uuid === red || e.data.owner === red || e.streamId.endsWith(red))).toBe(true);
    const networks = await allEvents('&object_type=virtual-network&type=VirtualNetworkCreated');
    expect(networks.map((e) => e.data.uuid)).toEqual([blue, red]);
  });

  it('bounds by position (after, before) and by time (since, until)', async () => {
    const all = await allEvents();
    const window = await api.get(`/audit/events?after=${at.policyCreated}&before=${at.attached + 1}`);
    expect(window.body.events.map((e: Json) => e.globalPosition)).toEqual(
      all.filter((e) => e.globalPosition > at.policyCreated && e.globalPosition <= at.attached).map((e) => e.globalPosition),
    );
    expect(window.body.next).toBeNull();
    const renamed = all.find((e) => e.globalPosition === at.renamed)!;
    const attached = all.find((e) => e.globalPosition === at.attached)!;
    const times = await allEvents(`&since=${renamed.recordedAt}&until=${attached.recordedAt}`);
    expect(times.map((e) => e.globalPosition)).toEqual(
      all.filter((e) => e.recordedAt >= renamed.recordedAt && e.recordedAt < attached.recordedAt).map((e) => e.globalPosition),
    );
    expect(times.map((e) => e.globalPosition)).toContain(at.renamed);
  });
});

describe('objects and projects as of a position or a time', () => {
  const asOf = (uuid: string, query: string) => api.get(`/audit/objects/${uuid}?${query}`);

  it('answers each object exactly as GET did at that position', async () => {
    for (const point of ['blueCreated', 'renamed', 'attached', 'overGrpc']) {
      const answer = await asOf(blue, `position=${at[point]}`);
      expect({ point, status: answer.status }).toEqual({ point, status: 200 });
      expect(answer.body).toEqual({ 'virtual-network': seen[point] });
      expect(answer.headers.get('x-log-position')).toBe(String(at[point]));
    }
    // Between two writes of blue, it stays as the first one left it.
    expect((await asOf(blue, `position=${at.attached - 1}`)).body).toEqual({ 'virtual-network': seen.renamed });
    expect((await asOf(red, `position=${at.redCreated}`)).body).toEqual({ 'virtual-network': seen.redCreated });
  });

  it('answers by time: the last position recorded at or before it', async () => {
    const [event] = (await api.get(`/audit/events?after=${at.renamed - 1}&limit=1`)).body.events;
    const answer = await asOf(blue, `time=${event.recordedAt}`);
    expect(answer.status).toBe(200);
    // Events written in the same millisecond share a time: the answer is at the renaming or a little after.
    expect(answer.body['virtual-network'].display_name).toBe('Navy');
    expect(Number(answer.headers.get('x-log-position'))).toBeGreaterThanOrEqual(at.renamed);
    expect(Number(answer.headers.get('x-log-position'))).toBeLessThan(at.overGrpc);
  });

  it('is a 404 before the object was created and after it was deleted', async () => {
    const before = await asOf(blue, `position=${at.blueCreated - 1}`);
    expect(before.status).toBe(404);
    expect(before.body).toEqual(errorBody(404, `no object had uuid ${blue} at log position ${at.blueCreated - 1}`));
    expect((await asOf(red, `position=${at.redDeleted}`)).status).toBe(404);
  });

  it('answers a project and everything under it, as it was', async () => {
    const when = await api.get(`/audit/projects/${project}?position=${at.redCreated}`);
    expect(when.status).toBe(200);
    expect(when.body.position).toBe(at.redCreated);
    const names = when.body.objects.map((o: Json) => Object.values(o)[0] as Json).map((o: Json) => o.fq_name.join(':'));
    expect(names[0]).toBe(PROJECT.join(':'));
    expect(names).toEqual(expect.arrayContaining([`${PROJECT.join(':')}:blue`, `${PROJECT.join(':')}:red`, `${PROJECT.join(':')}:allow`]));
    expect(when.body.objects).toContainEqual({ 'virtual-network': seen.redCreated });
    const after = await api.get(`/audit/projects/${project}?position=${at.redDeleted}`);
    expect(after.body.objects.length).toBe(when.body.objects.length - 1);
    expect(JSON.stringify(after.body)).not.toContain(red);
  });
});

describe('GET /audit/diff', () => {
  it('names exactly the fields that changed, their values, and who changed them', async () => {
    const answer = await api.get(`/audit/diff?from=${at.policyCreated}&to=${at.attached}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ from: at.policyCreated, to: at.attached, created: [], deleted: [] });
    expect(answer.body.changed).toHaveLength(1);
    const [change] = answer.body.changed;
    expect(change).toMatchObject({ type: 'virtual-network', uuid: blue, fq_name: [...PROJECT, 'blue'] });
    expect(change.fields.map((f: Json) => f.field)).toEqual(['display_name', 'network_policy_refs']);
    expect(change.fields[0]).toEqual({ field: 'display_name', before: 'Blue', after: 'Navy' });
    expect(change.fields[1]).toMatchObject({ before: null, after: [{ uuid: policy }] });
    expect(change.events.map((e: Json) => [e.actor, e.source, e.position, e.type])).toEqual([
      ['bob', 'rest', at.renamed, 'VirtualNetworkUpdated'],
      ['carol', 'rest', at.attached, 'VirtualNetworkUpdated'],
    ]);
  });

  it('lists creations and deletions, and takes times and the head as the default end', async () => {
    const created = (await api.get(`/audit/diff?from=${at.attached}&to=${at.redCreated}`)).body;
    expect(created.created.map((c: Json) => [c.uuid, c.events[0].actor])).toEqual([[red, 'alice']]);
    const deleted = (await api.get(`/audit/diff?from=${at.redCreated}`)).body;
    expect(deleted.to).toBe(await api.head());
    expect(deleted.deleted.map((c: Json) => [c.uuid, c.events.at(-1).actor])).toEqual([[red, 'bob']]);
    expect(deleted.changed.map((c: Json) => [c.uuid, c.events[0].actor, c.events[0].source])).toEqual([[blue, 'dave', 'grpc']]);
    const [event] = (await api.get(`/audit/events?after=${at.redCreated}&limit=1`)).body.events;
    const byTime = (await api.get(`/audit/diff?from_time=${event.recordedAt}&to=${at.redDeleted}`)).body;
    expect(byTime.from).toBeGreaterThanOrEqual(at.redCreated);
    expect(byTime.to).toBe(at.redDeleted);
  });
});

describe('POST /audit/verify and GET /audit/export', () => {
  it('verify: the live state is what a replay of the log gives', async () => {
    const answer = await api.post('/audit/verify', undefined);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: true, position: await api.head() });
    expect(answer.body.liveDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(answer.body.rebuiltDigest).toBe(answer.body.liveDigest);
    expect(answer.body.firstDivergence).toBeUndefined();
  });

  it('export: the whole log as NDJSON, one event per line in position order', async () => {
    const res = await fetch(`${api.base}/audit/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const head = await api.head();
    expect(res.headers.get('x-log-position')).toBe(String(head));
    const text = await res.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Json);
    expect(lines.map((e) => e.globalPosition)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    expect(lines).toEqual(await allEvents());
  });
});

describe('bad input: a clear 400 or 404, and nothing written', () => {
  it.each([
    ['/audit/events?limit=0', 400, 'limit must be an integer from 1 to 1000'],
    ['/audit/events?limit=5000', 400, 'limit must be an integer from 1 to 1000'],
    ['/audit/events?after=-3', 400, 'after must be an integer >= 0'],
    ['/audit/events?since=last-week', 400, 'since must be an ISO 8601 time'],
    ['/audit/events?until=2026-11-26T10:00:00', 400, 'a time needs Z or an offset'],
    ['/audit/events?fq_name=default-domain:default-project:blue', 400, 'fq_name needs object_type'],
    ['/audit/events?actor=a&actor=b', 400, 'actor takes one value'],
    ['/audit/events?user=alice', 400, 'unknown parameter user'],
    ['/audit/objects/BLUE', 400, 'position (a log position) or time (an ISO 8601 time) is required'],
    ['/audit/objects/BLUE?position=two', 400, 'position must be a log position'],
    ['/audit/objects/BLUE?position=1&time=2026-11-26', 400, 'give position or time, not both'],
    ['/audit/objects/BLUE?position=999999', 400, 'position 999999 is beyond the head of the log'],
    ['/audit/objects/BLUE?at=3', 400, 'unknown parameter at; it takes position, time'],
    ['/audit/objects/00000000-0000-4000-8000-000000000000?position=1', 404, 'no object had uuid'],
    ['/audit/projects/BLUE?position=HEAD', 404, 'was a virtual-network at log position'],
    ['/audit/diff', 400, 'from (a log position) or from_time (an ISO 8601 time) is required'],
    ['/audit/diff?from=5&to=3', 400, 'the diff must go forward: from (5) is after to (3)'],
    ['/audit/diff?from=x', 400, 'from must be a log position'],
    ['/audit/diff?from=1&to_time=soon', 400, 'to_time must be an ISO 8601 time'],
    ['/audit/diff?from=0&to=999999', 400, 'to 999999 is beyond the head of the log'],
    ['/audit/export?after=3', 400, 'unknown parameter after; it takes none'],
  ])('GET %s → %d', async (path, status, message) => {
    const head = await api.head();
    const answer = await api.expectNothingWritten(() => api.get(path.replace('BLUE', blue).replace('HEAD', String(head))));
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual(errorBody(status, message));
  });

  it('POST /audit/verify refuses parameters', async () => {
    const answer = await api.expectNothingWritten(() => api.post('/audit/verify?deep=1', undefined));
    expect(answer.body).toEqual(errorBody(400, 'unknown parameter deep; it takes none'));
  });
});

describe('contrail.audit.v1.AuditService', () => {
  const call = {
    readEvents: (req: Partial<ReadEventsRequest>) => unary<ReadEventsResponse>((m, cb) => audit.readEvents(ReadEventsRequest.fromPartial(req), m, cb)),
    objectAt: (req: Partial<ObjectAtRequest>) => unary<ObjectAtResponse>((m, cb) => audit.objectAt(ObjectAtRequest.fromPartial(req), m, cb)),
    projectAt: (req: Partial<ProjectAtRequest>) => unary<ProjectAtResponse>((m, cb) => audit.projectAt(ProjectAtRequest.fromPartial(req), m, cb)),
    diff: (req: Partial<DiffRequest>) => unary<DiffResponse>((m, cb) => audit.diff(DiffRequest.fromPartial(req), m, cb)),
    verify: () => unary<VerifyResponse>((m, cb) => audit.verify({}, m, cb)),
  };

  it('is SERVING in grpc.health.v1', async () => {
    const health = new HealthClient(grpcAddress, credentials.createInsecure());
    try {
      const status = await unary<HealthCheckResponse>((m, cb) => health.check({ service: 'contrail.audit.v1.AuditService' }, m, cb));
      expect(status).toEqual({ status: ServingStatus.SERVING });
    } finally {
      health.close();
    }
  });

  it('ReadEvents answers the same events as REST, and pages with next', async () => {
    const rest = await allEvents('&actor=bob');
    const events = [];
    let after = 0;
    for (;;) {
      const page = await call.readEvents({ actor: 'bob', after, limit: 2 });
      events.push(...page.events);
      if (page.next === undefined) break;
      after = page.next;
    }
    expect(events.map((e) => e.eventId)).toEqual(rest.map((e) => e.eventId));
    expect(events.map((e) => JSON.parse(e.dataJson))).toEqual(rest.map((e) => e.data));
    expect(JSON.parse(events[0].metadataJson)).toMatchObject({ actor: 'bob', source: 'rest' });
    const byName = await call.readEvents({ objectType: 'virtual-network', fqName: [...PROJECT, 'red'], types: ['VirtualNetworkCreated', 'VirtualNetworkDeleted'] });
    expect(byName.events.map((e) => e.globalPosition)).toEqual([at.redCreated, at.redDeleted]);
    expect(byName.next).toBeUndefined();
  });

  it('ObjectAt and ProjectAt render as Get would have, without hrefs', async () => {
    const renamed = await call.objectAt({ uuid: blue, at: { $case: 'position', value: at.renamed } });
    expect(renamed).toMatchObject({ type: 'virtual-network', position: at.renamed });
    expect(JSON.parse(renamed.objectJson)).toEqual(withoutHrefs({ 'virtual-network': seen.renamed }));
    const [event] = (await api.get(`/audit/events?after=${at.overGrpc - 1}&limit=1`)).body.events;
    const byTime = await call.objectAt({ uuid: blue, at: { $case: 'time', value: event.recordedAt } });
    expect(JSON.parse(byTime.objectJson)['virtual-network'].display_name).toBe('Azure');
    const tree = await call.projectAt({ uuid: project, at: { $case: 'position', value: at.redCreated } });
    const rest = (await api.get(`/audit/projects/${project}?position=${at.redCreated}`)).body;
    expect(tree.position).toBe(at.redCreated);
    expect(tree.objectsJson.map((j) => JSON.parse(j))).toEqual(withoutHrefs(rest.objects));
  });

  it('Diff names the changed fields as JSON text and the actors', async () => {
    const diff = await call.diff({ from: { $case: 'fromPosition', value: at.policyCreated }, to: { $case: 'toPosition', value: at.attached } });
    expect(diff).toMatchObject({ from: at.policyCreated, to: at.attached, created: [], deleted: [] });
    const [change] = diff.changed;
    expect(change.fields.map((f) => [f.field, f.beforeJson])).toEqual([
      ['display_name', '"Blue"'],
      ['network_policy_refs', ''],
    ]);
    expect(change.fields[0].afterJson).toBe('"Navy"');
    expect(change.events.map((e) => e.actor)).toEqual(['bob', 'carol']);
  });

  it('Verify reports ok with both digests', async () => {
    const report = await call.verify();
    expect(report).toMatchObject({ ok: true, position: await api.head() });
    expect(report.rebuiltDigest).toBe(report.liveDigest);
    expect(report.firstDivergence).toBeUndefined();
  });

  it('refuses bad requests with INVALID_ARGUMENT or NOT_FOUND naming the field', async () => {
    const cases: Array<[() => Promise<unknown>, GrpcStatus, string, string?]> = [
      [() => call.readEvents({ since: 'yesterday' }), GrpcStatus.INVALID_ARGUMENT, 'since must be an ISO 8601 time', 'since'],
      [() => call.readEvents({ limit: 5000 }), GrpcStatus.INVALID_ARGUMENT, 'limit must be an integer from 1 to 1000', 'limit'],
      [() => call.readEvents({ fqName: ['a'] }), GrpcStatus.INVALID_ARGUMENT, 'fq_name needs object_type', 'object_type'],
      [() => call.objectAt({ uuid: blue }), GrpcStatus.INVALID_ARGUMENT, 'position or time is required', 'position'],
      [() => call.objectAt({ at: { $case: 'position', value: 1 } }), GrpcStatus.INVALID_ARGUMENT, 'uuid is required', 'uuid'],
      [() => call.objectAt({ uuid: blue, at: { $case: 'time', value: 'noon' } }), GrpcStatus.INVALID_ARGUMENT, 'time must be an ISO 8601 time', 'time'],
      [() => call.objectAt({ uuid: blue, at: { $case: 'position', value: at.blueCreated - 1 } }), GrpcStatus.NOT_FOUND, 'no object had uuid'],
      [() => call.projectAt({ uuid: blue, at: { $case: 'position', value: at.blueCreated } }), GrpcStatus.NOT_FOUND, 'not a project'],
      [() => call.diff({}), GrpcStatus.INVALID_ARGUMENT, 'from_position or from_time is required', 'from_position'],
      [() => call.diff({ from: { $case: 'fromPosition', value: 999999 } }), GrpcStatus.INVALID_ARGUMENT, 'from 999999 is beyond the head'],
    ];
    const head = await api.head();
    for (const [work, code, message, field] of cases) {
      const error = await refusal(work);
      expect({ message, code: error.code, details: error.details }).toEqual({ message, code, details: expect.stringContaining(message) });
      if (field) expect(error.metadata.get('x-error-field')).toEqual([field]);
    }
    expect(await api.head()).toBe(head);
  });
});

describe('AUDIT_SNAPSHOT_EVERY', () => {
  it('a bad value stops the start with exit code 2 and a message naming it, like every other variable', async () => {
    const dir = tempDataDir();
    const process = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', DATA_DIR: dir.path, AUDIT_SNAPSHOT_EVERY: '0', LOG_LEVEL: 'loud' });
    try {
      const exit = await process.exited;
      expect(exit.code).toBe(2);
      // Reported with the other bad variables, before anything is opened.
      expect(process.transcript()).toContain('AUDIT_SNAPSHOT_EVERY=\\"0\\" is not allowed: expected an integer from 1 to 100000000 (events between snapshots)');
      expect(process.transcript()).toContain('LOG_LEVEL=\\"loud\\" is not allowed');
      expect(existsSync(join(dir.path, 'events.db'))).toBe(false);
    } finally {
      await process.ensureStopped();
      dir.remove();
    }
  });
});
