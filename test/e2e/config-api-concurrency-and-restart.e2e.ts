// The config API under concurrent writers and across a restart, over real HTTP against the built controller:
// one winner per fq_name, distinct addresses and ids under load, a clean 409 when a pool is empty, and the same
// state (uuids, fq_names, VN ids, MACs, addresses, revisions) served by a new process on the same DATA_DIR.
import { RunningController, networkBody, subnet, tally, tempDataDir, ipv4, type ConfigApi, type Json } from './config-api-support.js';

const POOL_VN = ['default-domain', 'default-project', 'pool-vn'];
const SMALL_VN = ['default-domain', 'default-project', 'small-vn'];
/** A /24 with the default gateway (.254) and DNS server (.253): 252 addresses to give out. */
const POOL_SIZE = 252;

/** Every object the API serves, by uuid: its GET body (hrefs with a neutral base URL) and its ETag. */
async function snapshot(api: ConfigApi): Promise<Map<string, { etag: string | null; body: Json }>> {
  const home = await api.get('/');
  const types = (home.body.links as Json[]).map((l) => l.link).filter((l) => l.rel === 'collection').map((l) => l.name as string);
  const out = new Map<string, { etag: string | null; body: Json }>();
  for (const type of types) {
    const uuids = ((await api.get(`/${type}s`)).body[`${type}s`] as Json[]).map((e) => e.uuid as string);
    for (let i = 0; i < uuids.length; i += 50) {
      const batch = uuids.slice(i, i + 50);
      const answers = await Promise.all(batch.map((uuid) => api.get(`/${type}/${uuid}`)));
      answers.forEach((answer, j) => {
        expect(answer.status).toBe(200);
        const body = JSON.parse(JSON.stringify(answer.body).replaceAll(api.base, 'http://config-api'));
        out.set(batch[j]!, { etag: answer.headers.get('etag'), body });
      });
    }
  }
  return out;
}

describe('config API: concurrent writers and a restart over HTTP', () => {
  const dir = tempDataDir();
  let controller: RunningController;
  let api: ConfigApi;
  let before: Map<string, { etag: string | null; body: Json }>;
  let headBefore: number;

  beforeAll(async () => {
    controller = await RunningController.start(dir.path);
    api = controller.api;
  });

  afterAll(async () => {
    await controller?.process.ensureStopped();
    dir.remove();
  });

  describe('concurrent writers', () => {
    it('50 parallel creates of one fq_name: exactly one 200, 49 × 409 naming the winner, one create in the log', async () => {
      const head = await api.head();
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => api.post('/projects', { project: { fq_name: ['default-domain', 'race'], parent_type: 'domain' } })),
      );
      // 200, not 201: vnc_api treats any status but 200 and 202 as an error.
      expect(tally(answers.map((a) => a.status))).toEqual({ 200: 1, 409: 49 });
      const winner = answers.find((a) => a.status === 200)!.body.project.uuid as string;
      for (const loser of answers.filter((a) => a.status === 409)) {
        expect(loser.body).toMatchObject({ statusCode: 409, message: `project default-domain:race already exists (uuid ${winner})` });
      }
      // The fq_name reservation and the project.
      expect(await api.head()).toBe(head + 2);
      expect((await api.get('/projects?fq_names=default-domain:race')).body.projects).toEqual([expect.objectContaining({ uuid: winner })]);
    });

    it('50 parallel creates of different networks get 50 distinct VN ids', async () => {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => api.post('/virtual-networks', { 'virtual-network': { fq_name: ['default-domain', 'default-project', `par-${i}`] } })),
      );
      expect(tally(answers.map((a) => a.status))).toEqual({ 200: 50 });
      const ids = answers.map((a) => a.body['virtual-network'].virtual_network_network_id as number);
      expect(new Set(ids).size).toBe(50);
    });

    it('creating children while their parent is deleted: never both, so never an orphan', async () => {
      for (let round = 0; round < 10; round++) {
        const project = ['default-domain', `doomed-${round}`];
        const { uuid } = await api.create('project', { fq_name: project, parent_type: 'domain' });
        const child = (i: number) => api.post('/network-policys', { 'network-policy': { fq_name: [...project, `np-${i}`], network_policy_entries: { policy_rule: [] } } });
        const answers = await Promise.all([child(0), child(1), child(2), api.delete(`/project/${uuid}`), child(3), child(4), child(5)]);
        const deleted = answers.splice(3, 1)[0]!;
        const created = answers.filter((a) => a.status === 200);
        if (deleted.status === 200) {
          expect(tally(answers.map((a) => a.status))).toEqual({ 404: 6 });
        } else {
          expect(deleted.body.message).toContain('children still present');
          expect(created.length).toBeGreaterThan(0);
          expect((await api.get(`/project/${uuid}`)).status).toBe(200);
        }
        for (const c of created) expect(c.body['network-policy'].parent_uuid).toBe(uuid);
      }
    });

    it('adding refs to an object while it is deleted: never both, so never a dangling ref', async () => {
      for (let round = 0; round < 10; round++) {
        const tag = await api.create('tag', { fq_name: [`gone=${round}`], tag_type_name: 'gone', tag_value: String(round) });
        const tagged = (i: number) => api.post('/domains', { domain: { fq_name: [`tagged-${round}-${i}`], tag_refs: [{ uuid: tag.uuid }] } });
        const answers = await Promise.all([tagged(0), tagged(1), tagged(2), api.delete(`/tag/${tag.uuid}`), tagged(3), tagged(4), tagged(5)]);
        const deleted = answers.splice(3, 1)[0]!;
        if (deleted.status === 200) expect(tally(answers.map((a) => a.status))).toEqual({ 404: 6 });
        else expect(deleted.body.message).toContain('still referred to by');
        for (const domain of answers.filter((a) => a.status === 200)) {
          const read = await api.read('domain', domain.body.domain.uuid);
          expect((await api.get(`/tag/${read.tag_refs[0].uuid}`)).status).toBe(200);
        }
      }
    });

    it('50 parallel interfaces asking for one MAC: exactly one gets it', async () => {
      const vn = await api.create('virtual-network', { fq_name: ['default-domain', 'default-project', 'mac-race'] });
      for (let round = 0; round < 3; round++) {
        const mac = `02:00:5e:00:53:0${round}`;
        const answers = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            api.post('/virtual-machine-interfaces', {
              'virtual-machine-interface': {
                fq_name: ['default-domain', 'default-project', `mac-race-${round}-${i}`],
                virtual_network_refs: [{ uuid: vn.uuid }],
                virtual_machine_interface_mac_addresses: { mac_address: [mac] },
              },
            }),
          ),
        );
        expect(tally(answers.map((a) => a.status))).toEqual({ 200: 1, 409: 49 });
        expect(answers.find((a) => a.status === 409)!.body.message).toContain(`MAC address ${mac} is already used`);
      }
    });

    it('one client-chosen uuid for objects of three types at once: exactly one is created', async () => {
      for (let round = 0; round < 10; round++) {
        const uuid = `7e57c0de-0000-4000-8000-0000000000${String(round).padStart(2, '0')}`;
        const answers = await Promise.all([
          api.post('/domains', { domain: { fq_name: [`same-uuid-domain-${round}`], uuid } }),
          api.post('/virtual-machines', { 'virtual-machine': { fq_name: [`same-uuid-vm-${round}`], uuid } }),
          api.post('/tags', { tag: { fq_name: [`same=uuid-${round}`], uuid, tag_type_name: 'same', tag_value: `uuid-${round}` } }),
        ]);
        expect(tally(answers.map((a) => a.status))).toEqual({ 200: 1, 409: 2 });
        const winner = answers.find((a) => a.status === 200)!.body as Record<string, Json>;
        const [type, object] = Object.entries(winner)[0]!;
        expect((await api.post('/id-to-fqname', { uuid })).body).toEqual({ type, fq_name: object.fq_name });
      }
    });

    it('200 parallel instance-ip creates in one /24: 200 distinct addresses of the subnet, never the gateway or DNS', async () => {
      const vn = await api.create('virtual-network', networkBody(POOL_VN, [{ subnet: subnet('10.80.0.0/24') }]));
      const { default_gateway: gateway, dns_server_address: dns } = vn.network_ipam_refs[0].attr.ipam_subnets[0];
      expect([gateway, dns]).toEqual(['10.80.0.254', '10.80.0.253']);
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) => api.post('/instance-ips', { 'instance-ip': { fq_name: [`pool-${i}`], virtual_network_refs: [{ to: POOL_VN }] } })),
      );
      expect(tally(answers.map((a) => a.status))).toEqual({ 200: 200 });
      const addresses = answers.map((a) => a.body['instance-ip'].instance_ip_address as string);
      expect(new Set(addresses).size).toBe(200);
      for (const address of addresses) {
        expect(ipv4(address)).toBeGreaterThan(ipv4('10.80.0.0'));
        expect(ipv4(address)).toBeLessThan(ipv4('10.80.0.253'));
      }
      expect(addresses).not.toContain(gateway);
      expect(addresses).not.toContain(dns);
      const read = await api.read('virtual-network', vn.uuid);
      expect(read.instance_ip_back_refs).toHaveLength(200);
    });

    it('creates beyond the pool get a clean 409 saying the network has no free address, and write nothing', async () => {
      const head = await api.head();
      const extra = 60;
      const answers = await Promise.all(
        Array.from({ length: extra }, (_, i) => api.post('/instance-ips', { 'instance-ip': { fq_name: [`over-${i}`], virtual_network_refs: [{ to: POOL_VN }] } })),
      );
      const left = POOL_SIZE - 200;
      expect(tally(answers.map((a) => a.status))).toEqual({ 200: left, 409: extra - left });
      for (const refused of answers.filter((a) => a.status === 409)) {
        expect(refused.body).toMatchObject({ statusCode: 409, message: 'virtual-network default-domain:default-project:pool-vn has no free address left in 10.80.0.0/24' });
      }
      // Each successful create: the fq_name reservation, the address, the instance-ip.
      expect(await api.head()).toBe(head + left * 3);
      const all = ((await api.get(`/instance-ips?back_ref_id=${await api.uuidOf('virtual-network', POOL_VN)}&detail=true`)).body['instance-ips'] as Json[]).map(
        (e) => e['instance-ip'].instance_ip_address as string,
      );
      expect(all).toHaveLength(POOL_SIZE);
      expect(new Set(all).size).toBe(POOL_SIZE);
    });
  });

  describe('restart on the same DATA_DIR', () => {
    beforeAll(async () => {
      // A bit of everything that allocates: a second network with addresses from the start, interfaces (MACs), groups.
      await api.create('virtual-network', networkBody(SMALL_VN, [{ subnet: subnet('10.81.0.0/24'), addr_from_start: true }]));
      for (let i = 0; i < 5; i++) {
        const vmi = await api.create('virtual-machine-interface', { fq_name: ['default-domain', 'default-project', `port-${i}`], virtual_network_refs: [{ to: SMALL_VN }] });
        await api.create('instance-ip', { fq_name: [`small-${i}`], virtual_network_refs: [{ to: SMALL_VN }], virtual_machine_interface_refs: [{ uuid: vmi.uuid }] });
      }
      for (let i = 0; i < 3; i++) await api.create('security-group', { fq_name: ['default-domain', 'default-project', `sg-${i}`] });
      await api.post('/projects', { project: { fq_name: ['default-domain', 'keyed'] } }, { headers: { 'Idempotency-Key': 'restart-key' } });
      await api.put(`/virtual-network/${await api.uuidOf('virtual-network', SMALL_VN)}`, { 'virtual-network': { mtu: 1450 } });
      before = await snapshot(api);
      headBefore = await api.head();
    });

    it('SIGTERM stops the controller with exit 0; a new process on the same DATA_DIR serves the same objects, byte for byte', async () => {
      expect(await controller.stop()).toEqual({ code: 0, signal: null });
      controller = await RunningController.start(dir.path);
      api = controller.api;

      // Nothing was written at start-up: the defaults exist already.
      expect(await api.head()).toBe(headBefore);
      const after = await snapshot(api);
      expect(after.size).toBe(before.size);
      expect(after.size).toBeGreaterThan(POOL_SIZE + 50);
      for (const [uuid, seen] of before) expect({ uuid, ...after.get(uuid) }).toEqual({ uuid, ...seen });
    });

    it('keeps every allocation: VN ids, security-group ids, MACs and addresses are those served before', async () => {
      const values = (type: string, pick: (o: Json) => unknown) =>
        [...before.values()].filter((s) => s.body[type] !== undefined).map((s) => pick(s.body[type]));
      const vnIds = values('virtual-network', (o) => o.virtual_network_network_id);
      expect(vnIds.length).toBeGreaterThanOrEqual(52);
      expect(new Set(vnIds).size).toBe(vnIds.length);
      for (const [uuid, seen] of before) {
        const [type] = Object.keys(seen.body);
        const now = await api.read(type!, uuid);
        for (const key of ['virtual_network_network_id', 'security_group_id', 'virtual_machine_interface_mac_addresses', 'instance_ip_address', 'subnet_uuid']) {
          if (seen.body[type!][key] !== undefined) expect(now[key]).toEqual(seen.body[type!][key]);
        }
      }
    });

    it('new allocations continue without reusing a number or address in use', async () => {
      const used = (type: string, key: string) => new Set([...before.values()].filter((s) => s.body[type]?.[key] !== undefined).map((s) => JSON.stringify(s.body[type][key])));

      const vn = await api.create('virtual-network', { fq_name: ['default-domain', 'default-project', 'after-restart'] });
      expect(used('virtual-network', 'virtual_network_network_id').has(JSON.stringify(vn.virtual_network_network_id))).toBe(false);

      const sg = await api.create('security-group', { fq_name: ['default-domain', 'default-project', 'sg-after'] });
      expect(sg.security_group_id).toBeGreaterThanOrEqual(8_000_000);
      expect(used('security-group', 'security_group_id').has(JSON.stringify(sg.security_group_id))).toBe(false);

      const vmi = await api.create('virtual-machine-interface', { fq_name: ['default-domain', 'default-project', 'port-after'], virtual_network_refs: [{ to: SMALL_VN }] });
      expect(used('virtual-machine-interface', 'virtual_machine_interface_mac_addresses').has(JSON.stringify(vmi.virtual_machine_interface_mac_addresses))).toBe(false);

      // addr_from_start: .1 gateway, .2 DNS, .3-.7 taken before the restart.
      const iip = await api.create('instance-ip', { fq_name: ['small-after'], virtual_network_refs: [{ to: SMALL_VN }] });
      expect(iip.instance_ip_address).toBe('10.81.0.8');
      expect(used('instance-ip', 'instance_ip_address').has(JSON.stringify(iip.instance_ip_address))).toBe(false);

      const full = await api.post('/instance-ips', { 'instance-ip': { fq_name: ['pool-after'], virtual_network_refs: [{ to: POOL_VN }] } });
      expect(full.status).toBe(409);
      expect(full.body.message).toBe('virtual-network default-domain:default-project:pool-vn has no free address left in 10.80.0.0/24');
    });

    it('remembers Idempotency-Keys across the restart, and fq_names stay taken', async () => {
      const again = await api.post('/projects', { project: { fq_name: ['default-domain', 'keyed'] } }, { headers: { 'Idempotency-Key': 'restart-key' } });
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.project.uuid).toBe(await api.uuidOf('project', ['default-domain', 'keyed']));
      expect((await api.post('/projects', { project: { fq_name: ['default-domain', 'race'] } })).status).toBe(409);
    });
  });
});
