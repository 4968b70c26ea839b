import { fieldPath, type SchemaProblem } from './schema-problem.js';
import { ipVersion } from './string-formats.js';
import { XSD_SIMPLE_TYPES as S } from './xsd-simple-types.js';
import {
  bool,
  complex,
  complexType,
  int,
  isSet,
  listOf,
  mapOf,
  opaque,
  str,
  type ComplexType,
  type JsonObject,
  type Shape,
} from './value-shapes.js';

/*
 * The XSD complex types this controller looks inside, field for field as vnc_cfg.xsd declares them (so that a
 * body the vnc_api client builds, which carries every field, null where unset, passes). Declared leaves first.
 */

const simple = (name: string): Shape => {
  const shape = S[name];
  if (shape === undefined) throw new Error(`no simple type ${name}`);
  return shape;
};
const ip = simple('IpAddressType');

export const SubnetType = complexType(
  'SubnetType',
  { ip_prefix: ip, ip_prefix_len: int(0, 128) },
  { required: ['ip_prefix', 'ip_prefix_len'], refine: checkPrefixLength },
);

export const AllocationPoolType = complexType(
  'AllocationPoolType',
  { start: ip, end: ip, vrouter_specific_pool: bool },
  { required: ['start', 'end'] },
);

const CommunityAttributes = complexType('CommunityAttributes', { community_attribute: listOf(simple('CommunityAttribute')) });

const RouteType = complexType(
  'RouteType',
  { prefix: str(), next_hop: str(), next_hop_type: simple('RouteNextHopType'), community_attributes: complex(CommunityAttributes) },
  { required: ['prefix'] },
);

export const RouteTableType = complexType('RouteTableType', { route: listOf(complex(RouteType)) });

const DhcpOptionType = complexType(
  'DhcpOptionType',
  { dhcp_option_name: str(), dhcp_option_value: str(), dhcp_option_value_bytes: str() },
  { required: ['dhcp_option_name'] },
);

export const DhcpOptionsListType = complexType('DhcpOptionsListType', { dhcp_option: listOf(complex(DhcpOptionType)) });

export const IpamSubnetType = complexType('IpamSubnetType', {
  subnet: complex(SubnetType),
  default_gateway: ip,
  dns_server_address: ip,
  subnet_uuid: str(),
  enable_dhcp: bool,
  dns_nameservers: listOf(str()),
  allocation_pools: listOf(complex(AllocationPoolType)),
  addr_from_start: bool,
  dhcp_option_list: complex(DhcpOptionsListType),
  host_routes: complex(RouteTableType),
  subnet_name: str(),
  alloc_unit: int(1),
  created: simple('xsd:dateTime'),
  last_modified: simple('xsd:dateTime'),
  subscriber_tag: str(),
  vlan_tag: int(),
  dhcp_relay_server: listOf(ip),
});

/** Attribute of the virtual-network → network-ipam link: the VN's subnets in that IPAM. */
export const VnSubnetsType = complexType('VnSubnetsType', {
  ipam_subnets: listOf(complex(IpamSubnetType)),
  host_routes: complex(RouteTableType),
});

/** network-ipam `ipam_subnets` (a list property): the IPAM's own subnets, used by flat-subnet IPAMs. */
export const IpamSubnets = complexType('IpamSubnets', { subnets: listOf(complex(IpamSubnetType)) });

export const VirtualNetworkType = complexType('VirtualNetworkType', {
  allow_transit: bool,
  network_id: int(),
  // XSD says required; the client leaves it null unless the user configures a VNI.
  vxlan_network_identifier: simple('VxlanNetworkIdentifierType'),
  forwarding_mode: simple('ForwardingModeType'),
  rpf: simple('RpfModeType'),
  mirror_destination: bool,
  max_flows: simple('MaxFlowsType'),
  mtu: simple('NetworkMtuType'),
});

export const RouteTargetList = complexType('RouteTargetList', { route_target: listOf(str('route-target')) });

export const SequenceType = complexType('SequenceType', { major: int(), minor: int() }, { required: ['major', 'minor'] });

export const AddressType = complexType(
  'AddressType',
  {
    subnet: complex(SubnetType),
    virtual_network: str(),
    security_group: str(),
    network_policy: str(),
    subnet_list: listOf(complex(SubnetType)),
  },
  { refine: checkExactlyOneAddress },
);

export const PortType = complexType(
  'PortType',
  { start_port: simple('L4PortType'), end_port: simple('L4PortType') },
  { required: ['start_port', 'end_port'], refine: checkPortRange },
);

export const ActionListType = complexType('ActionListType', {
  simple_action: simple('SimpleActionType'),
  gateway_name: str(),
  apply_service: listOf(str()),
  service_properties: opaque('ServicePropertiesType'),
  mirror_to: opaque('MirrorActionType'),
  assign_routing_instance: str(),
  log: bool,
  alert: bool,
  qos_action: str(),
  host_based_service: bool,
});

export const PolicyRuleType = complexType(
  'PolicyRuleType',
  {
    rule_sequence: complex(SequenceType),
    rule_uuid: str(),
    direction: simple('DirectionType'),
    protocol: str('protocol'),
    src_addresses: listOf(complex(AddressType)),
    src_ports: listOf(complex(PortType)),
    application: listOf(str()),
    dst_addresses: listOf(complex(AddressType)),
    dst_ports: listOf(complex(PortType)),
    // Security-group rules carry no action_list, so it cannot be required here.
    action_list: complex(ActionListType),
    ethertype: simple('EtherType'),
    created: simple('xsd:dateTime'),
    last_modified: simple('xsd:dateTime'),
    description: str(),
  },
  { required: ['direction', 'protocol'] },
);

/** network-policy `network_policy_entries` and security-group `security_group_entries`. */
export const PolicyEntriesType = complexType('PolicyEntriesType', { policy_rule: listOf(complex(PolicyRuleType)) });

const TimerType = complexType('TimerType', {
  start_time: simple('xsd:dateTime'),
  on_interval: simple('xsd:time'),
  off_interval: simple('xsd:time'),
  end_time: simple('xsd:dateTime'),
});

/** Attribute of the virtual-network → network-policy link: the order the VN applies its policies in. */
export const VirtualNetworkPolicyType = complexType('VirtualNetworkPolicyType', {
  sequence: complex(SequenceType),
  timer: complex(TimerType),
});

const KeyValuePair = complexType('KeyValuePair', { key: str(), value: str() }, { required: ['key'] });

export const KeyValuePairs = complexType('KeyValuePairs', { key_value_pair: listOf(complex(KeyValuePair)) });

const UuidType = complexType('UuidType', { uuid_mslong: simple('xsd:unsignedLong'), uuid_lslong: simple('xsd:unsignedLong') });

const PermType = complexType('PermType', {
  owner: str(),
  owner_access: simple('AccessType'),
  group: str(),
  group_access: simple('AccessType'),
  other_access: simple('AccessType'),
});

export const IdPermsType = complexType('IdPermsType', {
  permissions: complex(PermType),
  uuid: complex(UuidType),
  enable: bool,
  created: simple('xsd:dateTime'),
  last_modified: simple('xsd:dateTime'),
  description: str(),
  user_visible: bool,
  creator: str(),
});

const ShareType = complexType('ShareType', { tenant: str(), tenant_access: simple('AccessType') }, { required: ['tenant'] });

export const PermType2 = complexType('PermType2', {
  owner: str(),
  owner_access: simple('AccessType'),
  global_access: simple('AccessType'),
  share: listOf(complex(ShareType)),
});

export const MacAddressesType = complexType('MacAddressesType', { mac_address: listOf(str('mac-address')) });

/**
 * Attribute of the routing-instance → route-target link (ietf-l3vpn-schema.xsd, which our copy of the schema
 * lacks; shape per contrail-config-model.md §1.2): empty or null means import and export.
 */
export const InstanceTargetType = complexType('InstanceTargetType', { import_export: { kind: 'string', oneOf: ['', 'import', 'export'] } });

/** Every checked complex type by XSD name. */
export const XSD_COMPLEX_TYPES: Readonly<Record<string, ComplexType>> = Object.fromEntries(
  [
    SubnetType,
    AllocationPoolType,
    CommunityAttributes,
    RouteType,
    RouteTableType,
    DhcpOptionType,
    DhcpOptionsListType,
    IpamSubnetType,
    VnSubnetsType,
    IpamSubnets,
    VirtualNetworkType,
    RouteTargetList,
    SequenceType,
    AddressType,
    PortType,
    ActionListType,
    PolicyRuleType,
    PolicyEntriesType,
    TimerType,
    VirtualNetworkPolicyType,
    KeyValuePair,
    KeyValuePairs,
    UuidType,
    PermType,
    IdPermsType,
    ShareType,
    PermType2,
    MacAddressesType,
    InstanceTargetType,
  ].map((type) => [type.name, type]),
);

/** A Kubernetes-style label selector, as CN2's VirtualNetworkRouter uses it (ours, not in Contrail's schema). */
export const LabelSelectorType = complexType('LabelSelectorType', { match_labels: mapOf(str()) });

/** Value types of our own resource types (virtual-network-router, cluster), which Contrail's schema lacks. */
export const OWN_VALUE_TYPES: Readonly<Record<string, Shape>> = {
  LabelSelectorType: complex(LabelSelectorType),
  /** A plain JSON list of CIDR strings, e.g. a cluster's pod subnets `["10.32.0.0/12"]`. */
  CidrListType: listOf(str('cidr')),
};

function checkPrefixLength(subnet: JsonObject, path: string, problems: SchemaProblem[]): void {
  const prefix = subnet['ip_prefix'] as string;
  const length = subnet['ip_prefix_len'] as number;
  if (ipVersion(prefix) === 4 && length > 32) {
    const message = `expected an integer from 0 to 32 for an IPv4 prefix, got ${length}`;
    problems.push({ path: fieldPath(path, 'ip_prefix_len'), message });
  }
}

const ADDRESS_KINDS = ['virtual_network', 'subnet', 'security_group', 'network_policy', 'subnet_list'] as const;

/** contrail-config-model.md §1.2: an address names exactly one of a VN, a subnet, an SG, a policy or a subnet list. */
function checkExactlyOneAddress(address: JsonObject, path: string, problems: SchemaProblem[]): void {
  const given = ADDRESS_KINDS.filter((kind) => {
    const value = address[kind];
    return isSet(value) && !(Array.isArray(value) && value.length === 0);
  });
  if (given.length !== 1) {
    const found = given.length === 0 ? 'none' : given.join(', ');
    problems.push({ path, message: `an address needs exactly one of ${ADDRESS_KINDS.join(', ')}; found ${found}` });
  }
}

/** -1 means "any port" and may stand on either side; otherwise the range must not be reversed. */
function checkPortRange(port: JsonObject, path: string, problems: SchemaProblem[]): void {
  const start = port['start_port'] as number;
  const end = port['end_port'] as number;
  if (start !== -1 && end !== -1 && start > end) {
    problems.push({ path, message: `start_port ${start} is greater than end_port ${end}` });
  }
}
