// Valid config objects the fuzzer starts from: a create body and an update body for every type the config API
// serves, and a few objects created up front (the fixtures) for refs, updates and actions to point at. The same
// examples feed the REST bodies and the gRPC object_json.
import { getJson } from './controller-under-fuzz.js';
import { passRule } from '../support/policy-rules.js';

const GSC = ['default-global-system-config'];
const PROJECT = ['default-domain', 'default-project'];
const IPAM = [...PROJECT, 'default-network-ipam'];
export const FIXTURE_VN = [...PROJECT, 'fuzz-vn'];
const FIXTURE_NP = [...PROJECT, 'fuzz-np'];
const FIXTURE_SG = [...PROJECT, 'fuzz-sg'];
const FIXTURE_VM = ['fuzz-vm'];
/** The VRF of the fixture network, for agents to subscribe to and publish in. */
export const FIXTURE_VRF = [...FIXTURE_VN, 'fuzz-vn'].join(':');
/** The fixture virtual router's name: an agent of this name gets config. */
export const FIXTURE_AGENT = 'fuzz-vr';

type Body = Record<string, unknown>;

/** Objects created before fuzzing, in order; their uuids by type are `Fixtures.uuids`. */
const FIXTURE_BODIES: Array<[string, Body]> = [
  ['network-policy', { fq_name: FIXTURE_NP, parent_type: 'project', network_policy_entries: { policy_rule: [passRule('any', 'any')] } }],
  [
    'virtual-network',
    {
      fq_name: FIXTURE_VN,
      parent_type: 'project',
      network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: '10.99.0.0', ip_prefix_len: 16 } }] } }],
      network_policy_refs: [{ to: FIXTURE_NP, attr: { sequence: { major: 0, minor: 0 } } }],
    },
  ],
  ['security-group', { fq_name: FIXTURE_SG, parent_type: 'project', security_group_entries: { policy_rule: [passRule('local', 'any')] } }],
  ['virtual-machine', { fq_name: FIXTURE_VM, server_type: 'container' }],
  ['virtual-router', { fq_name: [...GSC, FIXTURE_AGENT], parent_type: 'global-system-config', virtual_router_ip_address: '192.168.99.1', virtual_machine_refs: [{ to: FIXTURE_VM }] }],
  [
    'virtual-machine-interface',
    {
      fq_name: [...PROJECT, 'fuzz-vmi'],
      parent_type: 'project',
      virtual_network_refs: [{ to: FIXTURE_VN }],
      virtual_machine_refs: [{ to: FIXTURE_VM }],
      security_group_refs: [{ to: FIXTURE_SG }],
    },
  ],
  ['tag', { fq_name: ['fuzz=fixture'], tag_type_name: 'fuzz', tag_value: 'fixture' }],
  ['domain', { fq_name: ['fuzz-domain'] }],
  ['project', { fq_name: ['fuzz-domain', 'fuzz-project'], parent_type: 'domain', quota: { virtual_network: 100 } }],
  ['network-ipam', { fq_name: [...PROJECT, 'fuzz-ipam'], parent_type: 'project', network_ipam_mgmt: { ipam_method: 'dhcp' } }],
  ['virtual-network-router', { fq_name: [...PROJECT, 'fuzz-vnr'], parent_type: 'project', virtual_network_router_type: 'mesh', virtual_network_refs: [{ to: FIXTURE_VN }] }],
  ['cluster', { fq_name: [...GSC, 'fuzz-cluster'], cluster_pod_subnets: ['10.32.0.0/12'], cluster_asn: 64600 }],
  ['global-system-config', { fq_name: ['fuzz-gsc'], autonomous_system: 65001 }],
];

/** What the fixtures are. */
export interface Fixtures {
  /** Objects that examples refer to, by type: never written to by the fuzzer, so that valid examples stay valid. */
  uuids: Map<string, string>;
  /** One more object of each type, for updates, ref-updates and (refused) deletes to aim at. */
  targets: Map<string, string>;
  /** The types the config API serves, from its home page. */
  types: string[];
}

/** Creates the fixtures through REST (plain, valid requests) and reads the served types from the home page. */
export async function createFixtures(rest: string): Promise<Fixtures> {
  const create = async (type: string, body: Body): Promise<string> => {
    const res = await fetch(`${rest}/${type}s`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ [type]: body }) });
    const answer = (await res.json()) as Record<string, { uuid: string }>;
    if (res.status !== 200) throw new Error(`creating the fixture ${type} answered ${res.status}: ${JSON.stringify(answer)}`);
    return answer[type]!.uuid;
  };
  const uuids = new Map<string, string>();
  for (const [type, body] of FIXTURE_BODIES) uuids.set(type, await create(type, body));
  const home = await getJson(`${rest}/`);
  const types = (home.body.links as Array<{ link: { rel: string; name: string } }>).filter((l) => l.link.rel === 'collection').map((l) => l.link.name);
  const fixtures: Fixtures = { uuids, targets: new Map(), types };
  for (const [i, type] of types.entries()) {
    if (SYSTEM_TYPES.has(type)) {
      const list = await getJson(`${rest}/${type}s`);
      const first = (list.body?.[`${type}s`] as Array<{ uuid: string }> | undefined)?.[0];
      if (first) {
        uuids.set(type, first.uuid);
        fixtures.targets.set(type, first.uuid);
      }
      continue;
    }
    fixtures.targets.set(type, await create(type, createExample(type, TARGET_BASE + i, fixtures)));
  }
  return fixtures;
}

/** Types only the system creates: writes to them are refused. */
export const SYSTEM_TYPES: ReadonlySet<string> = new Set(['routing-instance', 'route-target']);
/** The `n` of the update targets' examples, beyond any input index a run reaches. */
const TARGET_BASE = 9_000_000;

/** A valid create body (the inner object) for `type`; `n` makes its names unique. */
export function createExample(type: string, n: number, fixtures: Fixtures): Body {
  const octet = n % 250;
  // Distinct for every n below 16 million: addresses and subnets that must not collide do not.
  const [a, b] = [Math.floor(n / 65_536) % 256, Math.floor(n / 256) % 256];
  switch (type) {
    case 'global-system-config':
      return { fq_name: [`fuzz-gsc-${n}`], autonomous_system: 65000 + octet, ibgp_auto_mesh: true };
    case 'domain':
      return { fq_name: [`fuzz-domain-${n}`], domain_limits: { project_limit: 5 } };
    case 'project':
      return { fq_name: ['default-domain', `fuzz-project-${n}`], parent_type: 'domain', quota: { virtual_network: 10 }, vxlan_routing: false };
    case 'network-ipam':
      return n % 2 === 0
        ? { fq_name: [...PROJECT, `fuzz-ipam-${n}`], parent_type: 'project', network_ipam_mgmt: { ipam_method: 'dhcp', ipam_dns_method: 'virtual-dns-server' } }
        : {
            fq_name: [...PROJECT, `fuzz-flat-${n}`],
            parent_type: 'project',
            ipam_subnet_method: 'flat-subnet',
            ipam_subnets: { subnets: [{ subnet: { ip_prefix: `${100 + (a % 20)}.${b}.${n % 256}.0`, ip_prefix_len: 24 } }] },
          };
    case 'virtual-network':
      return {
        fq_name: [...PROJECT, `fuzz-vn-${n}`],
        parent_type: 'project',
        network_ipam_refs: [
          {
            to: IPAM,
            attr: {
              ipam_subnets: [
                { subnet: { ip_prefix: `10.${100 + (n % 100)}.${octet}.0`, ip_prefix_len: 24 }, default_gateway: `10.${100 + (n % 100)}.${octet}.1`, addr_from_start: true, allocation_pools: [{ start: `10.${100 + (n % 100)}.${octet}.10`, end: `10.${100 + (n % 100)}.${octet}.99` }] },
              ],
            },
          },
        ],
        network_policy_refs: [{ to: FIXTURE_NP, attr: { sequence: { major: 0, minor: 0 } } }],
        virtual_network_properties: { forwarding_mode: 'l2_l3', rpf: 'enable', vxlan_network_identifier: 1000 + (n % 16_000_000) },
        route_target_list: { route_target: [`target:64512:${1000 + (n % 7_000_000)}`] },
        mtu: 1400,
        address_allocation_mode: 'user-defined-subnet-only',
      };
    case 'network-policy':
      return { fq_name: [...PROJECT, `fuzz-np-${n}`], parent_type: 'project', network_policy_entries: { policy_rule: [passRule(FIXTURE_VN.join(':'), 'any')] } };
    case 'security-group':
      return { fq_name: [...PROJECT, `fuzz-sg-${n}`], parent_type: 'project', configured_security_group_id: 0, security_group_entries: { policy_rule: [passRule('local', 'any')] } };
    case 'virtual-router':
      return {
        fq_name: [...GSC, `fuzz-vr-${n}`],
        parent_type: 'global-system-config',
        virtual_router_ip_address: `172.${16 + (a % 16)}.${b}.${n % 256}`,
        virtual_router_type: 'embedded',
        virtual_machine_refs: [{ to: FIXTURE_VM }],
      };
    case 'virtual-machine':
      return { fq_name: [`fuzz-vm-${n}`], server_type: 'container', annotations: { key_value_pair: [{ key: 'pod', value: `p${n}` }] } };
    case 'virtual-machine-interface':
      return {
        fq_name: [...PROJECT, `fuzz-vmi-${n}`],
        parent_type: 'project',
        virtual_network_refs: [{ to: FIXTURE_VN }],
        virtual_machine_refs: [{ to: FIXTURE_VM }],
        security_group_refs: [{ to: FIXTURE_SG }],
        virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: FIXTURE_AGENT }] },
      };
    case 'instance-ip':
      return { fq_name: [`fuzz-iip-${n}`], virtual_network_refs: [{ to: FIXTURE_VN }], virtual_machine_interface_refs: [{ uuid: fixtures.uuids.get('virtual-machine-interface') }] };
    case 'tag':
      return { fq_name: [`fuzz=${n}`], tag_type_name: 'fuzz', tag_value: String(n) };
    case 'virtual-network-router':
      return { fq_name: [...PROJECT, `fuzz-vnr-${n}`], parent_type: 'project', virtual_network_router_type: 'mesh', virtual_network_selector: { match_labels: { vn: 'web' } }, virtual_network_refs: [{ to: FIXTURE_VN }] };
    case 'cluster':
      return { fq_name: [...GSC, `fuzz-cluster-${n}`], cluster_pod_subnets: [`${120 + (a % 20)}.${b}.${n % 256}.0/24`], cluster_asn: 64600 };
    case 'routing-instance':
      return { fq_name: [...FIXTURE_VN, `fuzz-ri-${n}`], parent_type: 'virtual-network' };
    case 'route-target':
      return { fq_name: [`target:64512:${2000 + n}`] };
    default:
      return { fq_name: [`fuzz-${type}-${n}`] };
  }
}

/** A valid update body for `type`. */
export function updateExample(type: string, n: number): Body {
  switch (type) {
    case 'global-system-config':
      return { autonomous_system: 65100 + (n % 100), ibgp_auto_mesh: false };
    case 'project':
      return { quota: { virtual_network: 20 + (n % 10) }, vxlan_routing: true };
    case 'virtual-network':
      return { mtu: 1300 + (n % 100), virtual_network_properties: { forwarding_mode: 'l3' }, display_name: `fuzz update ${n}` };
    case 'network-policy':
      return { network_policy_entries: { policy_rule: [{ ...passRule('any', FIXTURE_VN.join(':')), direction: '>', action_list: { simple_action: 'deny' } }] } };
    case 'security-group':
      return { configured_security_group_id: 100 + (n % 100), security_group_entries: { policy_rule: [] } };
    case 'virtual-router':
      return { virtual_router_ip_address: `192.168.99.${1 + (n % 250)}`, virtual_router_dpdk_enabled: n % 2 === 0 };
    case 'virtual-machine-interface':
      return { virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: FIXTURE_AGENT }] }, display_name: `port ${n}` };
    case 'instance-ip':
      return { instance_ip_secondary: n % 2 === 0 };
    case 'virtual-network-router':
      return { virtual_network_router_type: n % 2 === 0 ? 'mesh' : 'hub', virtual_network_refs: [{ to: FIXTURE_VN }] };
    case 'cluster':
      return { cluster_asn: 64600 + (n % 100) };
    default:
      return { display_name: `fuzz update ${n}`, annotations: { key_value_pair: [{ key: 'fuzz', value: String(n) }] } };
  }
}

/** Valid bodies of the action routes. */
export function actionExamples(fixtures: Fixtures, n: number): Array<{ path: string; body: Body }> {
  const vn = fixtures.uuids.get('virtual-network')!;
  const vmi = fixtures.targets.get('virtual-machine-interface')!;
  return [
    { path: '/fqname-to-id', body: { type: 'virtual-network', fq_name: FIXTURE_VN } },
    { path: '/id-to-fqname', body: { uuid: vn } },
    {
      path: '/ref-update',
      body: { operation: n % 2 === 0 ? 'ADD' : 'DELETE', type: 'virtual-machine-interface', uuid: vmi, 'ref-type': 'security-group', 'ref-fq-name': FIXTURE_SG, attr: null },
    },
    {
      path: '/list-bulk-collection',
      body: { type: 'virtual-network', obj_uuids: [vn], fq_names: [FIXTURE_VN], detail: true, count: false, fields: ['mtu', 'network_ipam_refs'], page_limit: 10, filters: 'mtu==1400' },
    },
    {
      path: '/prop-collection-update',
      body: { uuid: vmi, updates: [{ field: 'virtual_machine_interface_bindings', operation: 'set', value: { key: 'vnic_type', value: 'normal' } }] },
    },
  ];
}
