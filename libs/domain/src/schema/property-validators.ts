import type { SchemaProblem } from './schema-problem.js';
import { anyValue, checkShape, complex, opaque, type Shape } from './value-shapes.js';
import { OWN_VALUE_TYPES, XSD_COMPLEX_TYPES } from './xsd-complex-types.js';
import { XSD_SIMPLE_TYPES } from './xsd-simple-types.js';

/**
 * Shape checks for property values and link attributes, by XSD type name. Types and ranges only: the network
 * meaning (prefix is a network address, gateway inside the subnet, overlaps) is checked in ../allocation.
 */

/**
 * Complex types in our copy of the schema that this controller stores and returns without looking inside: a value
 * must be a JSON object, nothing more.
 */
export const OPAQUE_COMPLEX_TYPES: ReadonlySet<string> = new Set([
  'AllowedAddressPairs',
  'BGPaaServiceParametersType',
  'BridgeDomainMembershipType',
  'DeviceFamilyListType',
  'DomainLimitsType',
  'EcmpHashingIncludeFields',
  'FastConvergenceParametersType',
  'FatFlowProtocols',
  'GracefulRestartParametersType',
  'IpamType',
  'MACLimitControlType',
  'MACMoveLimitControlType',
  'PluginProperties',
  'PolicyBasedForwardingRuleType',
  'ProviderDetails',
  'QuotaType',
  'RoutingPolicyType',
  'ServiceChainInfo',
  'SubnetListType',
  'StaticRouteEntriesType',
  'VendorHardwaresType',
  'VirtualMachineInterfacePropertiesType',
  'VirtualNetworkRoutedPropertiesType',
  'VirtualRouterNetworkIpamType',
  'VrfAssignTableType',
]);

/**
 * Types declared in schema files that vnc_cfg.xsd includes but our copy lacks (fabric.xsd, bgpvpn.xsd,
 * usr_def_cntr.xsd, ietf-l3vpn-schema.xsd): accepted as sent.
 */
export const UNCHECKED_TYPES: ReadonlySet<string> = new Set([
  'AsnRangeType',
  'ConnectionType',
  'DefaultProtocolType',
  'UserDefinedLogStatList',
  'VMIVirtualPortGroupAttributes',
]);

/** The shape for an XSD (or our own) type name; undefined for a name none of the tables knows. */
export function shapeOfType(typeName: string): Shape | undefined {
  const simple = XSD_SIMPLE_TYPES[typeName];
  if (simple !== undefined) return simple;
  const checked = XSD_COMPLEX_TYPES[typeName];
  if (checked !== undefined) return complex(checked);
  const own = OWN_VALUE_TYPES[typeName];
  if (own !== undefined) return own;
  if (OPAQUE_COMPLEX_TYPES.has(typeName)) return opaque(typeName);
  if (UNCHECKED_TYPES.has(typeName)) return anyValue;
  return undefined;
}

/**
 * Problems with `value` as a value of XSD type `typeName`, reported under `path`. Null means "not set" and is
 * always fine. A type name no table knows is not checked (the registry's tests make sure every name it uses is known).
 */
export function validateTypedValue(typeName: string, value: unknown, path = ''): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  checkShape(shapeOfType(typeName) ?? anyValue, value, path, problems);
  return problems;
}

/** A checker for one XSD type: `(value, path?) => problems`. */
export type PropertyValidator = (value: unknown, path?: string) => SchemaProblem[];

const validatorFor =
  (typeName: string): PropertyValidator =>
  (value, path = '') =>
    validateTypedValue(typeName, value, path);

/** virtual-network → network-ipam link attribute: `{ipam_subnets: [IpamSubnetType], host_routes}`. */
export const validateVnSubnets = validatorFor('VnSubnetsType');
/** One subnet: `{subnet: {ip_prefix, ip_prefix_len}, default_gateway, enable_dhcp, allocation_pools, …}`. */
export const validateIpamSubnet = validatorFor('IpamSubnetType');
/** network-ipam `ipam_subnets`: `{subnets: [IpamSubnetType]}`. */
export const validateIpamSubnets = validatorFor('IpamSubnets');
/** virtual-network `virtual_network_properties`: VNI, forwarding mode, RPF, MTU … */
export const validateVirtualNetworkType = validatorFor('VirtualNetworkType');
/** `route_target_list` and its import/export siblings: `{route_target: ['target:64512:100']}`. */
export const validateRouteTargetList = validatorFor('RouteTargetList');
/** `network_policy_entries` / `security_group_entries`: `{policy_rule: [PolicyRuleType]}`. */
export const validatePolicyEntries = validatorFor('PolicyEntriesType');
export const validatePolicyRule = validatorFor('PolicyRuleType');
/** virtual-network → network-policy link attribute: `{sequence: {major, minor}, timer?}`. */
export const validateVirtualNetworkPolicy = validatorFor('VirtualNetworkPolicyType');
/** routing-instance → route-target link attribute: `{import_export: '' | 'import' | 'export' | null}`. */
export const validateInstanceTarget = validatorFor('InstanceTargetType');
/** `annotations` and other map properties: `{key_value_pair: [{key, value}]}`. */
export const validateKeyValuePairs = validatorFor('KeyValuePairs');
export const validateIdPerms = validatorFor('IdPermsType');
export const validatePerms2 = validatorFor('PermType2');
/** virtual-machine-interface `virtual_machine_interface_mac_addresses`: `{mac_address: ['02:…']}`. */
export const validateMacAddresses = validatorFor('MacAddressesType');
/** `instance_ip_address`, `virtual_router_ip_address`: an IPv4 or IPv6 address. */
export const validateIpAddress = validatorFor('IpAddressType');
/** `instance_ip_family`: 'v4' or 'v6'. */
export const validateIpAddressFamily = validatorFor('IpAddressFamilyType');
/** virtual-network-router `virtual_network_selector`: `{match_labels: {key: value}}`. */
export const validateLabelSelector = validatorFor('LabelSelectorType');
/** cluster `cluster_pod_subnets` / `cluster_service_subnets`: `['10.32.0.0/12', …]`. */
export const validateCidrList = validatorFor('CidrListType');
