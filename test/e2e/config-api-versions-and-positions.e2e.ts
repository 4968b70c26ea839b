// Beyond Contrail, over real HTTP: ETag = the object's stream revision with If-Match / If-None-Match,
// Idempotency-Key on POST, X-Log-Position on every write, and reads that wait for `?position=N`.
import { RunningController, tempDataDir, tally, type Answer, type ConfigApi } from './config-api-support.js';

const READ_WAIT_MS = 5_000;

describe('config API: revisions, idempotency and log positions over HTTP', () => {
  const dir = tempDataDir();
  let controller: RunningController;
  let api: ConfigApi;
  /** A read for a position that never comes, started first so its 5 s wait overlaps the other tests. */
  let farRead: Promise<{ answer: Answer; elapsedMs: number; position: number }>;

  beforeAll(async () => {
    controller = await RunningController.start(dir.path);
    api = controller.api;
    const position = (await api.head()) + 1_000_000;
    const started = Date.now();
    farRead = api.get(`/domains?position=${position}`).then((answer) => ({ answer, elapsedMs: Date.now() - started, position }));
    // Awaited by the last test; until then a failure must not count as unhandled.
    farRead.catch(() => undefined);
  });

  afterAll(async () => {
    await controller?.process.ensureStopped();
    dir.remove();
  });

  describe('ETag and If-Match / If-None-Match', () => {
    let uuid: string;

    it('the ETag is the revision of the object: 0 at create, one more per change (PUT or ref-update)', async () => {
      const created = await api.post('/domains', { domain: { fq_name: ['etag-domain'] } });
      expect(created.headers.get('etag')).toBe('"0"');
      uuid = created.body.domain.uuid;
      expect((await api.get(`/domain/${uuid}`)).headers.get('etag')).toBe('"0"');
      const put = await api.put(`/domain/${uuid}`, { domain: { display_name: 'one' } });
      expect(put.headers.get('etag')).toBe('"1"');
      expect((await api.get(`/domain/${uuid}`)).headers.get('etag')).toBe('"1"');

      const project = await api.create('project', { fq_name: ['etag-domain', 'p'], parent_type: 'domain' });
      const ipam = await api.create('network-ipam', { fq_name: ['etag-domain', 'p', 'ipam'], parent_type: 'project' });
      const vn = await api.create('virtual-network', { fq_name: ['etag-domain', 'p', 'vn'], parent_type: 'project' });
      await api.post('/ref-update', { operation: 'ADD', type: 'virtual-network', uuid: vn.uuid, 'ref-type': 'network-ipam', 'ref-uuid': ipam.uuid, attr: { ipam_subnets: [] } });
      expect((await api.get(`/virtual-network/${vn.uuid}`)).headers.get('etag')).toBe('"1"');
      // A child or a back-ref does not change the parent's or the target's revision.
      expect((await api.get(`/project/${project.uuid}`)).headers.get('etag')).toBe('"0"');
      expect((await api.get(`/network-ipam/${ipam.uuid}`)).headers.get('etag')).toBe('"0"');
    });

    it('If-None-Match with the current ETag answers 304 without a body; an older one the object', async () => {
      const current = await fetch(`${api.base}/domain/${uuid}`, { headers: { 'If-None-Match': '"1"' } });
      expect(current.status).toBe(304);
      expect(await current.text()).toBe('');
      const older = await api.get(`/domain/${uuid}`, { headers: { 'If-None-Match': '"0"' } });
      expect(older.status).toBe(200);
      expect(older.body.domain.display_name).toBe('one');
    });

    it('PUT and DELETE with the current If-Match succeed (W/ prefix accepted)', async () => {
      const put = await api.put(`/domain/${uuid}`, { domain: { display_name: 'two' } }, { headers: { 'If-Match': '"1"' } });
      expect(put.status).toBe(200);
      expect(put.headers.get('etag')).toBe('"2"');
      const weak = await api.put(`/domain/${uuid}`, { domain: { display_name: 'three' } }, { headers: { 'If-Match': 'W/"2"' } });
      expect(weak.status).toBe(200);
      const temp = await api.create('domain', { fq_name: ['etag-temp'] });
      expect((await api.delete(`/domain/${temp.uuid}`, { headers: { 'If-Match': '"0"' } })).status).toBe(200);
    });

    it('of two writers that read the same ETag, exactly one wins; the other gets 412 and writes nothing', async () => {
      const etag = (await api.get(`/domain/${uuid}`)).headers.get('etag')!;
      const before = await api.head();
      const answers = await Promise.all(
        ['alice', 'bob'].map((who) => api.put(`/domain/${uuid}`, { domain: { display_name: who } }, { headers: { 'If-Match': etag } })),
      );
      expect(tally(answers.map((a) => a.status))).toEqual({ 200: 1, 412: 1 });
      const winner = answers.find((a) => a.status === 200)!;
      expect(Number(winner.headers.get('x-log-position'))).toBe(before + 1);
      expect(await api.head()).toBe(before + 1);
      const loser = answers.find((a) => a.status === 412)!;
      expect(loser.body.message).toContain(`not ${JSON.parse(etag)} (If-Match)`);
    });
  });

  describe('Idempotency-Key on POST', () => {
    it('a repeat answers the first outcome (same uuid), says Idempotent-Replayed: true, and writes nothing', async () => {
      const body = { project: { fq_name: ['default-domain', 'idem'], parent_type: 'domain' } };
      const first = await api.post('/projects', body, { headers: { 'Idempotency-Key': 'create-idem-1' } });
      expect(first.status).toBe(200);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const head = await api.head();
      expect(Number(first.headers.get('x-log-position'))).toBe(head);

      const again = await api.post('/projects', body, { headers: { 'Idempotency-Key': 'create-idem-1' } });
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.project.uuid).toBe(first.body.project.uuid);
      expect(again.body.project.fq_name).toEqual(['default-domain', 'idem']);
      expect(again.headers.get('x-log-position')).toBe(first.headers.get('x-log-position'));
      expect(await api.head()).toBe(head);

      // Without the key, the same body is a second create: 409.
      expect((await api.post('/projects', body)).status).toBe(409);
    });

    it('ten concurrent requests with one key create one object; nine are replays', async () => {
      const body = { 'virtual-network': { fq_name: ['default-domain', 'default-project', 'idem-vn'], parent_type: 'project' } };
      const before = await api.head();
      const answers = await Promise.all(Array.from({ length: 10 }, () => api.post('/virtual-networks', body, { headers: { 'Idempotency-Key': 'create-idem-vn' } })));
      expect(tally(answers.map((a) => a.status))).toEqual({ 200: 10 });
      expect(new Set(answers.map((a) => a.body['virtual-network'].uuid)).size).toBe(1);
      expect(tally(answers.map((a) => a.headers.get('idempotent-replayed') ?? 'first'))).toEqual({ first: 1, true: 9 });
      // One VN create: fq_name reservation, VN id, route-target number, the VN itself.
      expect(await api.head()).toBe(before + 4);
    });
  });

  describe('X-Log-Position and ?position=N', () => {
    it('every write answers the log position of its last event, which a read may then ask for', async () => {
      const positions: number[] = [];
      const take = (answer: Answer) => {
        expect(answer.status).toBe(200);
        const position = Number(answer.headers.get('x-log-position'));
        expect(Number.isSafeInteger(position)).toBe(true);
        positions.push(position);
        return position;
      };
      const created = await api.post('/security-groups', { 'security-group': { fq_name: ['default-domain', 'default-project', 'pos-sg'] } });
      take(created);
      const uuid = created.body['security-group'].uuid;
      take(await api.put(`/security-group/${uuid}`, { 'security-group': { display_name: 'moved' } }));
      const vn = await api.create('virtual-network', { fq_name: ['default-domain', 'default-project', 'pos-vn'] });
      positions.push(await api.head());
      const np = await api.create('network-policy', { fq_name: ['default-domain', 'default-project', 'pos-np'], network_policy_entries: { policy_rule: [] } });
      positions.push(await api.head());
      take(await api.post('/ref-update', { operation: 'ADD', type: 'virtual-network', uuid: vn.uuid, 'ref-type': 'network-policy', 'ref-uuid': np.uuid, attr: { sequence: { major: 0, minor: 0 } } }));
      take(await api.post('/ref-update', { operation: 'DELETE', type: 'virtual-network', uuid: vn.uuid, 'ref-type': 'network-policy', 'ref-uuid': np.uuid }));
      const deleted = await api.delete(`/security-group/${uuid}`);
      const last = take(deleted);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(new Set(positions).size).toBe(positions.length);
      expect(last).toBe(await api.head());

      const read = await api.get(`/security-groups?position=${last}`);
      expect(read.status).toBe(200);
      expect(read.body['security-groups'].map((s: { uuid: string }) => s.uuid)).not.toContain(uuid);
      expect((await api.get(`/virtual-network/${vn.uuid}?position=${last}`)).status).toBe(200);
    });

    it('a read for a position not yet written waits for it, then answers with the write in it', async () => {
      const head = await api.head();
      const uuid = '6a0e8f52-3c1b-4d2e-9f3a-1b2c3d4e5f60';
      const started = Date.now();
      // A domain create appends two events (its fq_name reservation and the domain): head+2 is its last.
      const list = api.get(`/domains?position=${head + 2}`);
      const one = api.get(`/domain/${uuid}?position=${head + 2}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const created = await api.post('/domains', { domain: { fq_name: ['pos-later'], uuid } });
      expect(Number(created.headers.get('x-log-position'))).toBe(head + 2);
      const [listed, read] = await Promise.all([list, one]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(listed.status).toBe(200);
      expect(listed.body.domains).toContainEqual(expect.objectContaining({ uuid, fq_name: ['pos-later'] }));
      expect(read.status).toBe(200);
      expect(read.body.domain.uuid).toBe(uuid);
    });

    it(`a position that is not reached within ${READ_WAIT_MS} ms answers 503`, async () => {
      const { answer, elapsedMs, position } = await farRead;
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ statusCode: 503, message: expect.stringContaining(`log position ${position} was not reached within ${READ_WAIT_MS} ms`) });
      expect(elapsedMs).toBeGreaterThanOrEqual(READ_WAIT_MS - 100);
      expect(elapsedMs).toBeLessThan(READ_WAIT_MS + 3_000);
    });
  });
});
