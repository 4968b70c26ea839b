import {
  RESOURCE_TYPE_NAMES,
  type DefaultParent,
  type Operations,
  type Presence,
  type PropertySpec,
  type RefSpec,
  type ResourceTypeName,
  type ResourceTypeSpec,
} from './resource-type-spec.js';

/*
 * The registry of resource types this controller serves. Facts are transcribed from Tungsten Fabric's schema
 * (tf-api-client `schema/vnc_cfg.xsd`, `bgp_schema.xsd`, `tag.xsd`, `firewall_policy.xsd`; see
 * contrail-config-model.md §1) — Property/ListProperty/MapProperty statements give the properties, Link(... ['has'])
 * the parents, Link(... ['ref']) the refs and the link element's type the ref attribute. A few entries come from
 * schema files vnc_cfg.xsd includes that our conformance copy lacks (alarm.xsd, bgpvpn.xsd, fabric.xsd,
 * e2_services.xsd, usr_def_cntr.xsd); they are marked, and come from tf-api-client's YAML form of the schema.
 */

const STRING = 'xsd:string';
const BOOLEAN = 'xsd:boolean';
const INTEGER = 'xsd:integer';

type PropertyFacts = Omit<PropertySpec, 'interpreted'>;
type RefFacts = Omit<RefSpec, 'interpreted'>;
type Extra = Partial<Pick<PropertySpec, 'default' | 'collection' | 'collectionField' | 'mapKey'>>;

const property =
  (presence: Presence) =>
  (name: string, type: string, operations: Operations = 'CRUD', extra: Extra = {}): PropertyFacts => ({
    name,
    type,
    presence,
    operations,
    ...extra,
  });
const optional = property('optional');
const required = property('required');
const system = property('system-only');

/** A ref to `to`; the JSON key is derived from the target type (`network-ipam` → `network_ipam_refs`). */
function ref(to: string, link: string, attrType: string | null = null, presence: Presence = 'optional'): RefFacts {
  return { to, field: `${jsonNameOf(to)}_refs`, link, attrType, presence };
}

/** `virtual-network` → `virtual_network`. Contrail keeps the case: `virtual-DNS` → `virtual_DNS`. */
export function jsonNameOf(typeName: string): string {
  return typeName.replace(/-/g, '_');
}

/** Common to every type (vnc_cfg.xsd: Property(..., 'all', ...) and tag.xsd `object-tag`). */
const COMMON_PROPERTIES: readonly PropertyFacts[] = [
  system('id_perms', 'IdPermsType', 'RU'),
  system('perms2', 'PermType2', 'R'),
  optional('annotations', 'KeyValuePairs', 'CRUD', { collection: 'propm', collectionField: 'key_value_pair', mapKey: 'key' }),
  optional('display_name', STRING),
];
const COMMON_REFS: readonly RefFacts[] = [ref('tag', 'object-tag')];
/** The controller reads all four common properties (enable, user_visible, owner, sharing, names). */
const COMMON_INTERPRETED = ['id_perms', 'perms2', 'annotations', 'display_name'];

const DEFAULT_DOMAIN = ['default-domain'];
const DEFAULT_PROJECT = ['default-domain', 'default-project'];
const DEFAULT_GLOBAL_SYSTEM_CONFIG = ['default-global-system-config'];

interface TypeDeclaration {
  readonly name: ResourceTypeName;
  readonly origin?: 'own';
  readonly kind?: 'implicit' | 'system';
  readonly parents?: readonly ResourceTypeName[];
  /** Required when `parents` is not empty: the fq_name of the first parent type's default instance. */
  readonly defaultParentFqName?: readonly string[];
  readonly properties?: readonly PropertyFacts[];
  readonly refs?: readonly RefFacts[];
  /** JSON keys (properties and `<type>_refs`) the controller acts on; the rest it stores verbatim. */
  readonly interprets?: readonly string[];
}

const DECLARATIONS: readonly TypeDeclaration[] = [
  { name: 'config-root', kind: 'implicit' },
  {
    name: 'global-system-config',
    properties: [
      required('autonomous_system', 'AutonomousSystemType'),
      optional('enable_4byte_as', BOOLEAN, 'CRUD', { default: false }),
      system('config_version', STRING, 'R'),
      optional('graceful_restart_parameters', 'GracefulRestartParametersType'),
      optional('fast_convergence_parameters', 'FastConvergenceParametersType'),
      optional('plugin_tuning', 'PluginProperties'),
      optional('data_center_interconnect_loopback_namespace', 'SubnetListType'),
      optional('data_center_interconnect_asn_namespace', 'AsnRangeType'),
      optional('ibgp_auto_mesh', BOOLEAN, 'CRUD', { default: true }),
      optional('bgp_always_compare_med', BOOLEAN),
      optional('rd_cluster_seed', 'RdClusterSeedType'),
      optional('route_replication_threshold', 'RouteReplicationThresholdType'),
      optional('ip_fabric_subnets', 'SubnetListType'),
      optional('supported_device_families', 'DeviceFamilyListType'),
      optional('supported_vendor_hardwares', 'VendorHardwaresType'),
      optional('bgpaas_parameters', 'BGPaaServiceParametersType'),
      optional('mac_limit_control', 'MACLimitControlType'),
      optional('mac_move_control', 'MACMoveLimitControlType'),
      optional('mac_aging_time', 'MACAgingTime', 'CRUD', { default: 300 }),
      optional('igmp_enable', BOOLEAN, 'CRUD', { default: false }),
      optional('enable_security_policy_draft', BOOLEAN, 'CRUD', { default: false }),
      // tag.xsd's Property('tag-value-range', …) is left out: its element is commented out, so vnc_api lacks it.
      // alarm.xsd, fabric.xsd and usr_def_cntr.xsd:
      optional('alarm_enable', BOOLEAN),
      optional('supported_fabric_annotations', 'KeyValuePairs'),
      optional('user_defined_log_statistics', 'UserDefinedLogStatList', 'CRUD', {
        collection: 'propm',
        collectionField: 'statlist',
        mapKey: 'name',
      }),
    ],
    refs: [ref('bgp-router', 'global-system-config-bgp-router', null, 'required')],
    interprets: ['autonomous_system', 'enable_4byte_as'],
  },
  {
    name: 'domain',
    properties: [optional('domain_limits', 'DomainLimitsType')],
  },
  {
    name: 'project',
    parents: ['domain'],
    defaultParentFqName: DEFAULT_DOMAIN,
    properties: [
      required('quota', 'QuotaType'),
      optional('vxlan_routing', BOOLEAN),
      optional('enable_security_policy_draft', BOOLEAN, 'CRUD', { default: false }),
      // alarm.xsd:
      optional('alarm_enable', BOOLEAN),
    ],
    refs: [
      ref('namespace', 'project-namespace', 'SubnetType'),
      ref('application-policy-set', 'project-default-application-policy-set', null, 'system-only'),
      ref('floating-ip-pool', 'project-floating-ip-pool'),
      ref('alias-ip-pool', 'project-alias-ip-pool'),
    ],
  },
  {
    name: 'network-ipam',
    parents: ['project'],
    defaultParentFqName: DEFAULT_PROJECT,
    properties: [
      optional('network_ipam_mgmt', 'IpamType'),
      optional('ipam_subnets', 'IpamSubnets', 'CRD', { collection: 'propl', collectionField: 'subnets' }),
      optional('ipam_subnet_method', 'SubnetMethodType', 'CRD'),
      optional('ipam_subnetting', BOOLEAN, 'CRD'),
    ],
    refs: [ref('virtual-DNS', 'network-ipam-virtual-DNS')],
    interprets: ['ipam_subnets', 'ipam_subnet_method'],
  },
  {
    name: 'virtual-network',
    parents: ['project'],
    defaultParentFqName: DEFAULT_PROJECT,
    properties: [
      optional('virtual_network_category', 'VirtualNetworkCategory', 'CRUD', { default: 'tenant' }),
      optional('virtual_network_properties', 'VirtualNetworkType'),
      optional('virtual_network_routed_properties', 'VirtualNetworkRoutedPropertiesType'),
      optional('ecmp_hashing_include_fields', 'EcmpHashingIncludeFields'),
      optional('provider_properties', 'ProviderDetails', 'CRD'),
      optional('is_provider_network', BOOLEAN, 'R', { default: false }),
      system('virtual_network_network_id', INTEGER, 'CR'),
      optional('port_security_enabled', BOOLEAN, 'CRUD', { default: true }),
      optional('fabric_snat', BOOLEAN, 'CRUD', { default: false }),
      optional('route_target_list', 'RouteTargetList'),
      optional('import_route_target_list', 'RouteTargetList'),
      optional('export_route_target_list', 'RouteTargetList'),
      optional('router_external', BOOLEAN),
      optional('is_shared', BOOLEAN),
      optional('mtu', 'NetworkMtuType'),
      optional('external_ipam', BOOLEAN),
      optional('flood_unknown_unicast', BOOLEAN, 'CRUD', { default: false }),
      optional('multi_policy_service_chains_enabled', BOOLEAN),
      optional('address_allocation_mode', 'AddressAllocationModeType'),
      optional('virtual_network_fat_flow_protocols', 'FatFlowProtocols', 'CRUD', {
        collection: 'propl',
        collectionField: 'fat_flow_protocol',
      }),
      optional('mac_learning_enabled', BOOLEAN, 'CRUD', { default: false }),
      optional('mac_limit_control', 'MACLimitControlType'),
      optional('mac_move_control', 'MACMoveLimitControlType'),
      optional('mac_aging_time', 'MACAgingTime', 'CRUD', { default: 300 }),
      optional('pbb_evpn_enable', BOOLEAN, 'CRUD', { default: false }),
      optional('pbb_etree_enable', BOOLEAN, 'CRUD', { default: false }),
      optional('layer2_control_word', BOOLEAN, 'CRUD', { default: false }),
      optional('igmp_enable', BOOLEAN, 'CRUD', { default: false }),
      optional('mac_ip_learning_enable', BOOLEAN, 'CRUD', { default: false }),
    ],
    refs: [
      ref('network-ipam', 'virtual-network-network-ipam', 'VnSubnetsType', 'required'),
      ref('network-policy', 'virtual-network-network-policy', 'VirtualNetworkPolicyType'),
      ref('virtual-network', 'virtual-network-provider-network'),
      ref('qos-config', 'virtual-network-qos-config'),
      ref('route-table', 'virtual-network-route-table'),
      ref('routing-policy', 'virtual-network-routing-policy', 'RoutingPolicyType'),
      ref('security-logging-object', 'virtual-network-security-logging-object'),
      ref('service-health-check', 'vn-health-check'),
      ref('multicast-policy', 'virtual-network-multicast-policy'),
      // bgpvpn.xsd and fabric.xsd (the YAML names no link element; these names follow the schema's pattern):
      ref('bgpvpn', 'virtual-network-bgpvpn'),
      ref('intent-map', 'virtual-network-intent-map'),
      // Ours: the workload clusters a network is stretched to.
      ref('cluster', 'virtual-network-cluster'),
    ],
    interprets: [
      'virtual_network_properties',
      'virtual_network_network_id',
      'route_target_list',
      'import_route_target_list',
      'export_route_target_list',
      'address_allocation_mode',
      'network_ipam_refs',
      'network_policy_refs',
      'cluster_refs',
    ],
  },
  {
    name: 'network-policy',
    parents: ['project'],
    defaultParentFqName: DEFAULT_PROJECT,
    properties: [required('network_policy_entries', 'PolicyEntriesType')],
    interprets: ['network_policy_entries'],
  },
  {
    name: 'security-group',
    parents: ['project'],
    defaultParentFqName: DEFAULT_PROJECT,
    properties: [
      system('security_group_id', 'SecurityGroupIdType', 'R'),
      optional('configured_security_group_id', 'ConfiguredSecurityGroupIdType', 'CRUD', { default: 0 }),
      required('security_group_entries', 'PolicyEntriesType'),
    ],
    interprets: ['security_group_id', 'security_group_entries'],
  },
  {
    name: 'virtual-router',
    parents: ['global-system-config'],
    defaultParentFqName: DEFAULT_GLOBAL_SYSTEM_CONFIG,
    properties: [
      optional('virtual_router_type', 'VirtualRouterType', 'CRD'),
      optional('virtual_router_dpdk_enabled', BOOLEAN),
      optional('virtual_router_sriov_physical_networks', 'KeyValuePairs', 'CRUD', {
        collection: 'propm',
        collectionField: 'key_value_pair',
        mapKey: 'key',
      }),
      required('virtual_router_ip_address', 'IpAddressType'),
    ],
    refs: [
      ref('network-ipam', 'virtual-router-network-ipam', 'VirtualRouterNetworkIpamType'),
      ref('sub-cluster', 'virtual-router-sub-cluster'),
      ref('virtual-machine', 'virtual-router-virtual-machine'),
      // Ours: the workload cluster the virtual router (its node) belongs to; none means the controller's own.
      ref('cluster', 'virtual-router-cluster'),
    ],
    interprets: ['virtual_router_ip_address', 'virtual_machine_refs', 'cluster_refs'],
  },
  {
    name: 'virtual-machine',
    properties: [optional('server_type', 'ServerType', 'CRUD', { default: 'virtual-server' })],
    refs: [ref('service-instance', 'virtual-machine-service-instance', null, 'system-only')],
  },
  {
    name: 'virtual-machine-interface',
    // The schema also allows virtual-router as parent (vhost0); we accept project and the deprecated virtual-machine.
    parents: ['project', 'virtual-machine'],
    defaultParentFqName: DEFAULT_PROJECT,
    properties: [
      optional('port_security_enabled', BOOLEAN, 'CRUD', { default: true }),
      // Required in the schema, yet the server fills it in from the uuid when absent (contrail-config-model.md §1.2).
      required('virtual_machine_interface_mac_addresses', 'MacAddressesType'),
      optional('virtual_machine_interface_dhcp_option_list', 'DhcpOptionsListType'),
      optional('virtual_machine_interface_host_routes', 'RouteTableType'),
      optional('virtual_machine_interface_allowed_address_pairs', 'AllowedAddressPairs'),
      system('vrf_assign_table', 'VrfAssignTableType'),
      optional('virtual_machine_interface_device_owner', STRING),
      optional('virtual_machine_interface_disable_policy', BOOLEAN, 'CRUD', { default: false }),
      optional('ecmp_hashing_include_fields', 'EcmpHashingIncludeFields'),
      optional('virtual_machine_interface_properties', 'VirtualMachineInterfacePropertiesType'),
      optional('virtual_machine_interface_bindings', 'KeyValuePairs', 'CRUD', {
        collection: 'propm',
        collectionField: 'key_value_pair',
        mapKey: 'key',
      }),
      optional('virtual_machine_interface_fat_flow_protocols', 'FatFlowProtocols', 'CRUD', {
        collection: 'propl',
        collectionField: 'fat_flow_protocol',
      }),
      optional('vlan_tag_based_bridge_domain', BOOLEAN, 'CRUD', { default: false }),
      optional('igmp_enable', BOOLEAN, 'CRUD', { default: false }),
    ],
    refs: [
      ref('virtual-network', 'virtual-machine-interface-virtual-network', null, 'required'),
      ref('virtual-machine', 'virtual-machine-interface-virtual-machine'),
      ref('security-group', 'virtual-machine-interface-security-group'),
      ref('virtual-machine-interface', 'virtual-machine-interface-sub-interface'),
      ref('security-logging-object', 'virtual-machine-interface-security-logging-object'),
      ref('qos-config', 'virtual-machine-interface-qos-config'),
      ref('routing-instance', 'virtual-machine-interface-routing-instance', 'PolicyBasedForwardingRuleType', 'system-only'),
      ref('bgp-router', 'virtual-machine-interface-bgp-router', null, 'required'),
      ref('port-tuple', 'port-tuple-interface'),
      ref('service-health-check', 'service-port-health-check'),
      ref('interface-route-table', 'virtual-machine-interface-route-table'),
      ref('physical-interface', 'virtual-machine-interface-physical-interface', null, 'system-only'),
      ref('bridge-domain', 'virtual-machine-interface-bridge-domain', 'BridgeDomainMembershipType'),
      // fabric.xsd and e2_services.xsd (link element names inferred, as for virtual-network above):
      ref('port-profile', 'virtual-machine-interface-port-profile'),
      ref('virtual-port-group', 'virtual-machine-interface-virtual-port-group', 'VMIVirtualPortGroupAttributes'),
      ref('service-endpoint', 'virtual-machine-interface-service-endpoint'),
    ],
    interprets: [
      'virtual_machine_interface_mac_addresses',
      'virtual_machine_interface_bindings',
      'virtual_network_refs',
      'virtual_machine_refs',
      'security_group_refs',
    ],
  },
  {
    name: 'instance-ip',
    properties: [
      required('instance_ip_address', 'IpAddressType', 'CR'),
      optional('instance_ip_family', 'IpAddressFamilyType', 'CR'),
      optional('instance_ip_mode', 'AddressMode', 'CR'),
      optional('secondary_ip_tracking_ip', 'SubnetType'),
      optional('subnet_uuid', STRING, 'CR'),
      optional('instance_ip_subscriber_tag', STRING, 'CR'),
      optional('instance_ip_secondary', BOOLEAN, 'CRUD', { default: false }),
      optional('instance_ip_local_ip', BOOLEAN, 'CRUD', { default: false }),
      system('service_instance_ip', BOOLEAN, 'CRUD', { default: false }),
      system('service_health_check_ip', BOOLEAN, 'CRUD', { default: false }),
      optional('instance_ip_subnet', 'SubnetType'),
    ],
    refs: [
      ref('virtual-network', 'instance-ip-virtual-network', null, 'required'),
      ref('network-ipam', 'instance-ip-network-ipam', null, 'required'),
      ref('virtual-machine-interface', 'instance-ip-virtual-machine-interface'),
      ref('physical-router', 'instance-ip-physical-router'),
      ref('virtual-router', 'instance-ip-virtual-router'),
      ref('logical-interface', 'instance-ip-logical-interface'),
      ref('flow-node', 'instance-ip-flow-node'),
    ],
    interprets: [
      'instance_ip_address',
      'instance_ip_family',
      'subnet_uuid',
      'virtual_network_refs',
      'virtual_machine_interface_refs',
    ],
  },
  {
    name: 'tag',
    // A tag under config-root is global (fq_name [name]); under a project it is scoped to it.
    parents: ['config-root', 'project'],
    defaultParentFqName: [],
    properties: [
      required('tag_type_name', STRING, 'CR'),
      required('tag_value', STRING, 'CR'),
      optional('tag_predefined', BOOLEAN, 'CR', { default: false }),
      optional('tag_id', 'U32BitHexInt', 'R'),
    ],
    refs: [ref('tag-type', 'tag-tag-type')],
    interprets: ['tag_type_name', 'tag_value', 'tag_id'],
  },
  {
    name: 'routing-instance',
    kind: 'system',
    parents: ['virtual-network'],
    defaultParentFqName: [...DEFAULT_PROJECT, 'default-virtual-network'],
    properties: [
      optional('default_ce_protocol', 'DefaultProtocolType'),
      system('service_chain_information', 'ServiceChainInfo'),
      system('ipv6_service_chain_information', 'ServiceChainInfo'),
      system('evpn_service_chain_information', 'ServiceChainInfo'),
      system('evpn_ipv6_service_chain_information', 'ServiceChainInfo'),
      system('routing_instance_is_default', BOOLEAN, 'CRUD', { default: false }),
      system('routing_instance_has_pnf', BOOLEAN, 'CRUD', { default: false }),
      system('static_route_entries', 'StaticRouteEntriesType'),
      system('routing_instance_fabric_snat', BOOLEAN, 'CRUD', { default: false }),
    ],
    refs: [
      // bgp_schema.xsd gives these two links no presence; their types live in ietf-l3vpn-schema.xsd.
      ref('routing-instance', 'connection', 'ConnectionType'),
      ref('route-target', 'instance-target', 'InstanceTargetType'),
    ],
    interprets: ['routing_instance_is_default', 'routing_instance_fabric_snat', 'routing_instance_refs', 'route_target_refs'],
  },
  { name: 'route-target', kind: 'system' },
  {
    // CN2's VirtualNetworkRouter (contrail-config-model.md §5.2): leaks routes among the VNs it selects.
    name: 'virtual-network-router',
    origin: 'own',
    parents: ['project'],
    defaultParentFqName: DEFAULT_PROJECT,
    properties: [
      required('virtual_network_router_type', 'VirtualNetworkRouterType'),
      optional('virtual_network_selector', 'LabelSelectorType'),
    ],
    refs: [
      ref('virtual-network', 'virtual-network-router-virtual-network'),
      // CN2's spec.import.virtualNetworkRouters: a spoke VNR names its hubs (or a hub its spokes); a mesh VNR joins
      // another mesh.
      ref('virtual-network-router', 'virtual-network-router-virtual-network-router'),
    ],
    interprets: ['virtual_network_router_type', 'virtual_network_selector', 'virtual_network_refs', 'virtual_network_router_refs'],
  },
  {
    // A workload cluster attached to this controller (contrail-config-model.md §5.4).
    name: 'cluster',
    origin: 'own',
    parents: ['global-system-config'],
    defaultParentFqName: DEFAULT_GLOBAL_SYSTEM_CONFIG,
    properties: [
      optional('cluster_pod_subnets', 'CidrListType'),
      optional('cluster_service_subnets', 'CidrListType'),
      optional('cluster_asn', 'AutonomousSystemType'),
      // A kubeconfig file path or the name of the secret holding it.
      optional('cluster_kubeconfig_ref', STRING),
      optional('cluster_attached', BOOLEAN, 'CRUD', { default: false }),
    ],
    interprets: ['cluster_pod_subnets', 'cluster_service_subnets', 'cluster_asn', 'cluster_kubeconfig_ref', 'cluster_attached'],
  },
];

function buildSpec(declaration: TypeDeclaration): ResourceTypeSpec {
  const { name } = declaration;
  const parents = declaration.parents ?? [];
  const interprets = new Set([...COMMON_INTERPRETED, ...(declaration.interprets ?? [])]);
  const properties = [...COMMON_PROPERTIES, ...(declaration.properties ?? [])].map((p) => ({ ...p, interpreted: interprets.has(p.name) }));
  const refs = [...(declaration.refs ?? []), ...COMMON_REFS].map((r) => ({ ...r, interpreted: interprets.has(r.field) }));
  const known = new Set([...properties.map((p) => p.name), ...refs.map((r) => r.field)]);
  const strays = [...interprets].filter((key) => !known.has(key));
  if (strays.length > 0) throw new Error(`${name} interprets undeclared fields: ${strays.join(', ')}`);
  return {
    name,
    // Contrail forms every plural by appending 's', hence `/network-policys`.
    plural: `${name}s`,
    jsonName: jsonNameOf(name),
    childrenKey: `${jsonNameOf(name)}s`,
    origin: declaration.origin ?? 'contrail',
    implicit: declaration.kind === 'implicit',
    systemOnly: declaration.kind === 'system',
    creatable: declaration.kind === undefined,
    parents,
    defaultParent: defaultParentOf(declaration, parents),
    properties,
    refs,
  };
}

function defaultParentOf(declaration: TypeDeclaration, parents: readonly ResourceTypeName[]): DefaultParent | null {
  if (declaration.kind === 'implicit') return null;
  const first = parents[0];
  if (first === undefined) return { type: 'config-root', fqName: [] };
  if (declaration.defaultParentFqName === undefined) throw new Error(`${declaration.name} needs a default parent fq_name`);
  return { type: first, fqName: declaration.defaultParentFqName };
}

/** Every served type by REST name. */
export const RESOURCE_TYPES: Readonly<Record<ResourceTypeName, ResourceTypeSpec>> = Object.fromEntries(
  DECLARATIONS.map((declaration) => [declaration.name, buildSpec(declaration)]),
) as Record<ResourceTypeName, ResourceTypeSpec>;

const BY_PLURAL: ReadonlyMap<string, ResourceTypeSpec> = new Map(Object.values(RESOURCE_TYPES).map((spec) => [spec.plural, spec]));
const BY_JSON_NAME: ReadonlyMap<string, ResourceTypeSpec> = new Map(Object.values(RESOURCE_TYPES).map((spec) => [spec.jsonName, spec]));
const NAMES: ReadonlySet<string> = new Set(RESOURCE_TYPE_NAMES);

export function isResourceTypeName(name: string): name is ResourceTypeName {
  return NAMES.has(name);
}

/** The spec for a REST type name (`virtual-network`), or undefined for a type we do not serve. */
export function resourceType(name: string): ResourceTypeSpec | undefined {
  return isResourceTypeName(name) ? RESOURCE_TYPES[name] : undefined;
}

/** The spec for a collection path segment (`virtual-networks`). */
export function resourceTypeByPlural(plural: string): ResourceTypeSpec | undefined {
  return BY_PLURAL.get(plural);
}

/** The spec for an underscore name (`virtual_network`), as `/watch?resource_type=` and JSON keys use it. */
export function resourceTypeByJsonName(jsonName: string): ResourceTypeSpec | undefined {
  return BY_JSON_NAME.get(jsonName);
}

export function findProperty(type: ResourceTypeSpec, name: string): PropertySpec | undefined {
  return type.properties.find((p) => p.name === name);
}

/** The ref declared under JSON key `field` (`network_ipam_refs`). */
export function findRef(type: ResourceTypeSpec, field: string): RefSpec | undefined {
  return type.refs.find((r) => r.field === field);
}

/**
 * Served types that may hang off `type`: their `childrenKey`s may appear in `type`'s GET body. For config-root,
 * every type without another parent.
 */
export function childTypesOf(type: ResourceTypeName): readonly ResourceTypeSpec[] {
  const isRootLevel = (spec: ResourceTypeSpec): boolean => spec.parents.length === 0 && !spec.implicit;
  return Object.values(RESOURCE_TYPES).filter((spec) => spec.parents.includes(type) || (type === 'config-root' && isRootLevel(spec)));
}
