import { int, oneOf, str, type Shape } from './value-shapes.js';

/**
 * XSD simple types (built-in and `xsd:simpleType` restrictions) used by the properties and link attributes of the
 * types we serve, as JSON shapes. Ranges and enumerations are copied from vnc_cfg.xsd, bgp_schema.xsd and tag.xsd.
 */
export const XSD_SIMPLE_TYPES: Readonly<Record<string, Shape>> = {
  'xsd:string': str(),
  'xsd:boolean': { kind: 'boolean' },
  'xsd:integer': int(),
  'xsd:unsignedInt': int(0, 0xffff_ffff),
  'xsd:unsignedLong': int(0),
  // Contrail writes its own timestamps (e.g. id_perms.created); clients echo them back, so any string passes.
  'xsd:dateTime': str(),
  'xsd:time': str(),

  AccessType: int(0, 7),
  AddressAllocationModeType: oneOf(
    'user-defined-subnet-preferred',
    'user-defined-subnet-only',
    'flat-subnet-preferred',
    'flat-subnet-only',
  ),
  AddressMode: oneOf('active-active', 'active-standby'),
  AutonomousSystemType: int(1, 4_294_967_295),
  CommunityAttribute: str(),
  ConfiguredSecurityGroupIdType: int(0, 7_999_999),
  DirectionType: oneOf('>', '<>'),
  EtherType: oneOf('IPv4', 'IPv6'),
  ForwardingModeType: oneOf('l2_l3', 'l2', 'l3'),
  IpAddressFamilyType: oneOf('v4', 'v6'),
  IpAddressType: str('ip-address'),
  L4PortType: int(-1, 65535),
  MACAgingTime: int(0, 86400),
  MaxFlowsType: int(0, 4_294_967_296),
  NetworkMtuType: int(0, 9216),
  RdClusterSeedType: int(1, 65535),
  RouteNextHopType: oneOf('service-instance', 'ip-address'),
  RouteReplicationThresholdType: int(0, 60),
  RpfModeType: oneOf('enable', 'disable'),
  SecurityGroupIdType: int(8_000_000, 4_294_967_296),
  ServerType: oneOf('virtual-server', 'baremetal-server', 'container'),
  SimpleActionType: oneOf('deny', 'pass'),
  SubnetMethodType: oneOf('user-defined-subnet', 'flat-subnet', 'auto-subnet'),
  U32BitHexInt: {
    kind: 'either',
    options: [int(0, 0xffff_ffff), str('hex32')],
    description: 'an unsigned 32-bit integer or a string 0xHHHHHHHH',
  },
  VirtualNetworkCategory: oneOf('infra', 'tenant', 'internal', 'routed'),
  VirtualRouterType: oneOf('embedded', 'tor-agent', 'tor-service-node'),
  VxlanNetworkIdentifierType: int(1, 16_777_215),

  // Ours, not in Contrail's schema.
  /** CN2 VirtualNetworkRouter `spec.type` (contrail-config-model.md §5.2). */
  VirtualNetworkRouterType: oneOf('mesh', 'hub', 'spoke'),
};
