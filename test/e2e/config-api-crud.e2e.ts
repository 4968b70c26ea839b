// Contrail's resource routes over real HTTP against the built controller: create, read, update and delete of
// every type a client may create, refs with their attributes, back-refs and children, and what the server fills in
// (VN ids, security-group ids, MACs, instance-ip addresses).
import { RunningController, tempDataDir, networkBody, subnet, ipv4, type ConfigApi, type Json } from './config-api-support.js';
import { passRule } from '../support/policy-rules.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PROJECT = ['crud-domain', 'crud'];
const IPAM = [...PROJECT, 'ipam'];
const VN = [...PROJECT, 'vn'];
const VM_UUID = '5d1c9d8e-1111-4222-8333-944455556666';
const VMI_UUID = '8f2a1c3d-4b5e-4c6d-8e7f-0a1b2c3d4e5f';

interface Case {
  type: string;
  create: Record<string, unknown>;
  /** What GET must show after the create. */
  created: (o: Json) => void;
  update: Record<string, unknown>;
  /** What GET must show after the update. */
  updated: (o: Json) => void;
}

describe('config API: create, read, update and delete over HTTP', () => {
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

  describe('every creatable type', () => {
    /** uuid of each case's object, by type, in creation order. */
    const made = new Map<string, string>();

    const cases: Case[] = [
      {
        type: 'global-system-config',
        create: { fq_name: ['crud-gsc'], autonomous_system: 65001 },
        created: (o) => {
          expect(o).toMatchObject({ fq_name: ['crud-gsc'], name: 'crud-gsc', autonomous_system: 65001 });
          expect(o.parent_type).toBeUndefined();
        },
        update: { autonomous_system: 65002, ibgp_auto_mesh: false },
        updated: (o) => expect(o).toMatchObject({ autonomous_system: 65002, ibgp_auto_mesh: false }),
      },
      {
        type: 'domain',
        create: { fq_name: ['crud-domain'], domain_limits: { project_limit: 5 } },
        created: (o) => expect(o).toMatchObject({ fq_name: ['crud-domain'], domain_limits: { project_limit: 5 }, display_name: 'crud-domain' }),
        update: { domain_limits: { project_limit: 10 }, display_name: 'CRUD domain' },
        updated: (o) => expect(o).toMatchObject({ domain_limits: { project_limit: 10 }, display_name: 'CRUD domain' }),
      },
      {
        type: 'project',
        create: { fq_name: PROJECT, parent_type: 'domain', quota: { virtual_network: 10 } },
        created: (o) => expect(o).toMatchObject({ fq_name: PROJECT, parent_type: 'domain', parent_uuid: made.get('domain'), quota: { virtual_network: 10 } }),
        update: { quota: { virtual_network: 20 }, vxlan_routing: true },
        updated: (o) => expect(o).toMatchObject({ quota: { virtual_network: 20 }, vxlan_routing: true }),
      },
      {
        type: 'network-ipam',
        create: { fq_name: IPAM, parent_type: 'project', network_ipam_mgmt: { ipam_method: 'dhcp', ipam_dns_method: 'virtual-dns-server' } },
        created: (o) => expect(o).toMatchObject({ parent_uuid: made.get('project'), network_ipam_mgmt: { ipam_dns_method: 'virtual-dns-server' } }),
        update: { network_ipam_mgmt: { ipam_method: 'dhcp', ipam_dns_method: 'default-dns-server' } },
        updated: (o) => expect(o.network_ipam_mgmt).toEqual({ ipam_method: 'dhcp', ipam_dns_method: 'default-dns-server' }),
      },
      {
        type: 'virtual-network',
        create: networkBody(
          VN,
          [
            {
              subnet: subnet('10.10.0.0/24'),
              default_gateway: '10.10.0.1',
              addr_from_start: true,
              enable_dhcp: false,
              allocation_pools: [{ start: '10.10.0.10', end: '10.10.0.99' }],
            },
            { subnet: subnet('10.10.1.0/24') },
          ],
          IPAM,
          { virtual_network_properties: { forwarding_mode: 'l2_l3', rpf: 'enable' } },
        ),
        created: (o) => {
          expect(o.virtual_network_network_id).toEqual(expect.any(Number));
          expect(o.virtual_network_properties).toEqual({ forwarding_mode: 'l2_l3', rpf: 'enable', network_id: o.virtual_network_network_id });
          expect(o.network_ipam_refs).toEqual([
            {
              to: IPAM,
              uuid: made.get('network-ipam'),
              href: `${api.base}/network-ipam/${made.get('network-ipam')}`,
              attr: {
                ipam_subnets: [
                  {
                    subnet: subnet('10.10.0.0/24'),
                    default_gateway: '10.10.0.1',
                    dns_server_address: '10.10.0.2',
                    addr_from_start: true,
                    enable_dhcp: false,
                    allocation_pools: [{ start: '10.10.0.10', end: '10.10.0.99' }],
                    subnet_uuid: expect.stringMatching(UUID),
                  },
                  {
                    subnet: subnet('10.10.1.0/24'),
                    default_gateway: '10.10.1.254',
                    dns_server_address: '10.10.1.253',
                    enable_dhcp: true,
                    subnet_uuid: expect.stringMatching(UUID),
                  },
                ],
              },
            },
          ]);
        },
        // A property present replaces the stored one whole: rpf goes, network_id stays (the system's).
        update: { mtu: 1400, virtual_network_properties: { forwarding_mode: 'l3' } },
        updated: (o) => {
          expect(o.mtu).toBe(1400);
          expect(o.virtual_network_properties).toEqual({ forwarding_mode: 'l3', network_id: o.virtual_network_network_id });
        },
      },
      {
        type: 'network-policy',
        create: { fq_name: [...PROJECT, 'np'], parent_type: 'project', network_policy_entries: { policy_rule: [passRule('crud-domain:crud:vn', 'crud-domain:crud:other')] } },
        created: (o) => expect(o.network_policy_entries.policy_rule).toEqual([passRule('crud-domain:crud:vn', 'crud-domain:crud:other')]),
        update: { network_policy_entries: { policy_rule: [{ ...passRule('any', 'crud-domain:crud:vn'), direction: '>', action_list: { simple_action: 'deny' } }] } },
        updated: (o) => expect(o.network_policy_entries.policy_rule).toEqual([expect.objectContaining({ direction: '>', action_list: { simple_action: 'deny' } })]),
      },
      {
        type: 'virtual-network-router',
        create: {
          fq_name: [...PROJECT, 'vnr'],
          parent_type: 'project',
          virtual_network_router_type: 'mesh',
          virtual_network_selector: { match_labels: { vn: 'web' } },
          virtual_network_refs: [{ to: VN }],
        },
        created: (o) => {
          expect(o).toMatchObject({ virtual_network_router_type: 'mesh', virtual_network_selector: { match_labels: { vn: 'web' } } });
          expect(o.virtual_network_refs).toEqual([expect.objectContaining({ to: VN, uuid: made.get('virtual-network') })]);
        },
        update: { virtual_network_router_type: 'hub', virtual_network_refs: [] },
        updated: (o) => {
          expect(o.virtual_network_router_type).toBe('hub');
          expect(o.virtual_network_refs).toBeUndefined();
        },
      },
      {
        type: 'security-group',
        create: { fq_name: [...PROJECT, 'sg'], parent_type: 'project', security_group_entries: { policy_rule: [passRule('local', 'any')] } },
        created: (o) => expect(o.security_group_id).toBeGreaterThanOrEqual(8_000_000),
        update: { configured_security_group_id: 100, security_group_entries: { policy_rule: [] } },
        updated: (o) => {
          expect(o).toMatchObject({ configured_security_group_id: 100, security_group_entries: { policy_rule: [] } });
          expect(o.security_group_id).toBeGreaterThanOrEqual(8_000_000);
        },
      },
      {
        type: 'virtual-machine',
        create: { fq_name: ['crud-vm'], uuid: VM_UUID, server_type: 'container' },
        created: (o) => expect(o).toMatchObject({ uuid: VM_UUID, fq_name: ['crud-vm'], server_type: 'container' }),
        update: { annotations: { key_value_pair: [{ key: 'pod', value: 'nginx' }] } },
        updated: (o) => expect(o.annotations).toEqual({ key_value_pair: [{ key: 'pod', value: 'nginx' }] }),
      },
      {
        type: 'virtual-router',
        create: {
          fq_name: ['default-global-system-config', 'crud-vr'],
          parent_type: 'global-system-config',
          virtual_router_ip_address: '192.168.1.11',
          virtual_router_type: 'embedded',
          virtual_machine_refs: [{ to: ['crud-vm'] }],
        },
        created: (o) => {
          expect(o).toMatchObject({ parent_type: 'global-system-config', virtual_router_ip_address: '192.168.1.11', virtual_router_type: 'embedded' });
          expect(o.virtual_machine_refs).toEqual([expect.objectContaining({ to: ['crud-vm'], uuid: VM_UUID })]);
        },
        update: { virtual_router_ip_address: '192.168.1.12', virtual_router_dpdk_enabled: true },
        updated: (o) => expect(o).toMatchObject({ virtual_router_ip_address: '192.168.1.12', virtual_router_dpdk_enabled: true }),
      },
      {
        type: 'virtual-machine-interface',
        create: {
          fq_name: [...PROJECT, 'vmi'],
          uuid: VMI_UUID,
          parent_type: 'project',
          virtual_network_refs: [{ to: VN }],
          virtual_machine_refs: [{ to: ['crud-vm'] }],
          security_group_refs: [{ to: [...PROJECT, 'sg'] }],
        },
        // Contrail's MAC: 02 and the first ten hex digits of the interface uuid.
        created: (o) => {
          expect(o.virtual_machine_interface_mac_addresses).toEqual({ mac_address: ['02:8f:2a:1c:3d:4b'] });
          expect(o.security_group_refs).toEqual([expect.objectContaining({ to: [...PROJECT, 'sg'] })]);
        },
        update: { virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: 'node1' }] }, security_group_refs: [] },
        updated: (o) => {
          expect(o.virtual_machine_interface_bindings).toEqual({ key_value_pair: [{ key: 'host_id', value: 'node1' }] });
          expect(o.security_group_refs).toBeUndefined();
          expect(o.virtual_machine_interface_mac_addresses).toEqual({ mac_address: ['02:8f:2a:1c:3d:4b'] });
        },
      },
      {
        type: 'instance-ip',
        create: { fq_name: ['crud-iip'], virtual_network_refs: [{ to: VN }], virtual_machine_interface_refs: [{ uuid: VMI_UUID }] },
        // addr_from_start and the pool 10.10.0.10-99: the first address is the pool's first.
        created: (o) => expect(o).toMatchObject({ instance_ip_address: '10.10.0.10', instance_ip_family: 'v4', subnet_uuid: expect.stringMatching(UUID) }),
        update: { instance_ip_secondary: true },
        updated: (o) => expect(o).toMatchObject({ instance_ip_secondary: true, instance_ip_address: '10.10.0.10' }),
      },
      {
        type: 'tag',
        create: { fq_name: [...PROJECT, 'app=web'], parent_type: 'project', tag_type_name: 'app', tag_value: 'web' },
        created: (o) => expect(o).toMatchObject({ parent_type: 'project', tag_type_name: 'app', tag_value: 'web' }),
        update: { annotations: { key_value_pair: [{ key: 'owner', value: 'team-a' }] } },
        updated: (o) => expect(o.annotations.key_value_pair).toEqual([{ key: 'owner', value: 'team-a' }]),
      },
      {
        type: 'cluster',
        create: { fq_name: ['default-global-system-config', 'crud-cluster'], cluster_pod_subnets: ['10.32.0.0/12'], cluster_asn: 64600 },
        created: (o) => expect(o).toMatchObject({ parent_type: 'global-system-config', cluster_pod_subnets: ['10.32.0.0/12'], cluster_asn: 64600 }),
        update: { cluster_attached: true, cluster_kubeconfig_ref: 'secret/crud-kubeconfig' },
        updated: (o) => expect(o).toMatchObject({ cluster_attached: true, cluster_kubeconfig_ref: 'secret/crud-kubeconfig', cluster_asn: 64600 }),
      },
    ];

    it.each(cases.map((c) => [c.type, c] as const))('%s: POST, GET, list, PUT, GET', async (type, c) => {
      const created = await api.post(`/${type}s`, { [type]: c.create });
      expect(created.status).toBe(200);
      expect(created.headers.get('x-log-position')).toMatch(/^\d+$/);
      const answer = created.body[type];
      const fqName = c.create.fq_name as string[];
      expect(answer).toMatchObject({ uuid: expect.stringMatching(UUID), fq_name: fqName, name: fqName[fqName.length - 1] });
      expect(answer.href).toBe(`${api.base}/${type}/${answer.uuid}`);
      made.set(type, answer.uuid);

      const read = await api.get(`/${type}/${answer.uuid}`);
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toBe('"0"');
      const object = read.body[type];
      expect(object).toMatchObject({ uuid: answer.uuid, fq_name: fqName, href: answer.href, id_perms: expect.objectContaining({ enable: true }) });
      c.created(object);

      const listed = await api.get(`/${type}s`);
      expect(listed.body[`${type}s`]).toContainEqual({ uuid: answer.uuid, fq_name: fqName, href: answer.href });

      const updated = await api.put(`/${type}/${answer.uuid}`, { [type]: c.update });
      expect(updated.status).toBe(200);
      expect(updated.body).toEqual({ [type]: { uuid: answer.uuid, href: answer.href } });
      expect(updated.headers.get('etag')).toBe('"1"');
      const after = await api.get(`/${type}/${answer.uuid}`);
      expect(after.headers.get('etag')).toBe('"1"');
      c.updated(after.body[type]);
      expect(after.body[type].id_perms.created).toBe(object.id_perms.created);
    });

    it('DELETE removes each of them (children and referrers first): GET, fqname-to-id and lists no longer know it', async () => {
      const order = [...made.keys()].reverse();
      expect(order).toHaveLength(cases.length);
      for (const type of order) {
        const uuid = made.get(type)!;
        const fqName = cases.find((c) => c.type === type)!.create.fq_name as string[];
        const res = await api.delete(`/${type}/${uuid}`);
        expect({ type, status: res.status, body: res.body }).toEqual({ type, status: 200, body: {} });
        expect(Number(res.headers.get('x-log-position'))).toBe(await api.head());
        expect((await api.get(`/${type}/${uuid}`)).status).toBe(404);
        expect((await api.post('/fqname-to-id', { type, fq_name: fqName })).status).toBe(404);
        const listed = await api.get(`/${type}s`);
        expect(listed.body[`${type}s`].map((o: Json) => o.uuid)).not.toContain(uuid);
      }
    });
  });

  describe('refs, back-refs and children', () => {
    const project = ['default-domain', 'refs'];
    const red = [...project, 'red'];
    const blue = [...project, 'blue'];
    const policy = [...project, 'red-blue'];
    const c1 = ['default-global-system-config', 'refs-c1'];
    const c2 = ['default-global-system-config', 'refs-c2'];
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      ids.project = (await api.create('project', { fq_name: project, parent_type: 'domain' })).uuid;
      ids.c1 = (await api.create('cluster', { fq_name: c1 })).uuid;
      ids.c2 = (await api.create('cluster', { fq_name: c2 })).uuid;
      ids.policy = (
        await api.create('network-policy', {
          fq_name: policy,
          parent_type: 'project',
          network_policy_entries: { policy_rule: [passRule('default-domain:refs:red', 'default-domain:refs:blue')] },
        })
      ).uuid;
      ids.red = (
        await api.create(
          'virtual-network',
          networkBody(red, [{ subnet: subnet('10.20.1.0/24') }], undefined, {
            network_policy_refs: [{ to: policy, attr: { sequence: { major: 0, minor: 0 } } }],
            cluster_refs: [{ to: c1 }, { to: c2 }],
          }),
        )
      ).uuid;
      ids.blue = (
        await api.create(
          'virtual-network',
          networkBody(blue, [{ subnet: subnet('10.20.2.0/24') }], undefined, {
            network_policy_refs: [{ uuid: ids.policy, attr: { sequence: { major: 1, minor: 0 } } }],
          }),
        )
      ).uuid;
    });

    it('GET shows refs with to, uuid, href and attr', async () => {
      const vn = await api.read('virtual-network', ids.red!);
      expect(vn.network_policy_refs).toEqual([
        { to: policy, uuid: ids.policy, href: `${api.base}/network-policy/${ids.policy}`, attr: { sequence: { major: 0, minor: 0 } } },
      ]);
      expect(vn.cluster_refs).toEqual([
        { to: c1, uuid: ids.c1, href: `${api.base}/cluster/${ids.c1}`, attr: null },
        { to: c2, uuid: ids.c2, href: `${api.base}/cluster/${ids.c2}`, attr: null },
      ]);
    });

    it('the policy shows both networks as virtual_network_back_refs with their sequence; each cluster shows the network', async () => {
      const np = await api.read('network-policy', ids.policy!);
      expect(np.virtual_network_back_refs).toEqual([
        { to: red, uuid: ids.red, href: `${api.base}/virtual-network/${ids.red}`, attr: { sequence: { major: 0, minor: 0 } } },
        { to: blue, uuid: ids.blue, href: `${api.base}/virtual-network/${ids.blue}`, attr: { sequence: { major: 1, minor: 0 } } },
      ]);
      for (const cluster of [ids.c1!, ids.c2!]) {
        expect((await api.read('cluster', cluster)).virtual_network_back_refs).toEqual([expect.objectContaining({ to: red, uuid: ids.red })]);
      }
      const ipam = await api.read('network-ipam', await api.uuidOf('network-ipam', ['default-domain', 'default-project', 'default-network-ipam']));
      expect(ipam.virtual_network_back_refs.map((r: Json) => r.uuid)).toEqual(expect.arrayContaining([ids.red, ids.blue]));
    });

    it('the project lists its children by type (<child>s) with to and href', async () => {
      const p = await api.read('project', ids.project!);
      expect(p.virtual_networks).toEqual([
        { to: red, uuid: ids.red, href: `${api.base}/virtual-network/${ids.red}` },
        { to: blue, uuid: ids.blue, href: `${api.base}/virtual-network/${ids.blue}` },
      ]);
      expect(p.network_policys).toEqual([{ to: policy, uuid: ids.policy, href: `${api.base}/network-policy/${ids.policy}` }]);
      const domain = await api.read('domain', p.parent_uuid);
      expect(domain.projects).toContainEqual({ to: project, uuid: ids.project, href: `${api.base}/project/${ids.project}` });
    });

    it('exclude_back_refs and exclude_children (Python-style True) leave them out; fields picks properties and refs', async () => {
      const p = await api.read('project', ids.project!, '?exclude_back_refs=True&exclude_children=True');
      expect(p.virtual_networks).toBeUndefined();
      const np = await api.read('network-policy', ids.policy!, '?exclude_back_refs=True&exclude_children=True');
      expect(np.virtual_network_back_refs).toBeUndefined();
      expect(np.network_policy_entries).toBeDefined();
      const vn = await api.read('virtual-network', ids.red!, '?fields=cluster_refs,virtual_network_network_id');
      expect(Object.keys(vn).sort()).toEqual(
        ['cluster_refs', 'fq_name', 'href', 'name', 'parent_href', 'parent_type', 'parent_uuid', 'uuid', 'virtual_network_network_id'].sort(),
      );
    });

    it('PUT replaces the whole ref set of a type and leaves the other ref types alone', async () => {
      const res = await api.put(`/virtual-network/${ids.red}`, { 'virtual-network': { cluster_refs: [{ to: c2 }] } });
      expect(res.status).toBe(200);
      const vn = await api.read('virtual-network', ids.red!);
      expect(vn.cluster_refs).toEqual([expect.objectContaining({ to: c2, uuid: ids.c2 })]);
      expect(vn.network_policy_refs).toHaveLength(1);
      expect(vn.network_ipam_refs).toHaveLength(1);
      expect((await api.read('cluster', ids.c1!)).virtual_network_back_refs).toBeUndefined();
      expect((await api.read('cluster', ids.c2!)).virtual_network_back_refs).toEqual([expect.objectContaining({ uuid: ids.red })]);

      // A new attr on the same target replaces the old one.
      await api.put(`/virtual-network/${ids.blue}`, { 'virtual-network': { network_policy_refs: [{ to: policy, attr: { sequence: { major: 2, minor: 5 } } }] } });
      const np = await api.read('network-policy', ids.policy!);
      expect(np.virtual_network_back_refs.find((r: Json) => r.uuid === ids.blue).attr).toEqual({ sequence: { major: 2, minor: 5 } });
    });

    it('PUT with a null ref list removes every ref of that type; then the policy can be deleted', async () => {
      for (const vn of [ids.red!, ids.blue!]) {
        expect((await api.put(`/virtual-network/${vn}`, { 'virtual-network': { network_policy_refs: null } })).status).toBe(200);
        expect((await api.read('virtual-network', vn)).network_policy_refs).toBeUndefined();
      }
      expect((await api.read('network-policy', ids.policy!)).virtual_network_back_refs).toBeUndefined();
      expect((await api.delete(`/network-policy/${ids.policy}`)).status).toBe(200);
      expect((await api.read('project', ids.project!)).network_policys).toBeUndefined();
    });

    it('PUT with null for a property removes it; absent properties stay as they were', async () => {
      await api.put(`/virtual-network/${ids.red}`, { 'virtual-network': { mtu: 9000, is_shared: true, display_name: 'Red' } });
      await api.put(`/virtual-network/${ids.red}`, { 'virtual-network': { uuid: ids.red, mtu: null } });
      const vn = await api.read('virtual-network', ids.red!);
      expect(vn.mtu).toBeUndefined();
      expect(vn).toMatchObject({ is_shared: true, display_name: 'Red' });
    });

    it('a body read with GET can be PUT back as it is (system fields echoed unchanged), and nothing changes', async () => {
      const sg = await api.create('security-group', { fq_name: [...project, 'echo-sg'], parent_type: 'project' });
      const vmi = await api.create('virtual-machine-interface', { fq_name: [...project, 'echo-vmi'], parent_type: 'project', virtual_network_refs: [{ to: red }] });
      const iip = await api.create('instance-ip', { fq_name: ['echo-iip'], virtual_network_refs: [{ to: red }] });
      for (const [type, uuid] of [
        ['virtual-network', ids.red!],
        ['security-group', sg.uuid],
        ['virtual-machine-interface', vmi.uuid],
        ['instance-ip', iip.uuid],
        ['project', ids.project!],
      ] as const) {
        const before = await api.get(`/${type}/${uuid}`);
        const res = await api.put(`/${type}/${uuid}`, before.body);
        expect({ type, status: res.status, body: res.body }).toEqual({ type, status: 200, body: { [type]: { uuid, href: `${api.base}/${type}/${uuid}` } } });
        const after = await api.read(type, uuid);
        const strip = (o: Json) => ({ ...o, id_perms: { ...o.id_perms, last_modified: undefined } });
        expect(strip(after)).toEqual(strip(before.body[type]));
      }
    });
  });

  describe('what the server fills in', () => {
    const project = ['default-domain', 'alloc'];
    let projectUuid: string;

    beforeAll(async () => {
      projectUuid = (await api.create('project', { fq_name: project, parent_type: 'domain' })).uuid;
    });

    it('places an object the body names only by name: default parent, parent_uuid, or global', async () => {
      const byName = await api.create('virtual-network', { name: 'by-name' });
      expect(byName).toMatchObject({ fq_name: ['default-domain', 'default-project', 'by-name'], parent_type: 'project' });
      const byParent = await api.create('virtual-network', { name: 'by-parent', parent_uuid: projectUuid });
      expect(byParent).toMatchObject({ fq_name: [...project, 'by-parent'], parent_uuid: projectUuid });
      // A tag may be global (config-root) or a project's; named only, it is global.
      const tag = await api.create('tag', { name: 'env=prod', tag_type_name: 'env', tag_value: 'prod' });
      expect(tag.fq_name).toEqual(['env=prod']);
      expect(tag.parent_type).toBeUndefined();
      const vm = await api.create('virtual-machine', { name: 'by-name-vm' });
      expect(vm.fq_name).toEqual(['by-name-vm']);
      // A network without IPAM refs has none, not an empty list.
      const read = await api.read('virtual-network', byName.uuid);
      expect(read.network_ipam_refs).toBeUndefined();
      expect(read.virtual_network_network_id).toEqual(expect.any(Number));
    });

    it('gives each virtual network its own id and each security group its own id from 8000000', async () => {
      const vns = [];
      for (const name of ['id-a', 'id-b', 'id-c']) vns.push(await api.create('virtual-network', { fq_name: [...project, name], parent_type: 'project' }));
      const vnIds = vns.map((v) => v.virtual_network_network_id as number);
      expect(new Set(vnIds).size).toBe(3);
      for (const [i, vn] of vns.entries()) {
        const read = await api.read('virtual-network', vn.uuid);
        expect(read.virtual_network_network_id).toBe(vnIds[i]);
        expect(read.virtual_network_properties.network_id).toBe(vnIds[i]);
      }
      const sgs = [];
      for (const name of ['sg-a', 'sg-b']) sgs.push(await api.create('security-group', { fq_name: [...project, name], parent_type: 'project' }));
      const sgIds = sgs.map((s) => s.security_group_id as number);
      expect(sgIds.every((id) => id >= 8_000_000)).toBe(true);
      expect(new Set(sgIds).size).toBe(2);
      expect((await api.read('security-group', sgs[1].uuid)).security_group_id).toBe(sgIds[1]);
    });

    it('fills a virtual-machine-interface MAC from its uuid, and keeps a MAC the client gives (lower case)', async () => {
      const vn = [...project, 'mac-vn'];
      await api.create('virtual-network', { fq_name: vn, parent_type: 'project' });
      const vmi = await api.create('virtual-machine-interface', { fq_name: [...project, 'mac-1'], parent_type: 'project', virtual_network_refs: [{ to: vn }] });
      const hex = (vmi.uuid as string).replace(/-/g, '').slice(0, 10);
      expect(vmi.virtual_machine_interface_mac_addresses).toEqual({ mac_address: [`02:${hex.match(/../g)!.join(':')}`] });
      const given = await api.create('virtual-machine-interface', {
        fq_name: [...project, 'mac-2'],
        parent_type: 'project',
        virtual_network_refs: [{ to: vn }],
        virtual_machine_interface_mac_addresses: { mac_address: ['02:AA:BB:CC:DD:EE'] },
      });
      expect((await api.read('virtual-machine-interface', given.uuid)).virtual_machine_interface_mac_addresses).toEqual({ mac_address: ['02:aa:bb:cc:dd:ee'] });
    });

    it('hands out instance-ip addresses from the subnet, never the gateway or DNS address, highest first by default', async () => {
      const vn = [...project, 'ip-down'];
      // /29: .0 network, .7 broadcast, .6 gateway, .5 DNS → .4 .3 .2 .1 to give out, highest first.
      await api.create('virtual-network', networkBody(vn, [{ subnet: subnet('10.30.0.0/29') }]));
      const got: string[] = [];
      for (let i = 0; i < 4; i++) got.push((await api.create('instance-ip', { fq_name: [`down-${i}`], virtual_network_refs: [{ to: vn }] })).instance_ip_address);
      expect(got).toEqual(['10.30.0.4', '10.30.0.3', '10.30.0.2', '10.30.0.1']);
      const vnRead = await api.read('virtual-network', await api.uuidOf('virtual-network', vn));
      expect(vnRead.network_ipam_refs[0].attr.ipam_subnets[0]).toMatchObject({ default_gateway: '10.30.0.6', dns_server_address: '10.30.0.5', enable_dhcp: true });
    });

    it('honours addr_from_start, allocation pools, a requested address and subnet_uuid', async () => {
      const vn = [...project, 'ip-up'];
      const created = await api.create(
        'virtual-network',
        networkBody(vn, [
          { subnet: subnet('10.31.0.0/24'), addr_from_start: true },
          { subnet: subnet('10.31.1.0/24'), allocation_pools: [{ start: '10.31.1.100', end: '10.31.1.110' }] },
        ]),
      );
      const [first, second] = created.network_ipam_refs[0].attr.ipam_subnets as Json[];
      expect(first).toMatchObject({ default_gateway: '10.31.0.1', dns_server_address: '10.31.0.2' });
      const take = async (name: string, extra: Record<string, unknown> = {}) =>
        api.create('instance-ip', { fq_name: [name], virtual_network_refs: [{ to: vn }], ...extra });

      expect((await take('up-1')).instance_ip_address).toBe('10.31.0.3');
      expect((await take('up-2')).instance_ip_address).toBe('10.31.0.4');
      const requested = await take('up-3', { instance_ip_address: '10.31.0.200' });
      expect(requested).toMatchObject({ instance_ip_address: '10.31.0.200', subnet_uuid: first.subnet_uuid });
      const inPool = await take('up-4', { subnet_uuid: second.subnet_uuid });
      expect(inPool).toMatchObject({ instance_ip_address: '10.31.1.110', subnet_uuid: second.subnet_uuid });
      const read = await api.read('instance-ip', inPool.uuid);
      expect(read).toMatchObject({ instance_ip_address: '10.31.1.110', instance_ip_family: 'v4', subnet_uuid: second.subnet_uuid });
      expect(ipv4(read.instance_ip_address)).toBeGreaterThanOrEqual(ipv4('10.31.1.100'));
    });

    it('gives a deleted instance-ip address back', async () => {
      const vn = [...project, 'ip-reuse'];
      await api.create('virtual-network', networkBody(vn, [{ subnet: subnet('10.32.0.0/24'), addr_from_start: true }]));
      const a = await api.create('instance-ip', { fq_name: ['reuse-a'], virtual_network_refs: [{ to: vn }] });
      expect(a.instance_ip_address).toBe('10.32.0.3');
      expect((await api.delete(`/instance-ip/${a.uuid}`)).status).toBe(200);
      const b = await api.create('instance-ip', { fq_name: ['reuse-b'], virtual_network_refs: [{ to: vn }], instance_ip_address: '10.32.0.3' });
      expect(b.instance_ip_address).toBe('10.32.0.3');
    });
  });
});
