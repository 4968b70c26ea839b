// Authentication and authorization end to end (DESIGN §8): the built all-in-one controller with a token file (one
// token per role), JWT keys (RS256 and ES256 public keys, an HS256 secret) and an issuer and audience, driven over
// real HTTP and gRPC. Each role is let through or refused as README "Authentication and roles" says, 401 and 403
// tell an unknown caller from a known one, every refused write leaves exactly one CommandRefused event (the log's
// head moves by one, nothing else is written, the config state's digest is unchanged), and credential files are
// re-read while the controller runs.
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateRequest,
  DeleteRequest,
  GetRequest,
  ListRequest,
  ReadEventsRequest,
  UpdateRequest,
  WatchRequest,
  type CreateResponse,
  type DeleteResponse,
  type GetResponse,
  type ListResponse,
  type ReadEventsResponse,
  type UpdateResponse,
} from '#libs/proto';
import { keyPair } from '../../libs/security/src/jwt-signer.test.js';
import { ControllerProcess } from './controller-process.js';
import { AuthFixture, Grpc, RefusalPace, Rest, TOKENS, bearer, grpcRefusal, ownedBy, tokenFileText, unary, type Answer, type Json } from './support/auth-fixtures.js';

jest.setTimeout(60_000);

const PROJECT = ['default-domain', 'default-project'];
const GSC = 'default-global-system-config';

let fixture: AuthFixture;
let dataDir: string;
let controller: ControllerProcess;
let rest: Rest;
let grpc: Grpc;
const pace = new RefusalPace();

beforeAll(async () => {
  fixture = new AuthFixture();
  dataDir = mkdtempSync(join(tmpdir(), 'contrail-auth-data-'));
  controller = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '3000', ...fixture.env() });
  const listening = await controller.waitForLine((line) => line.msg === 'listening');
  rest = new Rest(listening.rest as string);
  grpc = new Grpc(listening.grpc as string);
});

afterAll(async () => {
  grpc?.close();
  await controller?.ensureStopped();
  fixture?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

let networks = 0;
/** A virtual network made by the operator; answers its uuid. */
async function network(extra: Json = {}): Promise<string> {
  const answer = await rest.call('POST', '/virtual-networks', TOKENS.operator, { 'virtual-network': { fq_name: [...PROJECT, `net-${++networks}`], parent_type: 'project', ...extra } });
  if (answer.status !== 200) throw new Error(`creating a network answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body['virtual-network'].uuid as string;
}

/**
 * Runs a write that must be refused and checks what it left: exactly one event, a CommandRefused on the refusals'
 * stream, whose data is `expected`; and that /audit/refusals shows it. Answers the refusal's answer and its event.
 */
async function refusedWrite<T>(send: () => Promise<T>, expected: Json): Promise<{ answer: T; event: Json }> {
  await pace.next();
  const before = await rest.head();
  const answer = await send();
  expect(await rest.head()).toBe(before + 1);
  const events = await rest.eventsAfter(before);
  expect(events.map((e) => [e.type, e.streamId])).toEqual([['CommandRefused', 'command-refusals']]);
  expect(events[0].data).toEqual(expect.objectContaining(expected));
  const listed = await rest.call('GET', `/audit/refusals?after=${before}`, TOKENS.reader);
  expect(listed.body.refusals).toEqual([expect.objectContaining({ position: before + 1, ...expected })]);
  return { answer, event: events[0] };
}

/** The metadata of the one resource event an accepted write left after `before`. */
async function metadataAfter(before: number, type: string): Promise<Json> {
  const events = (await rest.eventsAfter(before)).filter((e) => e.type === type);
  expect(events).toHaveLength(1);
  return events[0].metadata;
}

describe('start-up', () => {
  it('logs the credentials in force, and no anonymous access', async () => {
    const line = await controller.waitForLine((l) => l.msg === 'authentication');
    expect(line).toMatchObject({ level: 'info', context: 'Auth', tokens: 5, jwtKeys: '1 RS256, 1 ES256, HS256', anonymous: 'off', issuer: 'https://idp.test', audience: 'contrail' });
    expect(controller.lines.filter((l) => /anonymous access/.test(l.msg))).toEqual([]);
  });
});

describe('REST', () => {
  it('keeps /health, /metrics and /docs open', async () => {
    for (const path of ['/health', '/metrics', '/docs', '/docs/openapi.json']) expect([path, (await rest.call('GET', path)).status]).toEqual([path, 200]);
  });

  it('refuses a read without credentials: 401 with WWW-Authenticate: Bearer, a message saying how, nothing written', async () => {
    const before = await rest.head();
    for (const path of ['/virtual-networks', '/', '/control/agents', '/audit/events', '/audit/refusals']) {
      const answer = await rest.call('GET', path);
      expect([path, answer.status, answer.headers.get('www-authenticate')]).toEqual([path, 401, 'Bearer realm="contrail"']);
      expect(answer.body).toMatchObject({ statusCode: 401, message: expect.stringMatching(/^authentication required: send Authorization: Bearer <token>/) });
    }
    expect(await rest.head()).toBe(before);
  });

  it('refuses an unknown token with 401 and error="invalid_token", whatever the route', async () => {
    const answer = await rest.call('GET', '/virtual-networks', 'not-a-token-we-know-1234');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="contrail", error="invalid_token", error_description="bearer token refused: it is not a known API token"');
    const basic = await rest.call('GET', '/virtual-networks', undefined, undefined, { authorization: 'Basic YWxpY2U6cHc=' });
    expect([basic.status, basic.body.message]).toEqual([401, expect.stringMatching(/the "Basic" scheme is not accepted, only Bearer/)]);
  });

  describe('each role', () => {
    const roles = ['admin', 'operator', 'reader', 'east'] as const;

    it.each(roles)('%s reads config and control views (GET, and the POSTs that only look up)', async (role) => {
      const token = TOKENS[role];
      expect((await rest.call('GET', '/virtual-networks', token)).status).toBe(200);
      expect((await rest.call('GET', '/control/clusters', token)).status).toBe(200);
      expect((await rest.call('POST', '/fqname-to-id', token, { type: 'project', fq_name: PROJECT })).status).toBe(200);
      expect((await rest.call('POST', '/list-bulk-collection', token, { type: 'project' })).status).toBe(200);
    });

    it.each([
      ['admin', 200],
      ['operator', 200],
      ['reader', 200],
      ['east', 403],
    ] as const)('%s reading the audit trail: %d', async (role, status) => {
      for (const [method, path] of [['GET', '/audit/events?limit=1'], ['POST', '/audit/verify'], ['GET', '/audit/refusals']] as const) {
        const answer = await rest.call(method, path, TOKENS[role]);
        expect([path, answer.status]).toEqual([path, status]);
        if (status === 403) expect(answer.body.message).toBe(`kubemanager:east (kubemanager:east) may not ${method} ${path.split('?')[0]}: it needs the role reader, operator or admin`);
      }
    });

    it.each(['admin', 'operator'] as const)('%s writes config: create, update, ref-update, prop-collection-update, delete', async (role) => {
      const token = TOKENS[role];
      const created = await rest.call('POST', '/network-policys', token, { 'network-policy': { fq_name: [...PROJECT, `policy-${role}`], parent_type: 'project' } });
      expect(created.status).toBe(200);
      const policy = created.body['network-policy'].uuid as string;
      const vn = await network();
      expect((await rest.call('PUT', `/virtual-network/${vn}`, token, { 'virtual-network': { display_name: role } })).status).toBe(200);
      const ref = { operation: 'ADD', type: 'virtual-network', uuid: vn, 'ref-type': 'network-policy', 'ref-uuid': policy, attr: { sequence: { major: 0, minor: 0 } } };
      expect((await rest.call('POST', '/ref-update', token, ref)).status).toBe(200);
      expect((await rest.call('POST', '/ref-update', token, { ...ref, operation: 'DELETE' })).status).toBe(200);
      const annotate = { uuid: vn, updates: [{ field: 'annotations', operation: 'set', value: { key: 'team', value: role } }] };
      expect((await rest.call('POST', '/prop-collection-update', token, annotate)).status).toBe(200);
      expect((await rest.call('DELETE', `/virtual-network/${vn}`, token)).status).toBe(200);
      expect((await rest.call('DELETE', `/network-policy/${policy}`, token)).status).toBe(200);
    });
  });

  describe('refused writes: the answer, and exactly one CommandRefused event', () => {
    let vn: string;
    beforeAll(async () => {
      vn = await network();
    });

    it('no credentials: 401, recorded as unauthenticated with the object it named', async () => {
      const { answer } = await refusedWrite(
        () => rest.call('POST', '/virtual-networks', undefined, { 'virtual-network': { fq_name: [...PROJECT, 'intruder'], parent_type: 'project' } }),
        { actor: 'unauthenticated', protocol: 'rest', operation: 'create', request: 'POST /virtual-networks', type: 'virtual-network', fq_name: [...PROJECT, 'intruder'], status: 401, reason: 'missing-credentials', address: '127.0.0.1' },
      );
      expect([answer.status, answer.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="contrail"']);
    });

    it('an unknown token: 401 unknown-token', async () => {
      const { answer } = await refusedWrite(() => rest.call('PUT', `/virtual-network/${vn}`, 'guessed-token-000000000', { 'virtual-network': { display_name: 'x' } }), {
        actor: 'unauthenticated',
        operation: 'update',
        type: 'virtual-network',
        uuid: vn,
        status: 401,
        reason: 'unknown-token',
      });
      expect(answer.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    });

    const readerWrites: Array<[operation: string, method: string, path: () => string, body: () => Json]> = [
      ['delete', 'DELETE', () => `/virtual-network/${vn}`, () => undefined],
      ['ref-update', 'POST', () => '/ref-update', () => ({ operation: 'ADD', type: 'virtual-network', uuid: vn, 'ref-type': 'network-policy', 'ref-fq-name': [...PROJECT, 'p'] })],
      ['prop-collection-update', 'POST', () => '/prop-collection-update', () => ({ uuid: vn, updates: [{ field: 'annotations', operation: 'set', value: { key: 'a', value: '1' } }] })],
    ];
    it.each(readerWrites)('a reader\'s %s: 403 naming the role it needs', async (operation, method, path, body) => {
      const { answer } = await refusedWrite(() => rest.call(method, path(), TOKENS.reader, body()), { actor: 'bob', operation, uuid: vn, status: 403, reason: 'role' });
      expect(answer.status).toBe(403);
      expect(answer.body.message).toBe(`bob (reader) may not ${method} ${path()}: it needs the role operator or admin`);
      expect(answer.headers.get('www-authenticate')).toBeNull();
    });

    it('a kubemanager deleting its owner annotation with prop-collection-update: 403, the object unchanged', async () => {
      const vm = (await rest.call('POST', '/virtual-machines', TOKENS.admin, { 'virtual-machine': { fq_name: ['east__default__pcu'], annotations: { key_value_pair: [{ key: 'owner', value: 'k8s' }, { key: 'cluster', value: 'east' }] } } })).body['virtual-machine'].uuid as string;
      const body = { uuid: vm, updates: [{ field: 'annotations', operation: 'delete', position: 'owner' }] };
      const { answer } = await refusedWrite(() => rest.call('POST', '/prop-collection-update', TOKENS.east, body), {
        actor: 'kubemanager:east',
        operation: 'prop-collection-update',
        type: 'virtual-machine',
        uuid: vm,
        fq_name: ['east__default__pcu'],
        status: 403,
        reason: 'scope',
      });
      expect(answer.body.message).toMatch(/the update would remove or change them on virtual-machine east__default__pcu \(cluster=east\)/);
      const read = await rest.call('GET', `/prop-collection-get?uuid=${vm}&fields=annotations`, TOKENS.east);
      expect(read.body.annotations.key_value_pair).toHaveLength(2);
    });

    it('an expired JWT: 401 saying it expired', async () => {
      const expired = fixture.jwt({ sub: 'dave', roles: ['operator'], exp: Math.floor(Date.now() / 1000) - 120 });
      const { answer } = await refusedWrite(() => rest.call('POST', '/projects', expired, { project: { fq_name: ['default-domain', 'late'] } }), {
        actor: 'unauthenticated',
        status: 401,
        reason: 'expired',
        message: expect.stringMatching(/^bearer token refused: the token expired at /),
      });
      expect(answer.body.message).toMatch(/expired at .* 30 s leeway/);
    });

    it('a kubemanager creating an object it does not own: 403 from the command path, recorded under its name', async () => {
      const { answer } = await refusedWrite(() => rest.call('POST', '/virtual-networks', TOKENS.east, { 'virtual-network': { fq_name: [...PROJECT, 'not-mine'], parent_type: 'project' } }), {
        actor: 'kubemanager:east',
        operation: 'create',
        type: 'virtual-network',
        fq_name: [...PROJECT, 'not-mine'],
        status: 403,
        reason: 'scope',
      });
      expect(answer.body.message).toMatch(/^kubemanager:east may write only the objects of cluster east \(annotations owner=k8s, cluster=east\): the new virtual-network does not carry them/);
    });

    it('left the config state as it was: verify finds every projection equal to its replay', async () => {
      const verify = await rest.call('POST', '/audit/verify', TOKENS.admin);
      expect(verify.body.ok).toBe(true);
      expect((await rest.call('GET', `/virtual-network/${vn}`, TOKENS.reader)).body['virtual-network'].display_name).not.toBe('x');
    });
  });

  describe('the actor of an accepted command', () => {
    it('is the token\'s actor; X-User-Name is ignored for a non-admin', async () => {
      const before = await rest.head();
      await rest.call('POST', '/projects', TOKENS.operator, { project: { fq_name: ['default-domain', 'alice-project'] } }, { 'x-user-name': 'mallory' });
      expect(await metadataAfter(before, 'ProjectCreated')).toMatchObject({ actor: 'alice', source: 'rest', authentication: 'token' });
    });

    it('is the user an admin acts for (X-User-Name), with the admin named as principal', async () => {
      const before = await rest.head();
      await rest.call('POST', '/projects', TOKENS.admin, { project: { fq_name: ['default-domain', 'carol-project'] } }, { 'x-user-name': 'carol' });
      expect(await metadataAfter(before, 'ProjectCreated')).toMatchObject({ actor: 'carol', principal: 'root', authentication: 'token' });
    });

    it.each([
      ['RS256', () => fixture.rsa.signing],
      ['ES256', () => fixture.ec.signing],
      ['HS256', () => fixture.hs],
    ] as const)('is the sub of an %s JWT', async (alg, key) => {
      const token = fixture.jwt({ sub: `jwt-${alg}`, roles: ['operator'] }, key());
      const before = await rest.head();
      const answer = await rest.call('POST', '/projects', token, { project: { fq_name: ['default-domain', `jwt-${alg}`] } });
      expect(answer.status).toBe(200);
      expect(await metadataAfter(before, 'ProjectCreated')).toMatchObject({ actor: `jwt-${alg}`, authentication: 'jwt' });
    });
  });

  describe('JWTs', () => {
    it('a reader JWT reads and may not write', async () => {
      const token = fixture.jwt({ sub: 'erin', roles: ['reader'] }, fixture.ec.signing);
      expect((await rest.call('GET', '/projects', token)).status).toBe(200);
      expect((await rest.call('POST', '/projects', token, { project: { fq_name: ['default-domain', 'erin'] } })).body.message).toBe(
        'erin (reader) may not POST /projects: it needs the role operator or admin',
      );
    });

    it.each([
      ['another issuer', () => fixture.jwt({ sub: 'x', roles: ['admin'], iss: 'https://evil.test' }), /issuer "https:\/\/evil.test" is not "https:\/\/idp.test"/],
      ['another audience', () => fixture.jwt({ sub: 'x', roles: ['admin'], aud: 'other' }), /audience "other" does not include "contrail"/],
      ['a key the server does not have', () => fixture.jwt({ sub: 'x', roles: ['admin'] }, keyPair('RS256').signing), /bad signature: it does not verify with the 1 configured RS256 key/],
      ['alg none', () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', roles: ['admin'] })).toString('base64url')}.`, /alg none is refused/],
      ['not valid yet', () => fixture.jwt({ sub: 'x', roles: ['admin'], nbf: Math.floor(Date.now() / 1000) + 300 }), /not valid before/],
    ])('refuses %s with 401 saying why', async (_what, token, message) => {
      const answer = await rest.call('GET', '/projects', token());
      expect([answer.status, answer.body.message]).toEqual([401, expect.stringMatching(message)]);
    });
  });

  describe('GET /audit/refusals', () => {
    it('filters by actor and pages with a cursor, as /audit/events does; the same events are there by type', async () => {
      const bob = await rest.call('GET', '/audit/refusals?actor=bob', TOKENS.operator);
      expect(bob.body.refusals.length).toBeGreaterThanOrEqual(3);
      expect(new Set(bob.body.refusals.map((r: Json) => r.actor))).toEqual(new Set(['bob']));
      const first = await rest.call('GET', '/audit/refusals?limit=1', TOKENS.reader);
      expect(first.body.refusals).toHaveLength(1);
      const second = await rest.call('GET', `/audit/refusals?limit=1&after=${first.body.next}`, TOKENS.reader);
      expect(second.body.refusals[0].position).toBeGreaterThan(first.body.refusals[0].position);
      const all = await rest.call('GET', '/audit/refusals?limit=1000', TOKENS.reader);
      const byType = await rest.call('GET', '/audit/events?type=CommandRefused&limit=1000', TOKENS.reader);
      expect(byType.body.events.map((e: Json) => e.globalPosition)).toEqual(all.body.refusals.map((r: Json) => r.position));
      const since = await rest.call('GET', `/audit/refusals?since=${new Date(Date.now() + 60_000).toISOString()}`, TOKENS.reader);
      expect(since.body).toEqual({ refusals: [], next: null });
    });

    it('refuses an unknown filter with 400 naming it', async () => {
      const answer = await rest.call('GET', '/audit/refusals?type=ProjectCreated', TOKENS.reader);
      expect([answer.status, answer.body.message]).toEqual([400, 'unknown parameter type; the filters are actor, since, until, after, before, limit']);
    });
  });
});

describe('gRPC', () => {
  const get = (token?: string) => unary<GetResponse>((cb) => grpc.config.get(GetRequest.fromPartial({ type: 'project', uuid: 'x' }), bearer(token), cb));
  const createVm = (token: string | undefined, name: string, body: Json = {}, md: Record<string, string> = {}) =>
    unary<CreateResponse>((cb) =>
      grpc.config.create(CreateRequest.fromPartial({ type: 'virtual-machine', objectJson: JSON.stringify({ 'virtual-machine': { fq_name: [name], ...body } }) }), bearer(token, md), cb),
    );
  const updateVm = (token: string, uuid: string, body: Json) =>
    unary<UpdateResponse>((cb) => grpc.config.update(UpdateRequest.fromPartial({ type: 'virtual-machine', uuid, objectJson: JSON.stringify(body) }), bearer(token), cb));
  const deleteVm = (token: string, uuid: string) => unary<DeleteResponse>((cb) => grpc.config.delete(DeleteRequest.fromPartial({ type: 'virtual-machine', uuid }), bearer(token), cb));
  const readEvents = (token?: string) => unary<ReadEventsResponse>((cb) => grpc.audit.readEvents(ReadEventsRequest.fromPartial({ limit: 1 }), bearer(token), cb));

  it('refuses a call without credentials: UNAUTHENTICATED, with the REST status and the same words', async () => {
    const error = await grpcRefusal(get());
    expect([error.code, error.details, error.metadata.get('x-http-status')]).toEqual([GrpcStatus.UNAUTHENTICATED, expect.stringMatching(/^authentication required/), ['401']]);
    expect((await grpcRefusal(readEvents('bad-token-000000000000'))).code).toBe(GrpcStatus.UNAUTHENTICATED);
  });

  it('records a refused Create without credentials as a gRPC refusal', async () => {
    const { answer } = await refusedWrite(() => grpcRefusal(createVm(undefined, 'anon-vm')), {
      actor: 'unauthenticated',
      protocol: 'grpc',
      operation: 'create',
      request: 'ConfigService/Create',
      type: 'virtual-machine',
      fq_name: ['anon-vm'],
      status: 401,
      address: '127.0.0.1',
    });
    expect(answer.code).toBe(GrpcStatus.UNAUTHENTICATED);
  });

  it('lets a reader Get, List and ReadEvents, and refuses its Create with PERMISSION_DENIED naming the role', async () => {
    expect((await grpcRefusal(get(TOKENS.reader))).code).toBe(GrpcStatus.NOT_FOUND);
    const listed = await unary<ListResponse>((cb) => grpc.config.list(ListRequest.fromPartial({ type: 'project' }), bearer(TOKENS.reader), cb));
    expect(JSON.parse(listed.json).projects.length).toBeGreaterThan(0);
    expect((await readEvents(TOKENS.reader)).events).toHaveLength(1);
    const { answer } = await refusedWrite(() => grpcRefusal(createVm(TOKENS.reader, 'reader-vm')), { actor: 'bob', protocol: 'grpc', status: 403, reason: 'role' });
    expect([answer.code, answer.details]).toEqual([GrpcStatus.PERMISSION_DENIED, 'bob (reader) may not ConfigService/Create: it needs the role operator or admin']);
  });

  it('refuses AuditService to a kubemanager, and Watch to a caller without credentials', async () => {
    const audit = await grpcRefusal(readEvents(TOKENS.east));
    expect([audit.code, audit.details]).toEqual([GrpcStatus.PERMISSION_DENIED, expect.stringMatching(/may not AuditService\/ReadEvents: it needs the role reader, operator or admin/)]);
    const watchError = await new Promise<ServiceError>((resolve) => {
      const stream = grpc.config.watch(WatchRequest.fromPartial({ fromPosition: 0 }), bearer());
      stream.on('error', resolve);
      stream.on('data', () => undefined);
    });
    expect(watchError.code).toBe(GrpcStatus.UNAUTHENTICATED);
  });

  it('lets a reader Watch', async () => {
    const first = await new Promise<Json>((resolve, reject) => {
      const stream = grpc.config.watch(WatchRequest.fromPartial({ fromPosition: 0 }), bearer(TOKENS.reader));
      stream.once('data', (event) => {
        resolve(event);
        stream.cancel();
      });
      stream.on('error', (error: ServiceError) => (error.code === GrpcStatus.CANCELLED ? undefined : reject(error)));
    });
    expect(first.position).toBeGreaterThan(0);
  });

  it('records the operator as the actor of its Create, whatever x-user-name says', async () => {
    const before = await rest.head();
    await createVm(TOKENS.operator, 'operator-vm', {}, { 'x-user-name': 'mallory' });
    expect(await metadataAfter(before, 'VirtualMachineCreated')).toMatchObject({ actor: 'alice', source: 'grpc', authentication: 'token' });
  });

  describe('a kubemanager token writes its own cluster\'s objects only', () => {
    let westVm: string;
    let userVm: string;
    beforeAll(async () => {
      westVm = (await createVm(TOKENS.admin, 'west__default__w', { annotations: ownedBy('west') })).uuid;
      userVm = (await createVm(TOKENS.operator, 'users-vm')).uuid;
    });

    it('creates, updates and deletes an object of its cluster, as kubemanager:east', async () => {
      const before = await rest.head();
      const created = await createVm(TOKENS.east, 'east__default__a', { annotations: ownedBy('east'), server_type: 'container' });
      expect(await metadataAfter(before, 'VirtualMachineCreated')).toMatchObject({ actor: 'kubemanager:east', source: 'grpc' });
      await updateVm(TOKENS.east, created.uuid, { display_name: 'a', annotations: ownedBy('east', 'Pod', 'uid-2') });
      await deleteVm(TOKENS.east, created.uuid);
    });

    it('records its cluster object when it is missing, and may not record another cluster\'s', async () => {
      const own = await unary<CreateResponse>((cb) =>
        grpc.config.create(CreateRequest.fromPartial({ type: 'cluster', objectJson: JSON.stringify({ cluster: { fq_name: [GSC, 'east'], parent_type: 'global-system-config', cluster_attached: true } }) }), bearer(TOKENS.east), cb),
      );
      expect(own.fqName).toEqual([GSC, 'east']);
      const { answer } = await refusedWrite(
        () =>
          grpcRefusal(
            unary((cb) => grpc.config.create(CreateRequest.fromPartial({ type: 'cluster', objectJson: JSON.stringify({ cluster: { fq_name: [GSC, 'west'], parent_type: 'global-system-config' } }) }), bearer(TOKENS.east), cb)),
          ),
        { actor: 'kubemanager:east', type: 'cluster', fq_name: [GSC, 'west'], status: 403, reason: 'scope' },
      );
      expect(answer.code).toBe(GrpcStatus.PERMISSION_DENIED);
    });

    it.each([
      ['create an object without the annotations', () => createVm(TOKENS.east, 'east__bare'), /the new virtual-machine does not carry them \(no owner annotations\)/],
      ['update another cluster\'s object', () => updateVm(TOKENS.east, westVm, { display_name: 'mine now' }), /virtual-machine west__default__w is not one of them \(owner=k8s, cluster=west\)/],
      ['delete another cluster\'s object', () => deleteVm(TOKENS.east, westVm), /virtual-machine west__default__w is not one of them/],
      ['update a user\'s object', () => updateVm(TOKENS.east, userVm, { display_name: 'x' }), /virtual-machine users-vm is not one of them \(no owner annotations\)/],
      ['delete a user\'s object', () => deleteVm(TOKENS.east, userVm), /users-vm is not one of them/],
    ])('may not %s: PERMISSION_DENIED, recorded, nothing else written', async (_what, call, message) => {
      const { answer } = await refusedWrite(() => grpcRefusal(call()), { actor: 'kubemanager:east', protocol: 'grpc', status: 403, reason: 'scope' });
      expect([answer.code, answer.details]).toEqual([GrpcStatus.PERMISSION_DENIED, expect.stringMatching(message)]);
    });

    it('may not take the annotations off its own object, nor hand it to another cluster', async () => {
      const mine = (await createVm(TOKENS.east, 'east__default__b', { annotations: ownedBy('east') })).uuid;
      for (const annotations of [{ key_value_pair: [] }, ownedBy('west')]) {
        const { answer } = await refusedWrite(() => grpcRefusal(updateVm(TOKENS.east, mine, { annotations })), { actor: 'kubemanager:east', operation: 'update', uuid: mine, reason: 'scope' });
        expect(answer.details).toMatch(/the update would remove or change them on virtual-machine east__default__b/);
      }
      const west = await grpcRefusal(updateVm(TOKENS.west, mine, { display_name: 'x' }));
      expect(west.details).toMatch(/^kubemanager:west may write only the objects of cluster west/);
    });
  });
});

describe('credential files re-read while running', () => {
  async function until(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const status = async (token: string) => (await rest.call('GET', '/projects', token)).status;

  it('takes a rotated token file: the new token works, the old one is refused, without a restart', async () => {
    const rotated = { ...TOKENS, reader: 'reader-token-rotated-0123456789' };
    writeFileSync(fixture.tokensFile, tokenFileText(rotated));
    await until(async () => (await status(rotated.reader)) === 200, 'the rotated reader token');
    expect(await status(TOKENS.reader)).toBe(401);
    writeFileSync(fixture.tokensFile, tokenFileText());
    await until(async () => (await status(TOKENS.reader)) === 200, 'the reader token back');
  });

  it('keeps the tokens in force when the new file is bad, and logs why', async () => {
    writeFileSync(fixture.tokensFile, `${tokenFileText()}short bob reader\n`);
    const line = await controller.waitForLine((l) => l.msg === 'credential file rejected: the previous credentials stay in force', 5000);
    expect(line).toMatchObject({ level: 'error', variable: 'AUTH_TOKENS_FILE', path: fixture.tokensFile, problem: 'line 8: the token is shorter than 16 characters (5)' });
    expect(JSON.stringify(line)).not.toContain(TOKENS.reader);
    expect(await status(TOKENS.reader)).toBe(200);
    writeFileSync(fixture.tokensFile, tokenFileText());
  });

  it('takes a rotated JWT key: tokens of the new key are accepted, of the old one refused', async () => {
    const next = keyPair('RS256');
    writeFileSync(fixture.keysFile, `${next.pem}${fixture.ec.pem}`);
    const fresh = fixture.jwt({ sub: 'rotated', roles: ['reader'] }, next.signing);
    await until(async () => (await status(fresh)) === 200, 'the new key');
    const old = await rest.call('GET', '/projects', fixture.jwt({ sub: 'old', roles: ['reader'] }));
    expect([old.status, old.body.message]).toEqual([401, expect.stringMatching(/bad signature/)]);
  });
});

describe('a flood of refused writes', () => {
  it('is answered in full, recorded at most 10 per address and second, the rest counted', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 10));
    const before = await rest.head();
    const answers: Answer[] = await Promise.all(
      Array.from({ length: 30 }, (_, i) => rest.call('POST', '/projects', undefined, { project: { fq_name: ['default-domain', `flood-${i}`] } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(401));
    const recorded = (await rest.head()) - before;
    expect(recorded).toBeGreaterThanOrEqual(10);
    expect(recorded).toBeLessThanOrEqual(20);
    const metrics = (await rest.call('GET', '/metrics')).body as string;
    expect(Number(/^contrail_auth_refusals_unrecorded_total (\d+)$/m.exec(metrics)?.[1])).toBe(30 - recorded);
    expect(Number(/^contrail_auth_refusals_total\{status="401",reason="missing-credentials"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(30);
    expect(metrics).toMatch(/^contrail_auth_refusals_total\{status="403",reason="scope"\} \d+$/m);
  });
});
