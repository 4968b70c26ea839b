// What Contrail's Python client (vnc_api) and Contrail scripts send, verbatim, over real HTTP: the home page it
// discovers URLs from, its create/read/update/list/delete bodies and query strings, the action endpoints, and
// every list parameter of GET /<type>s.
import { DEFAULT_IPAM, RunningController, networkBody, subnet, tempDataDir, type ConfigApi, type Json } from './config-api-support.js';

const SERVED_TYPES = [
  'global-system-config',
  'domain',
  'project',
  'network-ipam',
  'virtual-network',
  'network-policy',
  'security-group',
  'virtual-router',
  'virtual-machine',
  'virtual-machine-interface',
  'instance-ip',
  'tag',
  'routing-instance',
  'route-target',
  'virtual-network-router',
  'cluster',
];

describe('config API: Contrail client requests, actions and list parameters over HTTP', () => {
  const dir = tempDataDir();
  let controller: RunningController;
  let api: ConfigApi;

  beforeAll(async () => {
    controller = await RunningController.start(dir.path);
    api = controller.api;
  });

  afterAll(async () => {
    await controller?.process.ensureStopped();
    dir.remove();
  });

  describe('home page (GET /)', () => {
    it('links a collection and a resource-base per type, and every action the client looks up by name', async () => {
      const res = await api.get('/');
      expect(res.status).toBe(200);
      expect(res.body.href).toBe(api.base);
      const links = (res.body.links as Json[]).map((l) => l.link);
      for (const type of SERVED_TYPES) {
        expect(links).toContainEqual({ rel: 'collection', href: `${api.base}/${type}s`, name: type });
        expect(links).toContainEqual({ rel: 'resource-base', href: `${api.base}/${type}`, name: type });
      }
      const actions = Object.fromEntries(links.filter((l) => l.rel === 'action').map((l) => [l.name, l.href]));
      expect(actions).toMatchObject({
        'name-to-id': `${api.base}/fqname-to-id`,
        'id-to-name': `${api.base}/id-to-fqname`,
        'ref-update': `${api.base}/ref-update`,
        'list-bulk-collection': `${api.base}/list-bulk-collection`,
        'prop-collection-get': `${api.base}/prop-collection-get`,
        'prop-collection-update': `${api.base}/prop-collection-update`,
      });
      expect(links.filter((l) => l.rel === 'collection')).toHaveLength(SERVED_TYPES.length);
    });

    it('every collection link it gives answers a list', async () => {
      const links = ((await api.get('/')).body.links as Json[]).map((l) => l.link).filter((l) => l.rel === 'collection');
      for (const link of links) {
        const res = await fetch(link.href as string);
        expect({ href: link.href, status: res.status }).toEqual({ href: link.href, status: 200 });
        expect(Object.keys((await res.json()) as object)).toEqual([`${link.name}s`]);
      }
    });
  });

  describe('vnc_api requests, as the client sends them (vnc-api-client.md)', () => {
    let ipamUuid: string;
    let vnUuid: string;
    const vn = ['default-domain', 'default-project', 'vnc-vn'];

    it('fq_name_to_id: POST /fqname-to-id', async () => {
      const res = await api.post('/fqname-to-id', { type: 'network-ipam', fq_name: DEFAULT_IPAM });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ uuid: expect.any(String) });
      ipamUuid = res.body.uuid;
    });

    it('virtual_network_create: "uuid": null, refs with to and uuid, null-valued optional keys', async () => {
      const res = await api.post('/virtual-networks', {
        'virtual-network': {
          uuid: null,
          fq_name: vn,
          parent_type: 'project',
          display_name: null,
          virtual_network_properties: null,
          route_target_list: null,
          network_ipam_refs: [
            {
              to: DEFAULT_IPAM,
              uuid: ipamUuid,
              attr: {
                ipam_subnets: [
                  {
                    subnet: { ip_prefix: '10.1.0.0', ip_prefix_len: 24 },
                    default_gateway: '10.1.0.1',
                    enable_dhcp: true,
                    alloc_unit: 1,
                    dns_nameservers: [],
                    allocation_pools: [],
                    dhcp_relay_server: [],
                    dns_server_address: null,
                    subnet_uuid: null,
                    subnet_name: null,
                    addr_from_start: null,
                    host_routes: null,
                    dhcp_option_list: null,
                    created: null,
                    last_modified: null,
                  },
                ],
                host_routes: null,
              },
            },
          ],
        },
      });
      expect(res.status).toBe(200);
      const answer = res.body['virtual-network'];
      expect(answer).toMatchObject({ uuid: expect.any(String), fq_name: vn, parent_type: 'project', parent_uuid: expect.any(String) });
      vnUuid = answer.uuid;
      const read = await api.read('virtual-network', vnUuid);
      expect(read.network_ipam_refs[0]).toMatchObject({ to: DEFAULT_IPAM, uuid: ipamUuid });
      expect(read.network_ipam_refs[0].attr.ipam_subnets[0]).toMatchObject({
        subnet: { ip_prefix: '10.1.0.0', ip_prefix_len: 24 },
        default_gateway: '10.1.0.1',
        dns_server_address: '10.1.0.253',
        subnet_uuid: expect.any(String),
      });
      expect(read.display_name).toBe('vnc-vn');
    });

    it('virtual_network_read: ?exclude_back_refs=True&exclude_children=True, and ?fields=', async () => {
      const res = await api.get(`/virtual-network/${vnUuid}?exclude_back_refs=True&exclude_children=True`);
      expect(res.status).toBe(200);
      expect(res.body['virtual-network']).toMatchObject({ uuid: vnUuid, fq_name: vn, network_ipam_refs: [expect.objectContaining({ uuid: ipamUuid })] });
      const fields = await api.read('virtual-network', vnUuid, '?fields=mtu,network_ipam_refs');
      expect(fields.network_ipam_refs).toHaveLength(1);
      expect(fields.virtual_network_network_id).toBeUndefined();
    });

    it('virtual_networks_list: ?detail=False&count=False&shared=False, then detail=True and count=True', async () => {
      const plain = await api.get('/virtual-networks?detail=False&count=False&shared=False');
      expect(plain.status).toBe(200);
      expect(plain.body['virtual-networks']).toContainEqual({ uuid: vnUuid, fq_name: vn, href: `${api.base}/virtual-network/${vnUuid}` });
      const detail = await api.get('/virtual-networks?detail=True');
      const mine = (detail.body['virtual-networks'] as Json[]).find((e) => e['virtual-network'].uuid === vnUuid);
      expect(mine['virtual-network']).toMatchObject({ fq_name: vn, network_ipam_refs: expect.any(Array), virtual_network_network_id: expect.any(Number) });
      const count = await api.get('/virtual-networks?count=True');
      expect(count.body).toEqual({ 'virtual-networks': { count: (plain.body['virtual-networks'] as Json[]).length } });
    });

    it('virtual_network_update: PUT with the uuid and the changed properties only', async () => {
      const res = await api.put(`/virtual-network/${vnUuid}`, { 'virtual-network': { uuid: vnUuid, mtu: 1400 } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ 'virtual-network': { uuid: vnUuid, href: `${api.base}/virtual-network/${vnUuid}` } });
      expect((await api.read('virtual-network', vnUuid)).mtu).toBe(1400);
    });

    it('virtual_machine_interface_create and instance_ip_create with "uuid": null and a requested address', async () => {
      const vmi = await api.post('/virtual-machine-interfaces', {
        'virtual-machine-interface': { uuid: null, fq_name: ['default-domain', 'default-project', 'vnc-vmi'], parent_type: 'project', virtual_network_refs: [{ to: vn, uuid: vnUuid }] },
      });
      expect(vmi.status).toBe(200);
      const vmiUuid = vmi.body['virtual-machine-interface'].uuid;
      const iip = await api.post('/instance-ips', {
        'instance-ip': {
          uuid: null,
          fq_name: ['iip-test'],
          instance_ip_address: '10.1.0.5',
          virtual_network_refs: [{ to: vn, uuid: vnUuid }],
          virtual_machine_interface_refs: [{ to: ['default-domain', 'default-project', 'vnc-vmi'], uuid: vmiUuid }],
        },
      });
      expect(iip.status).toBe(200);
      expect(iip.body['instance-ip']).toMatchObject({ fq_name: ['iip-test'], instance_ip_address: '10.1.0.5' });
      // The client deletes by uuid with no body (Content-Length: 0) and expects an empty 200.
      for (const [type, uuid] of [
        ['instance-ip', iip.body['instance-ip'].uuid],
        ['virtual-machine-interface', vmiUuid],
      ]) {
        const res = await fetch(`${api.base}/${type}/${uuid}`, { method: 'DELETE', headers: { 'content-length': '0' } });
        expect(res.status).toBe(200);
        await res.text();
      }
    });

    it('ref_update: ADD by ref-uuid with attr, then DELETE by ref-fq-name with attr null', async () => {
      const policy = await api.create('network-policy', {
        fq_name: ['default-domain', 'default-project', 'vnc-np'],
        parent_type: 'project',
        network_policy_entries: { policy_rule: [] },
      });
      const add = await api.post('/ref-update', {
        type: 'virtual-network',
        uuid: vnUuid,
        'ref-type': 'network-policy',
        'ref-uuid': policy.uuid,
        'ref-fq-name': null,
        operation: 'ADD',
        attr: { sequence: { major: 0, minor: 0 } },
      });
      expect(add.status).toBe(200);
      expect(add.body).toEqual({ uuid: vnUuid });
      expect(Number(add.headers.get('x-log-position'))).toBe(await api.head());
      expect((await api.read('virtual-network', vnUuid)).network_policy_refs).toEqual([
        expect.objectContaining({ to: policy.fq_name, uuid: policy.uuid, attr: { sequence: { major: 0, minor: 0 } } }),
      ]);
      // ADD again re-attributes the same ref.
      await api.post('/ref-update', { type: 'virtual-network', uuid: vnUuid, 'ref-type': 'network-policy', 'ref-uuid': policy.uuid, operation: 'ADD', attr: { sequence: { major: 3, minor: 1 } } });
      expect((await api.read('network-policy', policy.uuid)).virtual_network_back_refs).toEqual([
        expect.objectContaining({ uuid: vnUuid, attr: { sequence: { major: 3, minor: 1 } } }),
      ]);
      const del = await api.post('/ref-update', {
        type: 'virtual-network',
        uuid: vnUuid,
        'ref-type': 'network-policy',
        'ref-uuid': null,
        'ref-fq-name': policy.fq_name,
        operation: 'DELETE',
        attr: null,
      });
      expect(del.status).toBe(200);
      expect((await api.read('virtual-network', vnUuid)).network_policy_refs).toBeUndefined();
      expect((await api.read('network-policy', policy.uuid)).virtual_network_back_refs).toBeUndefined();
    });

    it('virtual_network_delete: DELETE with no body answers an empty 200', async () => {
      const res = await fetch(`${api.base}/virtual-network/${vnUuid}`, { method: 'DELETE', headers: { 'content-length': '0' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
      expect((await api.post('/id-to-fqname', { uuid: vnUuid })).status).toBe(404);
    });
  });

  describe('the spec §2 examples, verbatim', () => {
    it('creates vn-blue, the red-blue policy attached to both networks, and a kube-manager pod port', async () => {
      await api.create('project', { fq_name: ['default-domain', 'admin'], parent_type: 'domain' });
      const blue = await api.post('/virtual-networks', {
        'virtual-network': {
          parent_type: 'project',
          fq_name: ['default-domain', 'admin', 'vn-blue'],
          network_ipam_refs: [
            {
              to: ['default-domain', 'default-project', 'default-network-ipam'],
              attr: { ipam_subnets: [{ subnet: { ip_prefix: '10.1.1.0', ip_prefix_len: 24 }, default_gateway: '10.1.1.254' }] },
            },
          ],
        },
      });
      expect(blue.status).toBe(200);
      expect(blue.body['virtual-network'].network_ipam_refs[0].attr.ipam_subnets[0]).toMatchObject({ default_gateway: '10.1.1.254' });
      await api.create('virtual-network', { fq_name: ['default-domain', 'admin', 'red'], parent_type: 'project' });
      await api.create('virtual-network', { fq_name: ['default-domain', 'admin', 'blue'], parent_type: 'project' });

      const policy = await api.post('/network-policys', {
        'network-policy': {
          parent_type: 'project',
          fq_name: ['default-domain', 'admin', 'red-blue'],
          network_policy_entries: {
            policy_rule: [
              {
                direction: '<>',
                protocol: 'any',
                ethertype: 'IPv4',
                src_addresses: [{ virtual_network: 'default-domain:admin:red' }],
                src_ports: [{ start_port: -1, end_port: -1 }],
                dst_addresses: [{ virtual_network: 'default-domain:admin:blue' }],
                dst_ports: [{ start_port: -1, end_port: -1 }],
                action_list: { simple_action: 'pass' },
              },
            ],
          },
        },
      });
      expect(policy.status).toBe(200);
      for (const name of ['red', 'blue']) {
        const uuid = await api.uuidOf('virtual-network', ['default-domain', 'admin', name]);
        const res = await api.put(`/virtual-network/${uuid}`, {
          'virtual-network': { network_policy_refs: [{ to: ['default-domain', 'admin', 'red-blue'], attr: { sequence: { major: 0, minor: 0 } } }] },
        });
        expect(res.status).toBe(200);
      }
      const np = await api.read('network-policy', policy.body['network-policy'].uuid);
      expect(np.virtual_network_back_refs.map((r: Json) => r.to)).toEqual([
        ['default-domain', 'admin', 'red'],
        ['default-domain', 'admin', 'blue'],
      ]);

      // The pod port (KM vnc_pod): VM with the pod UID, VMI in the namespace's project, instance-ip from a subnet.
      const podUid = '3b0f3c52-6a1e-4b3b-9d2c-7f1e2d3c4b5a';
      await api.create('project', { fq_name: ['default-domain', 'k8s-default'], parent_type: 'domain' });
      const podNet = await api.create('virtual-network', networkBody(['default-domain', 'k8s-default', 'k8s-default-pod-network'], [{ subnet: subnet('10.32.0.0/12') }]));
      await api.create('security-group', { fq_name: ['default-domain', 'k8s-default', 'k8s-default-default-sg'], parent_type: 'project' });
      const vm = await api.post('/virtual-machines', { 'virtual-machine': { fq_name: ['k8s__default__nginx'], uuid: podUid, server_type: 'container' } });
      expect(vm.status).toBe(200);
      expect(vm.body['virtual-machine'].uuid).toBe(podUid);
      const vmi = await api.post('/virtual-machine-interfaces', {
        'virtual-machine-interface': {
          parent_type: 'project',
          fq_name: ['default-domain', 'k8s-default', `nginx__${podUid}`],
          virtual_network_refs: [{ to: ['default-domain', 'k8s-default', 'k8s-default-pod-network'] }],
          virtual_machine_refs: [{ to: ['k8s__default__nginx'] }],
          security_group_refs: [{ to: ['default-domain', 'k8s-default', 'k8s-default-default-sg'] }],
          port_security_enabled: true,
        },
      });
      expect(vmi.status).toBe(200);
      expect(vmi.body['virtual-machine-interface'].virtual_machine_interface_mac_addresses.mac_address[0]).toMatch(/^02(:[0-9a-f]{2}){5}$/);
      const subnetUuid = podNet.network_ipam_refs[0].attr.ipam_subnets[0].subnet_uuid;
      const iip = await api.post('/instance-ips', {
        'instance-ip': {
          fq_name: [`nginx__${podUid}`],
          subnet_uuid: subnetUuid,
          virtual_network_refs: [{ to: ['default-domain', 'k8s-default', 'k8s-default-pod-network'] }],
          virtual_machine_interface_refs: [{ to: ['default-domain', 'k8s-default', `nginx__${podUid}`] }],
        },
      });
      expect(iip.status).toBe(200);
      expect(iip.body['instance-ip']).toMatchObject({ subnet_uuid: subnetUuid, instance_ip_address: '10.47.255.252' });
      const vmRead = await api.read('virtual-machine', podUid);
      expect(vmRead.virtual_machine_interface_back_refs).toEqual([expect.objectContaining({ uuid: vmi.body['virtual-machine-interface'].uuid })]);
    });
  });

  describe('action endpoints', () => {
    it('/fqname-to-id and /id-to-fqname go both ways', async () => {
      const uuid = await api.uuidOf('project', ['default-domain', 'default-project']);
      const back = await api.post('/id-to-fqname', { uuid });
      expect(back.status).toBe(200);
      expect(back.body).toEqual({ type: 'project', fq_name: ['default-domain', 'default-project'] });
    });

    it('/prop-collection-get answers the asked list and map properties of an object', async () => {
      const vn = await api.create('virtual-network', { fq_name: ['default-domain', 'default-project', 'props-vn'], parent_type: 'project' });
      const vmi = await api.create('virtual-machine-interface', {
        fq_name: ['default-domain', 'default-project', 'props-vmi'],
        parent_type: 'project',
        virtual_network_refs: [{ uuid: vn.uuid }],
        virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: 'node1' }] },
        annotations: { key_value_pair: [{ key: 'owner', value: 'k8s' }] },
      });
      const res = await api.get(`/prop-collection-get?uuid=${vmi.uuid}&fields=virtual_machine_interface_bindings,annotations`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: 'node1' }] },
        annotations: { key_value_pair: [{ key: 'owner', value: 'k8s' }] },
      });
      expect((await api.get('/prop-collection-get?uuid=00000000-0000-4000-8000-000000000000&fields=annotations')).status).toBe(404);
    });

    it('/prop-collection-update sets and deletes map elements, and refuses what is not a collection', async () => {
      const vn = await api.create('virtual-network', { fq_name: ['default-domain', 'default-project', 'props-upd'], parent_type: 'project' });
      const set = await api.post('/prop-collection-update', {
        uuid: vn.uuid,
        updates: [
          { field: 'annotations', operation: 'set', value: { key: 'a', value: '1' } },
          { field: 'annotations', operation: 'set', value: { key: 'b', value: '2' } },
        ],
      });
      expect(set.status).toBe(200);
      await api.post('/prop-collection-update', { uuid: vn.uuid, updates: [{ field: 'annotations', operation: 'delete', position: 'a' }] });
      const read = await api.get(`/prop-collection-get?uuid=${vn.uuid}&fields=annotations`);
      expect(read.body).toEqual({ annotations: { key_value_pair: [{ key: 'b', value: '2' }] } });
      const refused = await api.post('/prop-collection-update', { uuid: vn.uuid, updates: [{ field: 'display_name', operation: 'set', value: 'x' }] });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/display_name is not a list or map property of virtual-network/);
    });
  });

  describe('list parameters of GET /<type>s and POST /list-bulk-collection', () => {
    const ids: Record<string, string> = {};
    let p1: string;
    let p2: string;
    let policy: string;
    const names = (answer: Json, collection = 'virtual-networks') => (answer[collection] as Json[]).map((e) => e.fq_name[e.fq_name.length - 1]);

    beforeAll(async () => {
      p1 = (await api.create('project', { fq_name: ['default-domain', 'lists'], parent_type: 'domain' })).uuid;
      p2 = (await api.create('project', { fq_name: ['default-domain', 'lists2'], parent_type: 'domain' })).uuid;
      policy = (await api.create('network-policy', { fq_name: ['default-domain', 'lists', 'lp'], parent_type: 'project', network_policy_entries: { policy_rule: [] } })).uuid;
      const policyRef = { network_policy_refs: [{ uuid: policy, attr: { sequence: { major: 0, minor: 0 } } }] };
      const specs: Array<[string, string[], Record<string, unknown>]> = [
        ['a', ['default-domain', 'lists'], { is_shared: true, mtu: 1400, ...policyRef }],
        ['b', ['default-domain', 'lists'], { is_shared: true, mtu: 1500, display_name: 'Bee' }],
        ['c', ['default-domain', 'lists'], { is_shared: false, mtu: 9000, ...policyRef }],
        ['d', ['default-domain', 'lists'], {}],
        ['e', ['default-domain', 'lists2'], { mtu: 1400 }],
      ];
      for (const [name, project, extra] of specs) {
        ids[name] = (await api.create('virtual-network', { fq_name: [...project, name], parent_type: 'project', ...extra })).uuid;
      }
    });

    it('parent_id (one or several) and parent_fq_name_str with or without parent_type', async () => {
      expect(names((await api.get(`/virtual-networks?parent_id=${p1}`)).body)).toEqual(['a', 'b', 'c', 'd']);
      expect(names((await api.get(`/virtual-networks?parent_id=${p1},${p2}`)).body)).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(names((await api.get('/virtual-networks?parent_fq_name_str=default-domain:lists2&parent_type=project')).body)).toEqual(['e']);
      expect(names((await api.get('/virtual-networks?parent_fq_name_str=default-domain:lists')).body)).toEqual(['a', 'b', 'c', 'd']);
      expect(names((await api.get('/virtual-networks?parent_fq_name_str=default-domain:nope&parent_type=project')).body)).toEqual([]);
      expect(names((await api.get(`/network-policys?parent_id=${p1}`)).body, 'network-policys')).toEqual(['lp']);
    });

    it('obj_uuids, fq_names and back_ref_id', async () => {
      expect(names((await api.get(`/virtual-networks?obj_uuids=${ids.e},${ids.a}`)).body)).toEqual(['a', 'e']);
      expect(names((await api.get('/virtual-networks?fq_names=default-domain:lists:b,default-domain:lists2:e')).body)).toEqual(['b', 'e']);
      expect(names((await api.get(`/virtual-networks?back_ref_id=${policy}`)).body)).toEqual(['a', 'c']);
      expect(names((await api.get(`/virtual-networks?back_ref_id=${policy}&obj_uuids=${ids.c}`)).body)).toEqual(['c']);
    });

    it('detail, count, fields and exclude_hrefs', async () => {
      const detail = await api.get(`/virtual-networks?parent_id=${p2}&detail=true`);
      expect(detail.body['virtual-networks']).toEqual([{ 'virtual-network': expect.objectContaining({ uuid: ids.e, mtu: 1400, href: `${api.base}/virtual-network/${ids.e}` }) }]);
      expect((await api.get(`/virtual-networks?parent_id=${p1}&count=true`)).body).toEqual({ 'virtual-networks': { count: 4 } });
      const fields = await api.get(`/virtual-networks?parent_id=${p1}&fields=mtu,is_shared`);
      expect(fields.body['virtual-networks']).toEqual([
        { uuid: ids.a, fq_name: ['default-domain', 'lists', 'a'], href: `${api.base}/virtual-network/${ids.a}`, mtu: 1400, is_shared: true },
        { uuid: ids.b, fq_name: ['default-domain', 'lists', 'b'], href: `${api.base}/virtual-network/${ids.b}`, mtu: 1500, is_shared: true },
        { uuid: ids.c, fq_name: ['default-domain', 'lists', 'c'], href: `${api.base}/virtual-network/${ids.c}`, mtu: 9000, is_shared: false },
        { uuid: ids.d, fq_name: ['default-domain', 'lists', 'd'], href: `${api.base}/virtual-network/${ids.d}` },
      ]);
      const bare = await api.get(`/virtual-networks?parent_id=${p2}&exclude_hrefs=True`);
      expect(bare.body).toEqual({ 'virtual-networks': [{ uuid: ids.e, fq_name: ['default-domain', 'lists2', 'e'] }] });
      const bareDetail = await api.get(`/virtual-networks?parent_id=${p1}&detail=True&exclude_hrefs=True`);
      expect(JSON.stringify(bareDetail.body)).not.toContain('href');
    });

    it('filters: values JSON-decoded, repeated keys OR-ed, different keys AND-ed', async () => {
      const list = async (filters: string, parent = p1) => names((await api.get(`/virtual-networks?parent_id=${parent}&filters=${encodeURIComponent(filters)}`)).body);
      expect(await list('mtu==1400')).toEqual(['a']);
      expect(await list('mtu==1400,mtu==9000')).toEqual(['a', 'c']);
      expect(await list('is_shared==true')).toEqual(['a', 'b']);
      expect(await list('is_shared=="true"')).toEqual([]);
      expect(await list('is_shared==true,mtu==1500')).toEqual(['b']);
      expect(await list('display_name=="Bee"')).toEqual(['b']);
      expect(await list('name==d')).toEqual(['d']);
      // display_name defaults to the name, as GET shows it.
      expect(await list('display_name==c')).toEqual(['c']);
      expect((await api.get(`/virtual-networks?parent_id=${p1}&filters=mtu==1400&count=True`)).body).toEqual({ 'virtual-networks': { count: 1 } });
    });

    it('page_limit with page_marker walks the list; each answer carries the marker of the next page', async () => {
      const seen: string[] = [];
      let marker: string | null = null;
      let pages = 0;
      do {
        const res = await api.get(`/virtual-networks?parent_id=${p1},${p2}&page_limit=2${marker ? `&page_marker=${marker}` : ''}`);
        expect(res.status).toBe(200);
        const page = res.body['virtual-networks'] as Json[];
        expect(page.length).toBeLessThanOrEqual(2);
        seen.push(...page.map((e) => e.uuid as string));
        expect(Object.keys(res.body)).toContain('marker');
        marker = res.body.marker;
        if (marker !== null) expect(marker).toBe(page[page.length - 1].uuid);
        pages++;
      } while (marker !== null && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual([ids.a, ids.b, ids.c, ids.d, ids.e]);
    });

    it('POST /list-bulk-collection takes the same parameters as JSON, as lists or comma-separated strings', async () => {
      const asLists = await api.post('/list-bulk-collection', {
        type: 'virtual-network',
        obj_uuids: [ids.a, ids.c, ids.e],
        fields: ['mtu'],
        detail: false,
        count: false,
        exclude_hrefs: true,
      });
      expect(asLists.status).toBe(200);
      expect(asLists.body).toEqual({
        'virtual-networks': [
          { uuid: ids.a, fq_name: ['default-domain', 'lists', 'a'], mtu: 1400 },
          { uuid: ids.c, fq_name: ['default-domain', 'lists', 'c'], mtu: 9000 },
          { uuid: ids.e, fq_name: ['default-domain', 'lists2', 'e'], mtu: 1400 },
        ],
      });
      const asStrings = await api.post('/list-bulk-collection', { type: 'virtual-network', parent_id: `${p1},${p2}`, filters: 'mtu==1400', detail: true });
      expect((asStrings.body['virtual-networks'] as Json[]).map((e) => e['virtual-network'].uuid)).toEqual([ids.a, ids.e]);
      const many = Array.from({ length: 30 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
      const bulk = await api.post('/list-bulk-collection', { type: 'virtual-network', obj_uuids: [...many, ids.b], count: true });
      expect(bulk.body).toEqual({ 'virtual-networks': { count: 1 } });
    });
  });
});
