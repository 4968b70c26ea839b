import { statusForProblems, type SchemaProblem } from './schema-problem.js';
import { validateResourceBody } from './validate-resource-body.js';

const paths = (problems: readonly SchemaProblem[]): string[] => problems.map((p) => p.path);

const IPAM_UUID = '0d3cbe1f-3f52-4a6e-9a86-5b2f3d6c1a11';
const VN_UUID = '7b1d1c2e-5f0a-4b8e-9c2d-1e3f4a5b6c7d';

/** The create body vnc_api sends for virtual_network_create (vnc-api-client.md), null keys included. */
const VNC_API_VN_CREATE = {
  uuid: null,
  fq_name: ['default-domain', 'admin', 'vn-blue'],
  parent_type: 'project',
  network_ipam_refs: [
    {
      to: ['default-domain', 'default-project', 'default-network-ipam'],
      uuid: IPAM_UUID,
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
            addr_from_start: null,
            dhcp_option_list: null,
            host_routes: null,
            subnet_name: null,
            created: null,
            last_modified: null,
            subscriber_tag: null,
            vlan_tag: null,
          },
        ],
        host_routes: null,
      },
    },
  ],
};

describe('validateResourceBody', () => {
  describe('accepts the bodies Contrail clients send', () => {
    it('the virtual-network POST of contrail-config-model.md §2', () => {
      const body = {
        parent_type: 'project',
        fq_name: ['default-domain', 'admin', 'vn-blue'],
        network_ipam_refs: [
          {
            to: ['default-domain', 'default-project', 'default-network-ipam'],
            attr: { ipam_subnets: [{ subnet: { ip_prefix: '10.1.1.0', ip_prefix_len: 24 }, default_gateway: '10.1.1.254' }] },
          },
        ],
      };
      expect(validateResourceBody('virtual-network', body)).toEqual({ problems: [] });
    });

    it('vnc_api virtual_network_create, with its null keys', () => {
      expect(validateResourceBody('virtual-network', VNC_API_VN_CREATE).problems).toEqual([]);
    });

    it('vnc_api virtual_network_update (changed properties only)', () => {
      expect(validateResourceBody('virtual-network', { uuid: VN_UUID, mtu: 1400 }, { operation: 'update' }).problems).toEqual([]);
    });

    it('the network-policy of §2 and the refs that attach it', () => {
      const policy = {
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
      };
      expect(validateResourceBody('network-policy', policy).problems).toEqual([]);
      const attach = { network_policy_refs: [{ to: ['default-domain', 'admin', 'red-blue'], attr: { sequence: { major: 0, minor: 0 } } }] };
      expect(validateResourceBody('virtual-network', attach, { operation: 'update' }).problems).toEqual([]);
    });

    it('a pod port as kube-manager builds it (§2): VM, VMI, instance-ip', () => {
      const vm = { fq_name: ['k8s__default__nginx'], uuid: '2f0c7f5e-8d4b-4a57-9b9e-0c1d2e3f4a5b', server_type: 'container' };
      const vmi = {
        parent_type: 'project',
        fq_name: ['default-domain', 'k8s-default', 'nginx__2f0c7f5e'],
        virtual_network_refs: [{ to: ['default-domain', 'k8s-default', 'k8s-default-pod-network'] }],
        virtual_machine_refs: [{ to: ['k8s__default__nginx'] }],
        security_group_refs: [{ to: ['default-domain', 'k8s-default', 'k8s-default-default-sg'] }],
        port_security_enabled: true,
      };
      const iip = {
        fq_name: ['nginx__9a8b7c6d'],
        subnet_uuid: '4c5d6e7f-0a1b-4c2d-8e3f-9a0b1c2d3e4f',
        virtual_network_refs: [{ to: ['default-domain', 'k8s-default', 'k8s-default-pod-network'] }],
        virtual_machine_interface_refs: [{ to: ['default-domain', 'k8s-default', 'nginx__2f0c7f5e'] }],
      };
      expect(validateResourceBody('virtual-machine', vm).problems).toEqual([]);
      expect(validateResourceBody('virtual-machine-interface', vmi).problems).toEqual([]);
      expect(validateResourceBody('instance-ip', iip).problems).toEqual([]);
    });

    it('vnc_api instance_ip_create and virtual_machine_interface_create (vnc-api-client.md)', () => {
      const iip = {
        uuid: null,
        fq_name: ['iip-test'],
        instance_ip_address: '10.1.0.5',
        virtual_network_refs: [{ to: ['default-domain', 'admin', 'vn-blue'], uuid: VN_UUID }],
        virtual_machine_interface_refs: [{ to: ['default-domain', 'admin', 'port-1'], uuid: null }],
      };
      const vmi = {
        uuid: null,
        fq_name: ['default-domain', 'admin', 'port-1'],
        parent_type: 'project',
        virtual_network_refs: [{ to: ['default-domain', 'admin', 'vn-blue'], uuid: VN_UUID }],
      };
      expect(validateResourceBody('instance-ip', iip).problems).toEqual([]);
      expect(validateResourceBody('virtual-machine-interface', vmi).problems).toEqual([]);
    });

    it('a body echoed from a GET, with hrefs, common properties, back-refs and children', () => {
      const project = {
        uuid: 'a9b1c3d4-e5f6-4718-93a4-b5c6d7e8f901',
        fq_name: ['default-domain', 'admin'],
        name: 'admin',
        parent_type: 'domain',
        parent_uuid: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e',
        href: 'http://127.0.0.1:8082/project/a9b1c3d4-e5f6-4718-93a4-b5c6d7e8f901',
        parent_href: 'http://127.0.0.1:8082/domain/b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e',
        display_name: 'admin',
        id_perms: {
          enable: true,
          user_visible: true,
          created: '2026-11-25T10:00:00.000000',
          last_modified: '2026-11-25T10:00:00.000000',
          description: null,
          creator: null,
        },
        perms2: { owner: 'cloud-admin', owner_access: 7, global_access: 0, share: [] },
        annotations: { key_value_pair: [{ key: 'owner', value: 'k8s' }] },
        quota: { defaults: -1 },
        virtual_networks: [{ to: ['default-domain', 'admin', 'vn-blue'], href: 'http://127.0.0.1:8082/virtual-network/x', uuid: VN_UUID }],
        network_policys: [],
        floating_ip_back_refs: [],
        tag_refs: [{ to: ['namespace=default'], uuid: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', attr: null, href: 'http://127.0.0.1:8082/tag/0a1b' }],
      };
      expect(validateResourceBody('project', project).problems).toEqual([]);
    });
  });

  describe('unknown and read-only fields', () => {
    it('refuses a property the schema does not declare', () => {
      expect(validateResourceBody('virtual-network', { ...VNC_API_VN_CREATE, vni: 5 }).problems).toEqual([
        { path: 'vni', message: 'unknown property vni for virtual-network' },
      ]);
      expect(paths(validateResourceBody('virtual-network', { foo_refs: [] }).problems)).toEqual(['foo_refs']);
      expect(validateResourceBody('virtual-network', { floating_ip_pool_refs: [] }).problems[0]?.message).toBe(
        'unknown reference floating_ip_pool_refs for virtual-network',
      );
    });

    it('refuses a system-only property from a client with 403, as contrail-api does', () => {
      const problems = validateResourceBody('virtual-network', { ...VNC_API_VN_CREATE, virtual_network_network_id: 7 }).problems;
      expect(problems).toEqual([
        { path: 'virtual_network_network_id', message: 'virtual_network_network_id is set by the system; clients may not set it', status: 403 },
      ]);
      expect(statusForProblems(problems)).toBe(403);
      expect(validateResourceBody('security-group', { security_group_id: 8_000_001 }).problems[0]?.status).toBe(403);
    });

    it('lets a client leave a system-only property null, and the system set it', () => {
      expect(validateResourceBody('virtual-network', { ...VNC_API_VN_CREATE, virtual_network_network_id: null }).problems).toEqual([]);
      expect(validateResourceBody('virtual-network', { ...VNC_API_VN_CREATE, virtual_network_network_id: 7 }, { origin: 'system' }).problems).toEqual([]);
    });

    it('lets a client set the user parts of id_perms and perms2', () => {
      const body = {
        ...VNC_API_VN_CREATE,
        id_perms: { enable: false, description: 'blue' },
        perms2: { owner: 'admin', share: [{ tenant: 'demo', tenant_access: 4 }] },
      };
      expect(validateResourceBody('virtual-network', body).problems).toEqual([]);
    });
  });

  describe('refs', () => {
    it('names the path of a bad link attribute', () => {
      const attr = {
        ipam_subnets: [
          { subnet: { ip_prefix: '10.1.0.0', ip_prefix_len: 24 } },
          { subnet: { ip_prefix: '10.2.0.0', ip_prefix_len: 240 } },
        ],
      };
      const body = {
        fq_name: ['default-domain', 'admin', 'vn'],
        network_ipam_refs: [{ to: ['default-domain', 'default-project', 'default-network-ipam'], attr }],
      };
      expect(validateResourceBody('virtual-network', body).problems).toEqual([
        { path: 'network_ipam_refs[0].attr.ipam_subnets[1].subnet.ip_prefix_len', message: 'expected an integer from 0 to 128, got 240' },
      ]);
    });

    it('needs a list of refs each naming its target by fq_name or uuid', () => {
      expect(paths(validateResourceBody('virtual-network', { network_ipam_refs: { to: ['a'] } }).problems)).toEqual(['network_ipam_refs']);
      const body = {
        network_policy_refs: [
          { attr: { sequence: { major: 0, minor: 0 } } },
          { to: 'default-domain:admin:p', attr: null },
          { uuid: 'p1' },
          { to: ['default-domain', 'admin', 'p'], attr: { sequence: { major: 0, minor: 0 } }, weight: 1 },
          'default-domain:admin:p',
        ],
      };
      expect(validateResourceBody('virtual-network', body, { operation: 'update' }).problems).toEqual([
        { path: 'network_policy_refs[0]', message: 'a ref to network-policy needs to (its fq_name) or uuid' },
        { path: 'network_policy_refs[1].to', message: 'expected an fq_name (a non-empty list of non-empty strings), got "default-domain:admin:p"' },
        { path: 'network_policy_refs[2].uuid', message: 'expected a UUID, got "p1"' },
        { path: 'network_policy_refs[3].weight', message: 'unknown field weight in a ref' },
        { path: 'network_policy_refs[4]', message: 'expected a ref {to, uuid, attr}, got "default-domain:admin:p"' },
      ]);
    });

    it('accepts a null ref list and null or empty attr on links without data', () => {
      const body = { virtual_network_refs: null, security_group_refs: [{ to: ['a', 'b', 'c'], attr: {} }] };
      expect(validateResourceBody('virtual-machine-interface', body).problems).toEqual([]);
      expect(paths(validateResourceBody('virtual-machine-interface', { virtual_network_refs: [{ to: ['a', 'b', 'c'], attr: 'x' }] }).problems)).toEqual([
        'virtual_network_refs[0].attr',
      ]);
    });
  });

  describe('identity fields', () => {
    it('checks uuid, fq_name, name and hrefs', () => {
      const body = { uuid: 'nope', fq_name: ['default-domain', ''], name: 7, href: 5, parent_uuid: null };
      expect(paths(validateResourceBody('virtual-network', body).problems)).toEqual(['uuid', 'fq_name', 'name', 'href']);
    });

    it('takes only a parent type the schema allows', () => {
      expect(validateResourceBody('virtual-network', { parent_type: 'domain' }).problems).toEqual([
        { path: 'parent_type', message: '"domain" is not a parent type of virtual-network; expected project' },
      ]);
      expect(validateResourceBody('virtual-machine-interface', { parent_type: 'virtual-machine' }).problems).toEqual([]);
      expect(paths(validateResourceBody('virtual-machine-interface', { parent_type: 'virtual-router' }).problems)).toEqual(['parent_type']);
      expect(validateResourceBody('domain', { parent_type: 'config-root' }).problems).toEqual([]);
      expect(validateResourceBody('tag', { parent_type: 'project', tag_type_name: 'app', tag_value: 'web' }).problems).toEqual([]);
      expect(validateResourceBody('tag', { parent_type: 'config-root', tag_type_name: 'app', tag_value: 'web' }).problems).toEqual([]);
    });
  });

  describe('types clients may not write', () => {
    it('answers 403 for derived and implicit types from a client', () => {
      for (const type of ['routing-instance', 'route-target', 'config-root']) {
        const { problems } = validateResourceBody(type, { fq_name: ['x'] });
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatchObject({ path: '', status: 403 });
      }
    });

    it('checks a routing instance the system derives (contrail-config-model.md §3)', () => {
      const ri = {
        fq_name: ['default-domain', 'admin', 'red', 'red'],
        parent_type: 'virtual-network',
        routing_instance_is_default: true,
        route_target_refs: [{ to: ['target:64512:8000003'], attr: { import_export: null } }],
        routing_instance_refs: [{ to: ['default-domain', 'admin', 'blue', 'blue'], attr: {} }],
      };
      expect(validateResourceBody('routing-instance', ri, { origin: 'system' }).problems).toEqual([]);
      const bad = { ...ri, route_target_refs: [{ to: ['target:64512:8000003'], attr: { import_export: 'both' } }] };
      expect(paths(validateResourceBody('routing-instance', bad, { origin: 'system' }).problems)).toEqual(['route_target_refs[0].attr.import_export']);
    });

    it('answers 404 for a type it does not serve', () => {
      const { problems } = validateResourceBody('floating-ip', {});
      expect(problems).toEqual([{ path: '', message: 'unknown resource type floating-ip', status: 404 }]);
      expect(statusForProblems(problems)).toBe(404);
    });

    it('wants an object', () => {
      expect(paths(validateResourceBody('virtual-network', ['x']).problems)).toEqual(['']);
      expect(statusForProblems(validateResourceBody('virtual-network', null).problems)).toBe(400);
    });
  });

  describe('our own types', () => {
    const vnr = {
      parent_type: 'project',
      fq_name: ['default-domain', 'admin', 'web-mesh'],
      virtual_network_router_type: 'mesh',
      virtual_network_selector: { match_labels: { vn: 'linux' } },
      virtual_network_refs: [{ to: ['default-domain', 'admin', 'vn-blue'] }],
    };

    it('accepts a virtual-network-router and needs its type on create', () => {
      expect(validateResourceBody('virtual-network-router', vnr).problems).toEqual([]);
      const { virtual_network_router_type: _type, ...untyped } = vnr;
      expect(validateResourceBody('virtual-network-router', untyped).problems).toEqual([
        { path: 'virtual_network_router_type', message: 'virtual_network_router_type is required for virtual-network-router' },
      ]);
      expect(validateResourceBody('virtual-network-router', { virtual_network_selector: { match_labels: {} } }, { operation: 'update' }).problems).toEqual([]);
      const ring = { ...vnr, virtual_network_router_type: 'ring' };
      expect(paths(validateResourceBody('virtual-network-router', ring).problems)).toEqual(['virtual_network_router_type']);
    });

    it('accepts a cluster and checks its subnets and ASN', () => {
      const cluster = {
        parent_type: 'global-system-config',
        fq_name: ['default-global-system-config', 'workload-1'],
        cluster_pod_subnets: ['10.32.0.0/12'],
        cluster_service_subnets: ['10.96.0.0/12', 'fd00:96::/108'],
        cluster_asn: 64512,
        cluster_kubeconfig_ref: 'workload-1-kubeconfig',
        cluster_attached: false,
      };
      expect(validateResourceBody('cluster', cluster).problems).toEqual([]);
      const bad = { ...cluster, cluster_pod_subnets: ['10.32.0.0'], cluster_asn: 0, cluster_attached: 'no' };
      expect(paths(validateResourceBody('cluster', bad).problems)).toEqual(['cluster_pod_subnets[0]', 'cluster_asn', 'cluster_attached']);
    });

    it('lets a virtual network ref the clusters it is stretched to', () => {
      const body = { cluster_refs: [{ to: ['default-global-system-config', 'workload-1'], attr: null }] };
      expect(validateResourceBody('virtual-network', body, { operation: 'update' }).problems).toEqual([]);
    });
  });
});
