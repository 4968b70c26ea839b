// Every refusal of the config API over real HTTP: its status, its JSON message, and that it wrote nothing (the
// head of the event log, as GET /health reports it, does not move).
import { RunningController, errorBody, networkBody, subnet, tempDataDir, type ConfigApi, type Json } from './config-api-support.js';

const PROJECT = ['default-domain', 'errors'];
const VN = [...PROJECT, 'vn'];
const BODY_LIMIT = 65_536;

describe('config API: refusals and their messages over HTTP', () => {
  const dir = tempDataDir();
  let controller: RunningController;
  let api: ConfigApi;
  const ids: Record<string, string> = {};

  /** Sends the request, checks status and message, and that the log did not move. */
  async function refused(send: () => Promise<{ status: number; body: Json }>, status: number, message: string | RegExp): Promise<Json> {
    const res = await api.expectNothingWritten(send);
    expect({ status: res.status, body: res.body }).toEqual({ status, body: errorBody(status, message) });
    return res.body;
  }

  const createVn = (inner: Record<string, unknown>) => () => api.post('/virtual-networks', { 'virtual-network': inner });
  const withSubnets = (...subnets: Array<Record<string, unknown>>) => createVn(networkBody([...PROJECT, 'bad'], subnets));

  beforeAll(async () => {
    controller = await RunningController.start(dir.path, { REST_BODY_LIMIT_BYTES: String(BODY_LIMIT) });
    api = controller.api;
    ids.project = (await api.create('project', { fq_name: PROJECT, parent_type: 'domain' })).uuid;
    // A /29 with a two-address pool: .2 and .3.
    const vn = await api.create('virtual-network', networkBody(VN, [{ subnet: subnet('10.40.0.0/29'), allocation_pools: [{ start: '10.40.0.2', end: '10.40.0.3' }] }]));
    ids.vn = vn.uuid;
    ids.policy = (await api.create('network-policy', { fq_name: [...PROJECT, 'np'], parent_type: 'project', network_policy_entries: { policy_rule: [] } })).uuid;
    ids.sg = (await api.create('security-group', { fq_name: [...PROJECT, 'sg'], parent_type: 'project' })).uuid;
    ids.vmi = (await api.create('virtual-machine-interface', { fq_name: [...PROJECT, 'vmi'], parent_type: 'project', virtual_network_refs: [{ uuid: ids.vn }] })).uuid;
    ids.iip = (await api.create('instance-ip', { fq_name: ['errors-iip'], virtual_network_refs: [{ uuid: ids.vn }], virtual_machine_interface_refs: [{ uuid: ids.vmi }] })).uuid;
    await api.put(`/virtual-network/${ids.vn}`, { 'virtual-network': { network_policy_refs: [{ uuid: ids.policy, attr: { sequence: { major: 0, minor: 0 } } }] } });
  });

  afterAll(async () => {
    await controller?.process.ensureStopped();
    dir.remove();
  });

  describe('400 Bad Request', () => {
    it('malformed JSON', async () => {
      await refused(() => api.post('/virtual-networks', undefined, { raw: '{"virtual-network": {' }), 400, /JSON/);
    });

    it('a body that is not wrapped in the type name', async () => {
      await refused(() => api.post('/virtual-networks', { fq_name: [...PROJECT, 'bad'] }), 400, 'the body must be {"virtual-network": {...}}');
      await refused(() => api.put(`/virtual-network/${ids.vn}`, { project: { mtu: 1 } }), 400, 'the body must be {"virtual-network": {...}}');
    });

    it('a value of the wrong type: ip_prefix_len "24" as a string, mtu as a string, a ref list that is no list', async () => {
      await refused(
        withSubnets({ subnet: { ip_prefix: '10.9.0.0', ip_prefix_len: '24' } }),
        400,
        'network_ipam_refs[0].attr.ipam_subnets[0].subnet.ip_prefix_len: expected an integer from 0 to 128, got "24"',
      );
      await refused(() => api.put(`/virtual-network/${ids.vn}`, { 'virtual-network': { mtu: '1400' } }), 400, 'mtu:');
      await refused(createVn({ fq_name: [...PROJECT, 'bad'], network_policy_refs: { to: [...PROJECT, 'np'] } }), 400, 'network_policy_refs: expected a list of refs');
    });

    it('an unknown property, and a ref type the resource does not have', async () => {
      await refused(createVn({ fq_name: [...PROJECT, 'bad'], bogus: 1 }), 400, 'bogus: unknown property bogus for virtual-network');
      await refused(() => api.put(`/security-group/${ids.sg}`, { 'security-group': { mtu: 1400 } }), 400, 'unknown property mtu for security-group');
      await refused(createVn({ fq_name: [...PROJECT, 'bad'], security_group_refs: [] }), 400, 'unknown reference security_group_refs');
    });

    it('an invalid CIDR, and a prefix that is not the network address', async () => {
      await refused(withSubnets({ subnet: { ip_prefix: '10.9.0.300', ip_prefix_len: 24 } }), 400, 'ip_prefix: expected an IPv4 or IPv6 address, got "10.9.0.300"');
      await refused(withSubnets({ subnet: { ip_prefix: '10.9.0.0', ip_prefix_len: 33 } }), 400, 'ip_prefix_len');
      await refused(withSubnets({ subnet: subnet('10.9.0.5/24') }), 400, "'10.9.0.5/24' is not a network address: host bits are set; the network is 10.9.0.0/24");
    });

    it('a gateway outside its subnet', async () => {
      await refused(
        withSubnets({ subnet: subnet('10.9.0.0/24'), default_gateway: '10.9.1.1' }),
        400,
        'default_gateway: default gateway 10.9.1.1 is not a usable address of subnet 10.9.0.0/24',
      );
    });

    it('overlapping subnets in one network, in one IPAM ref or across two', async () => {
      await refused(
        withSubnets({ subnet: subnet('10.9.0.0/24') }, { subnet: subnet('10.9.0.128/25') }),
        400,
        'subnet 10.9.0.128/25 overlaps subnet 10.9.0.0/24 (network_ipam_refs[0].attr.ipam_subnets[0].subnet)',
      );
      const ipam2 = await api.create('network-ipam', { fq_name: [...PROJECT, 'ipam2'], parent_type: 'project' });
      await refused(
        createVn({
          fq_name: [...PROJECT, 'bad'],
          network_ipam_refs: [
            { to: ['default-domain', 'default-project', 'default-network-ipam'], attr: { ipam_subnets: [{ subnet: subnet('10.9.0.0/24') }] } },
            { uuid: ipam2.uuid, attr: { ipam_subnets: [{ subnet: subnet('10.9.0.0/24') }] } },
          ],
        }),
        400,
        'network_ipam_refs[1].attr.ipam_subnets[0].subnet: subnet 10.9.0.0/24 is the same as subnet 10.9.0.0/24',
      );
    });

    it('an allocation pool outside its subnet, or with its start after its end', async () => {
      await refused(
        withSubnets({ subnet: subnet('10.9.0.0/24'), allocation_pools: [{ start: '10.9.1.10', end: '10.9.1.20' }] }),
        400,
        'allocation_pools[0].start: allocation pool 10.9.1.10-10.9.1.20: start is outside subnet 10.9.0.0/24',
      );
      await refused(withSubnets({ subnet: subnet('10.9.0.0/24'), allocation_pools: [{ start: '10.9.0.20', end: '10.9.0.10' }] }), 400, 'start is after end');
    });

    it('the same checks on PUT and on /ref-update', async () => {
      const ipamRef = (subnets: Json[]) => ({ network_ipam_refs: [{ to: ['default-domain', 'default-project', 'default-network-ipam'], attr: { ipam_subnets: subnets } }] });
      await refused(() => api.put(`/virtual-network/${ids.vn}`, { 'virtual-network': ipamRef([{ subnet: subnet('10.40.0.0/29') }, { subnet: subnet('10.40.0.0/30') }]) }), 400, 'overlaps');
      await refused(
        () =>
          api.post('/ref-update', {
            operation: 'ADD',
            type: 'virtual-network',
            uuid: ids.vn,
            'ref-type': 'network-ipam',
            'ref-fq-name': [...PROJECT, 'ipam2'],
            attr: { ipam_subnets: [{ subnet: { ip_prefix: '10.41.0.0', ip_prefix_len: '24' } }] },
          }),
        400,
        'ip_prefix_len: expected an integer',
      );
      await refused(
        () => api.post('/ref-update', { operation: 'ADD', type: 'virtual-network', uuid: ids.vn, 'ref-type': 'network-policy', 'ref-uuid': ids.policy, attr: { sequence: 'first' } }),
        400,
        'sequence',
      );
      await refused(() => api.post('/ref-update', { operation: 'MOVE', type: 'virtual-network', uuid: ids.vn, 'ref-type': 'network-policy', 'ref-uuid': ids.policy }), 400, 'operation must be ADD or DELETE');
      await refused(() => api.post('/ref-update', { operation: 'ADD', type: 'virtual-network', uuid: ids.vn, 'ref-type': 'route-target', 'ref-uuid': ids.policy }), 400, 'virtual-network has no refs to route-target');
    });

    it('an identity that cannot change, or a ref that names nothing', async () => {
      await refused(() => api.put(`/virtual-network/${ids.vn}`, { 'virtual-network': { fq_name: [...PROJECT, 'renamed'] } }), 400, 'fq_name of virtual-network');
      await refused(createVn({ fq_name: [...PROJECT, 'bad'], network_policy_refs: [{ attr: null }] }), 400, 'network_policy_refs[0]: a ref to network-policy needs to (its fq_name) or uuid');
      await refused(createVn({ uuid: 'not-a-uuid', fq_name: [...PROJECT, 'bad'] }), 400, 'uuid: expected a UUID');
    });

    it('an instance-ip address outside the network, or a virtual-machine-interface without a network', async () => {
      await refused(
        () => api.post('/instance-ips', { 'instance-ip': { fq_name: ['bad-iip'], instance_ip_address: '192.0.2.1', virtual_network_refs: [{ uuid: ids.vn }] } }),
        400,
        'instance_ip_address 192.0.2.1 is in none of the network',
      );
      await refused(
        () => api.post('/virtual-machine-interfaces', { 'virtual-machine-interface': { fq_name: [...PROJECT, 'bad-vmi'], parent_type: 'project' } }),
        400,
        'needs virtual_network_refs',
      );
    });

    it('a bad If-Match, page_limit, list parameter or position', async () => {
      await refused(() => api.put(`/virtual-network/${ids.vn}`, { 'virtual-network': { mtu: 1400 } }, { headers: { 'If-Match': 'abc' } }), 400, 'If-Match must be an ETag this API gave out');
      await refused(() => api.delete(`/virtual-network/${ids.vn}`, { headers: { 'If-Match': '"one"' } }), 400, 'If-Match');
      for (const limit of ['0', 'abc', '10001', '-3', '1.5']) {
        await refused(() => api.get(`/virtual-networks?page_limit=${limit}`), 400, `page_limit must be an integer from 1 to 10000 (LIST_MAX_PAGE), not "${limit}"`);
      }
      await refused(() => api.get('/virtual-networks?detail=maybe'), 400, 'detail must be true or false');
      await refused(() => api.get('/virtual-networks?filters=mtu'), 400, 'filters takes key==value pairs');
      await refused(() => api.get('/virtual-networks?position=-1'), 400, 'position must be a log position');
      await refused(() => api.post('/list-bulk-collection', { type: 'virtual-network', page_limit: 0 }), 400, 'page_limit');
      await refused(() => api.post('/virtual-networks', { 'virtual-network': { fq_name: [...PROJECT, 'k'] } }, { headers: { 'Idempotency-Key': 'x'.repeat(201) } }), 400, 'Idempotency-Key must be 1 to 200 characters');
    });
  });

  describe('403 Forbidden', () => {
    it('setting virtual_network_network_id on create, or changing it (or security_group_id) on update', async () => {
      await refused(createVn({ fq_name: [...PROJECT, 'bad'], virtual_network_network_id: 5 }), 403, 'virtual_network_network_id is set by the system; clients may not set it');
      const current = (await api.read('virtual-network', ids.vn)).virtual_network_network_id as number;
      await refused(() => api.put(`/virtual-network/${ids.vn}`, { 'virtual-network': { virtual_network_network_id: current + 100 } }), 403, 'virtual_network_network_id');
      const sgId = (await api.read('security-group', ids.sg)).security_group_id as number;
      await refused(() => api.put(`/security-group/${ids.sg}`, { 'security-group': { security_group_id: sgId + 1 } }), 403, 'security_group_id is set by the system');
    });

    it('creating objects the system derives: routing-instance, route-target', async () => {
      await refused(
        () => api.post('/routing-instances', { 'routing-instance': { fq_name: [...VN, 'vn'], parent_type: 'virtual-network', routing_instance_is_default: true } }),
        403,
        'routing-instance',
      );
      await refused(() => api.post('/route-targets', { 'route-target': { fq_name: ['target:64512:8000001'] } }), 403, 'route-target');
    });
  });

  describe('404 Not Found', () => {
    it('an unknown collection or type', async () => {
      await refused(() => api.get('/no-such-types'), 404, "unknown collection 'no-such-types'");
      await refused(() => api.post('/no-such-types', { 'no-such-type': {} }), 404, "unknown collection 'no-such-types'");
      await refused(() => api.get(`/no-such-type/${ids.vn}`), 404, "unknown resource type 'no-such-type'");
      await refused(() => api.put(`/no-such-type/${ids.vn}`, { 'no-such-type': {} }), 404, "unknown resource type 'no-such-type'");
      await refused(() => api.post('/fqname-to-id', { type: 'no-such-type', fq_name: ['x'] }), 404, "unknown resource type 'no-such-type'");
    });

    it('an unknown uuid, or the uuid of an object of another type', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      await refused(() => api.get(`/virtual-network/${missing}`), 404, `virtual-network ${missing} does not exist`);
      await refused(() => api.put(`/virtual-network/${missing}`, { 'virtual-network': { mtu: 1 } }), 404, `virtual-network ${missing} does not exist`);
      await refused(() => api.delete(`/virtual-network/${missing}`), 404, `virtual-network ${missing} does not exist`);
      await refused(() => api.get(`/project/${ids.vn}`), 404, `project ${ids.vn} does not exist`);
      await refused(() => api.post('/id-to-fqname', { uuid: missing }), 404, `no object has uuid ${missing}`);
      await refused(() => api.post('/fqname-to-id', { type: 'virtual-network', fq_name: [...PROJECT, 'nope'] }), 404, 'virtual-network default-domain:errors:nope does not exist');
      await refused(
        () => api.post('/ref-update', { operation: 'ADD', type: 'virtual-network', uuid: missing, 'ref-type': 'network-policy', 'ref-uuid': ids.policy }),
        404,
        `virtual-network ${missing} does not exist`,
      );
    });

    it('a ref to a missing object, by fq_name or uuid', async () => {
      await refused(createVn({ fq_name: [...PROJECT, 'bad'], network_policy_refs: [{ to: [...PROJECT, 'nope'] }] }), 404, 'network_policy_refs[0]: network-policy default-domain:errors:nope does not exist');
      await refused(
        () => api.post('/instance-ips', { 'instance-ip': { fq_name: ['bad-iip'], virtual_network_refs: [{ uuid: '00000000-0000-4000-8000-000000000001' }] } }),
        404,
        'virtual_network_refs[0]: virtual-network 00000000-0000-4000-8000-000000000001 does not exist',
      );
      await refused(
        () => api.post('/ref-update', { operation: 'ADD', type: 'virtual-network', uuid: ids.vn, 'ref-type': 'network-policy', 'ref-fq-name': [...PROJECT, 'nope'] }),
        404,
        'network-policy default-domain:errors:nope does not exist',
      );
    });

    it('a missing parent, by fq_name or parent_uuid', async () => {
      await refused(createVn({ fq_name: ['default-domain', 'nope', 'vn'] }), 404, 'parent project default-domain:nope of virtual-network default-domain:nope:vn does not exist');
      await refused(createVn({ name: 'orphan', parent_uuid: '00000000-0000-4000-8000-000000000002' }), 404, 'parent 00000000-0000-4000-8000-000000000002 does not exist');
    });
  });

  describe('409 Conflict', () => {
    it('an fq_name (or uuid) that already exists', async () => {
      await refused(createVn({ fq_name: VN }), 409, `virtual-network default-domain:errors:vn already exists (uuid ${ids.vn})`);
      await refused(createVn({ fq_name: [...PROJECT, 'other'], uuid: ids.sg }), 409, `uuid ${ids.sg} is already used by security-group`);
    });

    it('deleting an object that still has children names them', async () => {
      const body = await refused(() => api.delete(`/project/${ids.project}`), 409, `cannot delete project ${ids.project} (default-domain:errors): children still present: [`);
      for (const child of ['default-domain:errors:vn', 'default-domain:errors:np', 'default-domain:errors:sg', 'default-domain:errors:vmi']) expect(body.message).toContain(child);
    });

    it('deleting an object that is still referred to names the referrers', async () => {
      const body = await refused(() => api.delete(`/virtual-network/${ids.vn}`), 409, `cannot delete virtual-network ${ids.vn} (default-domain:errors:vn): still referred to by [`);
      expect(body.message).toContain(`virtual-machine-interface ${ids.vmi} (default-domain:errors:vmi)`);
      expect(body.message).toContain(`instance-ip ${ids.iip} (errors-iip)`);
      const np = await refused(() => api.delete(`/network-policy/${ids.policy}`), 409, 'still referred to by [virtual-network');
      expect(np.message).toContain('default-domain:errors:vn');
    });

    it('an address already taken, the gateway, a MAC already used', async () => {
      const taken = (await api.read('instance-ip', ids.iip)).instance_ip_address as string;
      await refused(
        () => api.post('/instance-ips', { 'instance-ip': { fq_name: ['dup-iip'], instance_ip_address: taken, virtual_network_refs: [{ uuid: ids.vn }] } }),
        409,
        `${taken} is already allocated in subnet 10.40.0.0/29`,
      );
      await refused(
        () => api.post('/instance-ips', { 'instance-ip': { fq_name: ['gw-iip'], instance_ip_address: '10.40.0.6', virtual_network_refs: [{ uuid: ids.vn }] } }),
        409,
        '10.40.0.6 is reserved in subnet 10.40.0.0/29: it is the default gateway address',
      );
      const mac = (await api.read('virtual-machine-interface', ids.vmi)).virtual_machine_interface_mac_addresses.mac_address[0];
      await refused(
        () =>
          api.post('/virtual-machine-interfaces', {
            'virtual-machine-interface': { fq_name: [...PROJECT, 'dup-mac'], parent_type: 'project', virtual_network_refs: [{ uuid: ids.vn }], virtual_machine_interface_mac_addresses: { mac_address: [mac] } },
          }),
        409,
        `MAC address ${mac} is already used by virtual-machine-interface ${ids.vmi}`,
      );
    });

    it('an exhausted address pool', async () => {
      const last = await api.create('instance-ip', { fq_name: ['errors-iip-2'], virtual_network_refs: [{ uuid: ids.vn }] });
      expect(['10.40.0.2', '10.40.0.3']).toContain(last.instance_ip_address);
      await refused(
        () => api.post('/instance-ips', { 'instance-ip': { fq_name: ['errors-iip-3'], virtual_network_refs: [{ uuid: ids.vn }] } }),
        409,
        'virtual-network default-domain:errors:vn has no free address left in 10.40.0.0/29',
      );
    });
  });

  describe('412 Precondition Failed', () => {
    it('If-Match that is not the current revision, on PUT and DELETE', async () => {
      const etag = (await api.get(`/security-group/${ids.sg}`)).headers.get('etag')!;
      const stale = `"${Number(JSON.parse(etag)) + 1}"`;
      await refused(
        () => api.put(`/security-group/${ids.sg}`, { 'security-group': { display_name: 'x' } }, { headers: { 'If-Match': stale } }),
        412,
        `security-group ${ids.sg} (default-domain:errors:sg) is at revision ${JSON.parse(etag)}, not ${JSON.parse(stale)} (If-Match)`,
      );
      await refused(() => api.delete(`/security-group/${ids.sg}`, { headers: { 'If-Match': stale } }), 412, '(If-Match)');
      expect((await api.get(`/security-group/${ids.sg}`)).status).toBe(200);
    });
  });

  describe('413 Payload Too Large', () => {
    it('a body over REST_BODY_LIMIT_BYTES', async () => {
      const res = await api.expectNothingWritten(() => api.postBytes('/projects', BODY_LIMIT + 1024));
      expect(res).toEqual({ status: 413, body: errorBody(413, `the request body is larger than the limit of ${BODY_LIMIT} bytes (REST_BODY_LIMIT_BYTES)`) });
      expect((await api.post('/fqname-to-id', { type: 'project', fq_name: ['default-domain', 'too-big'] })).status).toBe(404);
    });
  });

  it('after all of that, the objects the refused requests named are as they were', async () => {
    const vn = await api.read('virtual-network', ids.vn);
    expect(vn.network_ipam_refs[0].attr.ipam_subnets).toHaveLength(1);
    expect(vn.network_policy_refs).toEqual([expect.objectContaining({ uuid: ids.policy, attr: { sequence: { major: 0, minor: 0 } } })]);
    expect(vn.mtu).toBeUndefined();
    expect((await api.get(`/virtual-networks?parent_id=${ids.project}&count=true`)).body).toEqual({ 'virtual-networks': { count: 1 } });
  });
});
