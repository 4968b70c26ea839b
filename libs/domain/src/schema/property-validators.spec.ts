import {
  validateCidrList,
  validateIdPerms,
  validateInstanceTarget,
  validateIpAddress,
  validateIpAddressFamily,
  validateIpamSubnet,
  validateIpamSubnets,
  validateKeyValuePairs,
  validateLabelSelector,
  validateMacAddresses,
  validatePerms2,
  validatePolicyEntries,
  validateRouteTargetList,
  validateTypedValue,
  validateVirtualNetworkPolicy,
  validateVirtualNetworkType,
  validateVnSubnets,
} from './property-validators.js';
import type { SchemaProblem } from './schema-problem.js';

const paths = (problems: SchemaProblem[]): string[] => problems.map((p) => p.path);

/** An IpamSubnetType as vnc_api serialises it: every field present, null where the user set nothing. */
function vncApiSubnet(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    subnet: { ip_prefix: '10.1.0.0', ip_prefix_len: 24 },
    default_gateway: '10.1.0.1',
    dns_server_address: null,
    subnet_uuid: null,
    enable_dhcp: true,
    dns_nameservers: [],
    allocation_pools: [],
    addr_from_start: null,
    dhcp_option_list: null,
    host_routes: null,
    subnet_name: null,
    alloc_unit: 1,
    created: null,
    last_modified: null,
    subscriber_tag: null,
    vlan_tag: null,
    dhcp_relay_server: [],
    ...overrides,
  };
}

/** A rule in the shape of contrail-config-model.md §2 (network-policy allowing red<->blue). */
function rule(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    direction: '<>',
    protocol: 'any',
    ethertype: 'IPv4',
    src_addresses: [{ virtual_network: 'default-domain:admin:red' }],
    src_ports: [{ start_port: -1, end_port: -1 }],
    dst_addresses: [{ virtual_network: 'default-domain:admin:blue' }],
    dst_ports: [{ start_port: -1, end_port: -1 }],
    action_list: { simple_action: 'pass' },
    ...overrides,
  };
}

describe('VnSubnetsType / IpamSubnetType', () => {
  it('accepts the attr vnc_api sends, null keys and all (vnc-api-client.md)', () => {
    expect(validateVnSubnets({ ipam_subnets: [vncApiSubnet()], host_routes: null })).toEqual([]);
  });

  it('accepts the short form of contrail-config-model.md §2 and a null attr', () => {
    expect(validateVnSubnets({ ipam_subnets: [{ subnet: { ip_prefix: '10.1.1.0', ip_prefix_len: 24 }, default_gateway: '10.1.1.254' }] })).toEqual([]);
    expect(validateVnSubnets(null)).toEqual([]);
  });

  it('accepts every optional field with a value of its type', () => {
    const subnet = vncApiSubnet({
      subnet: { ip_prefix: 'fd00:1::', ip_prefix_len: 64 },
      default_gateway: 'fd00:1::1',
      dns_server_address: 'fd00:1::2',
      subnet_uuid: '5d7f3a0e-6a0c-4c39-8d3c-3c6e43e1f0a1',
      dns_nameservers: ['8.8.8.8'],
      allocation_pools: [{ start: 'fd00:1::10', end: 'fd00:1::ff', vrouter_specific_pool: null }],
      addr_from_start: true,
      dhcp_option_list: { dhcp_option: [{ dhcp_option_name: '6', dhcp_option_value: '8.8.8.8', dhcp_option_value_bytes: null }] },
      host_routes: { route: [{ prefix: '0.0.0.0/0', next_hop: '10.1.0.1', next_hop_type: 'ip-address', community_attributes: null }] },
      subnet_name: 'blue-v6',
      vlan_tag: 100,
      dhcp_relay_server: ['10.0.0.9'],
    });
    expect(validateIpamSubnet(subnet)).toEqual([]);
  });

  it('names the path of each bad value', () => {
    const problems = validateVnSubnets(
      {
        ipam_subnets: [
          vncApiSubnet(),
          vncApiSubnet({
            subnet: { ip_prefix: '10.1.1.0', ip_prefix_len: '24' },
            enable_dhcp: 'yes',
            allocation_pools: [{ start: '10.1.1.10' }],
            dns_nameservers: ['8.8.8.8', 53],
            default_gateway: '10.1.1',
          }),
        ],
      },
      'network_ipam_refs[0].attr',
    );
    const at = 'network_ipam_refs[0].attr.ipam_subnets[1]';
    expect(problems).toEqual([
      { path: `${at}.subnet.ip_prefix_len`, message: 'expected an integer from 0 to 128, got "24"' },
      { path: `${at}.default_gateway`, message: 'expected an IPv4 or IPv6 address, got "10.1.1"' },
      { path: `${at}.enable_dhcp`, message: 'expected true or false, got "yes"' },
      { path: `${at}.dns_nameservers[1]`, message: 'expected a string, got 53' },
      { path: `${at}.allocation_pools[0].end`, message: 'end is required in AllocationPoolType' },
    ]);
  });

  it('limits an IPv4 prefix to 32 bits and requires both halves of a subnet', () => {
    expect(validateIpamSubnet({ subnet: { ip_prefix: '10.1.1.0', ip_prefix_len: 33 } })).toEqual([
      { path: 'subnet.ip_prefix_len', message: 'expected an integer from 0 to 32 for an IPv4 prefix, got 33' },
    ]);
    expect(paths(validateIpamSubnet({ subnet: { ip_prefix: '10.1.1.0' } }))).toEqual(['subnet.ip_prefix_len']);
    expect(paths(validateIpamSubnet({ subnet: { ip_prefix: 'ten', ip_prefix_len: 8 } }))).toEqual(['subnet.ip_prefix']);
  });

  it('rejects fields IpamSubnetType does not have, as contrail-api does', () => {
    expect(validateIpamSubnet(vncApiSubnet({ gateway: '10.1.0.1' }))).toEqual([{ path: 'gateway', message: 'unknown field gateway in IpamSubnetType' }]);
  });

  it('rejects a null list item and a non-list list', () => {
    expect(paths(validateVnSubnets({ ipam_subnets: [null] }))).toEqual(['ipam_subnets[0]']);
    expect(paths(validateVnSubnets({ ipam_subnets: vncApiSubnet() }))).toEqual(['ipam_subnets']);
  });

  it('checks the flat-subnet list property of network-ipam', () => {
    expect(validateIpamSubnets({ subnets: [vncApiSubnet()] })).toEqual([]);
    expect(paths(validateIpamSubnets({ subnets: [vncApiSubnet({ alloc_unit: 0 })] }))).toEqual(['subnets[0].alloc_unit']);
  });
});

describe('VirtualNetworkType', () => {
  it('accepts a null VNI, as vnc_api sends when none is configured', () => {
    expect(
      validateVirtualNetworkType({
        allow_transit: null,
        network_id: null,
        vxlan_network_identifier: null,
        forwarding_mode: 'l2_l3',
        rpf: 'enable',
        mirror_destination: false,
        max_flows: 0,
        mtu: 1400,
      }),
    ).toEqual([]);
  });

  it.each([
    [{ vxlan_network_identifier: 0 }, 'vxlan_network_identifier', 'expected an integer from 1 to 16777215, got 0'],
    [{ vxlan_network_identifier: 16_777_216 }, 'vxlan_network_identifier', 'expected an integer from 1 to 16777215, got 16777216'],
    [{ vxlan_network_identifier: 1.5 }, 'vxlan_network_identifier', 'expected an integer from 1 to 16777215, got 1.5'],
    [{ forwarding_mode: 'l4' }, 'forwarding_mode', "expected one of 'l2_l3', 'l2', 'l3', got \"l4\""],
    [{ rpf: true }, 'rpf', 'expected a string, got true'],
    [{ mtu: 9217 }, 'mtu', 'expected an integer from 0 to 9216, got 9217'],
    [{ mtu: -1 }, 'mtu', 'expected an integer from 0 to 9216, got -1'],
    [{ vni: 5 }, 'vni', 'unknown field vni in VirtualNetworkType'],
  ])('%j is refused at %s', (value, path, message) => {
    expect(validateVirtualNetworkType(value, 'virtual_network_properties')).toEqual([{ path: `virtual_network_properties.${path}`, message }]);
  });

  it('accepts the range ends', () => {
    expect(validateVirtualNetworkType({ vxlan_network_identifier: 1, mtu: 0 })).toEqual([]);
    expect(validateVirtualNetworkType({ vxlan_network_identifier: 16_777_215, mtu: 9216 })).toEqual([]);
  });
});

describe('RouteTargetList', () => {
  it('accepts ASN and IP forms', () => {
    expect(validateRouteTargetList({ route_target: ['target:64512:1000', 'target:10.0.0.1:5'] })).toEqual([]);
    expect(validateRouteTargetList({ route_target: [] })).toEqual([]);
  });

  it('names each bad route target', () => {
    const problems = validateRouteTargetList({ route_target: ['target:64512:1000', '64512:1000', 'target:10.0.0.1:70000'] }, 'route_target_list');
    expect(paths(problems)).toEqual(['route_target_list.route_target[1]', 'route_target_list.route_target[2]']);
    expect(problems[0]?.message).toMatch(/^expected a route target "target:<asn>:<number>"/);
  });

  it('wants the wrapper object, not a bare list', () => {
    expect(paths(validateRouteTargetList(['target:64512:1']))).toEqual(['']);
  });
});

describe('PolicyEntriesType / PolicyRuleType', () => {
  it('accepts the network-policy of contrail-config-model.md §2', () => {
    expect(validatePolicyEntries({ policy_rule: [rule()] })).toEqual([]);
  });

  it('accepts a kube-manager security-group rule, which has no action_list', () => {
    const sgRule = {
      rule_uuid: '0b9c4a56-7d0e-4e7b-9a07-4d8a3a9b1c11',
      direction: '>',
      protocol: 'any',
      ethertype: 'IPv6',
      src_addresses: [{ security_group: 'local', subnet: null, virtual_network: null, network_policy: null, subnet_list: [] }],
      src_ports: [{ start_port: 0, end_port: 65535 }],
      dst_addresses: [{ subnet: { ip_prefix: '::', ip_prefix_len: 0 } }],
      dst_ports: [{ start_port: 0, end_port: 65535 }],
      rule_sequence: null,
      application: [],
      action_list: null,
      created: null,
      last_modified: null,
    };
    expect(validatePolicyEntries({ policy_rule: [sgRule] })).toEqual([]);
  });

  it('accepts protocol numbers, subnet lists and service chains', () => {
    const chained = rule({
      protocol: '17',
      dst_addresses: [{ subnet_list: [{ ip_prefix: '10.0.0.0', ip_prefix_len: 8 }] }],
      dst_ports: [{ start_port: 53, end_port: 53 }],
      action_list: { simple_action: null, apply_service: ['default-domain:admin:fw'], log: true, mirror_to: null },
      rule_sequence: { major: 1, minor: 0 },
    });
    expect(validatePolicyEntries({ policy_rule: [chained] })).toEqual([]);
  });

  it('names the path of each bad rule field', () => {
    const bad = rule({
      direction: '<',
      protocol: 'tcpx',
      ethertype: 'ipv4',
      src_addresses: [{ virtual_network: 'default-domain:admin:red', security_group: 'local' }],
      dst_addresses: [{}],
      src_ports: [{ start_port: 70000, end_port: 80 }],
      dst_ports: [{ start_port: 443, end_port: 80 }, { start_port: -1, end_port: 80 }],
      action_list: { simple_action: 'allow' },
    });
    const problems = validatePolicyEntries({ policy_rule: [rule(), bad] }, 'network_policy_entries');
    expect(paths(problems)).toEqual([
      'network_policy_entries.policy_rule[1].direction',
      'network_policy_entries.policy_rule[1].protocol',
      'network_policy_entries.policy_rule[1].ethertype',
      'network_policy_entries.policy_rule[1].src_addresses[0]',
      'network_policy_entries.policy_rule[1].src_ports[0].start_port',
      'network_policy_entries.policy_rule[1].dst_addresses[0]',
      'network_policy_entries.policy_rule[1].dst_ports[0]',
      'network_policy_entries.policy_rule[1].action_list.simple_action',
    ]);
    const byPath = new Map(problems.map((p) => [p.path, p.message]));
    expect(byPath.get('network_policy_entries.policy_rule[1].src_addresses[0]')).toBe(
      'an address needs exactly one of virtual_network, subnet, security_group, network_policy, subnet_list; found virtual_network, security_group',
    );
    expect(byPath.get('network_policy_entries.policy_rule[1].dst_addresses[0]')).toMatch(/found none$/);
    expect(byPath.get('network_policy_entries.policy_rule[1].dst_ports[0]')).toBe('start_port 443 is greater than end_port 80');
  });

  it('requires direction and protocol in every rule', () => {
    expect(paths(validatePolicyEntries({ policy_rule: [rule({ direction: null, protocol: undefined })] }))).toEqual([
      'policy_rule[0].direction',
      'policy_rule[0].protocol',
    ]);
  });

  it('accepts protocol numbers up to 255 only', () => {
    expect(validatePolicyEntries({ policy_rule: [rule({ protocol: '255' })] })).toEqual([]);
    expect(paths(validatePolicyEntries({ policy_rule: [rule({ protocol: '256' })] }))).toEqual(['policy_rule[0].protocol']);
    expect(paths(validatePolicyEntries({ policy_rule: [rule({ protocol: 6 })] }))).toEqual(['policy_rule[0].protocol']);
  });
});

describe('VirtualNetworkPolicyType', () => {
  it('accepts a sequence with or without a timer', () => {
    expect(validateVirtualNetworkPolicy({ sequence: { major: 0, minor: 0 } })).toEqual([]);
    expect(validateVirtualNetworkPolicy({ sequence: { major: 1, minor: 2 }, timer: null })).toEqual([]);
    const timer = { start_time: '2026-01-01T00:00:00', on_interval: '01:00:00', off_interval: '00:30:00', end_time: null };
    expect(validateVirtualNetworkPolicy({ sequence: { major: 0, minor: 0 }, timer })).toEqual([]);
  });

  it('needs both parts of a sequence, as integers', () => {
    expect(validateVirtualNetworkPolicy({ sequence: { major: 0 } }, 'network_policy_refs[0].attr')).toEqual([
      { path: 'network_policy_refs[0].attr.sequence.minor', message: 'minor is required in SequenceType' },
    ]);
    expect(paths(validateVirtualNetworkPolicy({ sequence: { major: '0', minor: 0 } }))).toEqual(['sequence.major']);
  });
});

describe('InstanceTargetType', () => {
  it('takes import, export, or nothing for both', () => {
    for (const importExport of [null, '', 'import', 'export']) expect(validateInstanceTarget({ import_export: importExport })).toEqual([]);
    expect(paths(validateInstanceTarget({ import_export: 'both' }))).toEqual(['import_export']);
  });
});

describe('KeyValuePairs', () => {
  it('accepts annotations and bindings', () => {
    expect(validateKeyValuePairs({ key_value_pair: [{ key: 'owner', value: 'k8s' }, { key: 'cluster', value: null }] })).toEqual([]);
  });

  it('needs a string key per pair', () => {
    expect(paths(validateKeyValuePairs({ key_value_pair: [{ value: 'x' }, { key: 1, value: 'y' }, { key: 'z', value: 2 }] }))).toEqual([
      'key_value_pair[0].key',
      'key_value_pair[1].key',
      'key_value_pair[2].value',
    ]);
  });
});

describe('IdPermsType and PermType2', () => {
  it('accepts what contrail-api returns and clients echo', () => {
    const idPerms = {
      enable: true,
      uuid: { uuid_mslong: 4_623_010_399_221_957_000, uuid_lslong: 11_624_300_826_520_030_000 },
      created: '2026-11-25T10:00:00.123456',
      last_modified: '2026-11-25T10:00:00.123456',
      description: null,
      user_visible: true,
      creator: null,
      permissions: { owner: 'cloud-admin', owner_access: 7, group: 'cloud-admin-group', group_access: 7, other_access: 7 },
    };
    expect(validateIdPerms(idPerms)).toEqual([]);
    const perms2 = { owner: 'a9b1c3d4e5f60718293a4b5c6d7e8f90', owner_access: 7, global_access: 0, share: [{ tenant: 'domain:1234', tenant_access: 4 }] };
    expect(validatePerms2(perms2)).toEqual([]);
  });

  it('names bad flags and access bits', () => {
    expect(paths(validateIdPerms({ enable: 'true', user_visible: 1 }))).toEqual(['enable', 'user_visible']);
    expect(validatePerms2({ owner_access: 8, share: [{ tenant_access: 4 }] })).toEqual([
      { path: 'owner_access', message: 'expected an integer from 0 to 7, got 8' },
      { path: 'share[0].tenant', message: 'tenant is required in ShareType' },
    ]);
  });
});

describe('interface and address scalars', () => {
  it('checks MAC address lists', () => {
    expect(validateMacAddresses({ mac_address: ['02:8e:4f:1a:00:01'] })).toEqual([]);
    expect(paths(validateMacAddresses({ mac_address: ['02:8e:4f:1a:00:01', 'zz:8e:4f:1a:00:01'] }, 'virtual_machine_interface_mac_addresses'))).toEqual([
      'virtual_machine_interface_mac_addresses.mac_address[1]',
    ]);
  });

  it('checks instance and virtual-router addresses and the address family', () => {
    expect(validateIpAddress('10.1.0.5')).toEqual([]);
    expect(validateIpAddress('fd00::5')).toEqual([]);
    expect(validateIpAddress('10.1.0.300', 'instance_ip_address')).toEqual([
      { path: 'instance_ip_address', message: 'expected an IPv4 or IPv6 address, got "10.1.0.300"' },
    ]);
    expect(validateIpAddressFamily('v6')).toEqual([]);
    expect(paths(validateIpAddressFamily('ipv6', 'instance_ip_family'))).toEqual(['instance_ip_family']);
  });
});

describe('our own value types', () => {
  it('checks a label selector', () => {
    expect(validateLabelSelector({ match_labels: { vn: 'linux', tier: 'web' } })).toEqual([]);
    expect(validateLabelSelector({ match_labels: {} })).toEqual([]);
    expect(paths(validateLabelSelector({ match_labels: { vn: 1 }, matchLabels: {} }, 'virtual_network_selector'))).toEqual([
      'virtual_network_selector.match_labels.vn',
      'virtual_network_selector.matchLabels',
    ]);
  });

  it('checks a list of CIDRs', () => {
    expect(validateCidrList(['10.32.0.0/12', 'fd00:10::/108'])).toEqual([]);
    expect(paths(validateCidrList(['10.32.0.0/12', '10.96.0.0/33', '10.96.0.0'], 'cluster_service_subnets'))).toEqual([
      'cluster_service_subnets[1]',
      'cluster_service_subnets[2]',
    ]);
    expect(paths(validateCidrList('10.32.0.0/12'))).toEqual(['']);
  });
});

describe('validateTypedValue', () => {
  it('checks simple types by XSD name', () => {
    expect(validateTypedValue('xsd:boolean', false)).toEqual([]);
    expect(paths(validateTypedValue('xsd:boolean', 'false', 'is_shared'))).toEqual(['is_shared']);
    expect(validateTypedValue('AutonomousSystemType', 4_200_000_000)).toEqual([]);
    expect(paths(validateTypedValue('AutonomousSystemType', 0))).toEqual(['']);
    expect(validateTypedValue('U32BitHexInt', '0x00ff0001')).toEqual([]);
    expect(validateTypedValue('U32BitHexInt', 16_711_681)).toEqual([]);
    expect(validateTypedValue('U32BitHexInt', 'ff')).toEqual([
      { path: '', message: 'expected an unsigned 32-bit integer or a string 0xHHHHHHHH, got "ff"' },
    ]);
  });

  it('wants an object for a complex type it stores verbatim, whatever is inside', () => {
    expect(validateTypedValue('QuotaType', { virtual_network: 10, anything: 'goes' })).toEqual([]);
    expect(validateTypedValue('QuotaType', 10, 'quota')).toEqual([{ path: 'quota', message: 'expected an object (QuotaType), got 10' }]);
  });

  it('takes values of types outside our copy of the schema as they are', () => {
    expect(validateTypedValue('AsnRangeType', 'anything')).toEqual([]);
  });

  it('treats null as not set for every type', () => {
    for (const type of ['VnSubnetsType', 'xsd:integer', 'QuotaType', 'CidrListType', 'VirtualNetworkRouterType']) {
      expect(validateTypedValue(type, null)).toEqual([]);
    }
  });
});
