// Names and uuids of deleted objects, taken again, over real HTTP against the built controller on SQLite and the
// config API alone on PostgreSQL. The config state forgets a closed stream's revision (a deleted object's, a
// released name's); a create that reuses one learns it back from the store's answer and appends after it, so it
// succeeds once, and of concurrent ones exactly one wins. Afterwards the live state is still what a replay gives.
import { Microservices } from './support/microservices.js';
import { RunningController, networkBody, subnet, tally, tempDataDir, type ConfigApi, type Json } from './config-api-support.js';

const PROJECT = ['default-domain', 'default-project'];
const pgUrl = process.env.PG_TEST_URL;
if (!pgUrl) process.stderr.write(`reused names e2e on PostgreSQL skipped: ${process.env.PG_TEST_UNAVAILABLE ?? 'PG_TEST_URL is not set'}\n`);

interface Target {
  api: ConfigApi;
  stop(): Promise<void>;
}

async function onSqlite(): Promise<Target> {
  const dir = tempDataDir();
  const controller = await RunningController.start(dir.path);
  return {
    api: controller.api,
    stop: async () => {
      await controller.process.ensureStopped();
      dir.remove();
    },
  };
}

async function onPostgres(): Promise<Target> {
  const set = await Microservices.start({ postgresUrl: pgUrl!, controlReplicas: 0 });
  return { api: set.api, stop: () => set.teardown() };
}

const stores: Array<[string, () => Promise<Target>]> = [['SQLite', onSqlite]];
if (pgUrl) stores.push(['PostgreSQL', onPostgres]);

describe.each(stores)('config API on %s: names and uuids of deleted objects taken again', (_store, start) => {
  let target: Target;
  let api: ConfigApi;

  beforeAll(async () => {
    target = await start();
    api = target.api;
  }, 60_000);

  afterAll(async () => {
    await target?.stop();
  });

  let subnets = 0;
  const network = (name: string, extra: Record<string, unknown> = {}) =>
    networkBody([...PROJECT, name], [{ subnet: subnet(`10.77.${subnets++}.0/24`) }], undefined, extra);

  it('a network created, deleted and created again under its name: a new object, found by that name', async () => {
    const first = await api.create('virtual-network', network('again'));
    expect((await api.delete(`/virtual-network/${first.uuid}`)).status).toBe(200);
    const second = await api.create('virtual-network', network('again'));
    expect(second.uuid).not.toBe(first.uuid);
    const found = await api.get(`/virtual-networks?fq_names=${[...PROJECT, 'again'].join(':')}`);
    expect(found.body['virtual-networks']).toEqual([expect.objectContaining({ uuid: second.uuid })]);
    // Three rounds more: each create reopens the closed name stream after the revision the store tells.
    for (let round = 0; round < 3; round++) {
      const current = (await api.get(`/virtual-networks?fq_names=${[...PROJECT, 'again'].join(':')}`)).body['virtual-networks'] as Json[];
      expect((await api.delete(`/virtual-network/${current[0]!.uuid}`)).status).toBe(200);
      await api.create('virtual-network', network('again'));
    }
  });

  it('a client-chosen uuid given again after its object was deleted continues its stream: ETag and If-Match follow', async () => {
    const uuid = '7e5a0b1c-2d3e-4f50-8a6b-7c8d9e0f1a2b';
    await api.create('virtual-network', network('same-uuid', { uuid }));
    expect((await api.delete(`/virtual-network/${uuid}`)).status).toBe(200);
    const again = await api.create('virtual-network', network('same-uuid', { uuid }));
    expect(again.uuid).toBe(uuid);
    const read = await api.get(`/virtual-network/${uuid}`);
    // Revisions 0 (created), 1 (deleted), 2 (created again).
    expect(read.headers.get('etag')).toBe('"2"');
    const stale = await api.put(`/virtual-network/${uuid}`, { 'virtual-network': { display_name: 'stale' } }, { headers: { 'if-match': '"0"' } });
    expect(stale.status).toBe(412);
    const update = await api.put(`/virtual-network/${uuid}`, { 'virtual-network': { display_name: 'third life' } }, { headers: { 'if-match': '"2"' } });
    expect(update.status).toBe(200);
    expect((await api.get(`/virtual-network/${uuid}`)).body['virtual-network']).toMatchObject({ display_name: 'third life' });
  });

  it('20 parallel creates of a deleted name: exactly one 200 and 19 × 409 naming the winner', async () => {
    const first = await api.create('virtual-network', network('race-again'));
    expect((await api.delete(`/virtual-network/${first.uuid}`)).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 20 }, () => api.post('/virtual-networks', { 'virtual-network': network('race-again') })));
    expect(tally(answers.map((a) => a.status))).toEqual({ 200: 1, 409: 19 });
    const winner = answers.find((a) => a.status === 200)!.body['virtual-network'].uuid as string;
    for (const loser of answers.filter((a) => a.status === 409)) expect(loser.body.message).toContain(winner);
  });

  it('the live state is still what a replay of the log gives', async () => {
    const answer = await api.post('/audit/verify', undefined);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: true });
    expect(answer.body.rebuiltDigest).toBe(answer.body.liveDigest);
  });
});
