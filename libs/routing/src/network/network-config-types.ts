import type { ConfigObject, ConfigView } from '#libs/domain';

/** The cluster of virtual-routers that name none: the controller's own (docs/routing-semantics.md §4). */
export const DEFAULT_CLUSTER = 'default';

/** A VN's default routing instance as agents and the route tables see it (semantics §1, §2). */
export interface VrfConfig {
  /** fq(VN) + ':' + VN name. */
  name: string;
  /** fq(VN). */
  virtualNetwork: string;
  virtualNetworkUuid: string;
  networkId: number;
  vxlanId: number;
  /** 'target:<asn>:<n>', or '' when the VN holds no route-target number. */
  systemTarget: string;
  /** Sorted, unique: own import targets and the export targets of every connected VRF. */
  importTargets: string[];
  /** Sorted, unique. */
  exportTargets: string[];
  /** Names of connected VRFs, sorted. */
  connections: string[];
  /** fq(VN) when the VN has at least one policy, else ''. */
  acl: string;
  /** Names of the clusters the VN is stretched to (its cluster_refs), sorted. */
  clusters: string[];
}

/** One endpoint of an ACL rule: exactly one key is set. */
export interface EndpointConfig {
  any?: true;
  virtualNetwork?: string;
  subnet?: string;
  securityGroup?: number;
}

export interface PortRangeConfig {
  start: number;
  end: number;
}

export interface AclRuleConfig {
  id: string;
  direction: string;
  protocol: string;
  sources: EndpointConfig[];
  sourcePorts: PortRangeConfig[];
  destinations: EndpointConfig[];
  destinationPorts: PortRangeConfig[];
  action: string;
  ethertype: string;
}

export interface AclConfig {
  name: string;
  rules: AclRuleConfig[];
}

export interface SecurityGroupConfig {
  uuid: string;
  name: string;
  id: number;
  rules: AclRuleConfig[];
}

export interface InterfaceConfig {
  uuid: string;
  name: string;
  macAddress: string;
  ipAddresses: string[];
  virtualNetwork: string;
  vrf: string;
  securityGroups: number[];
  policyDisabled: boolean;
  portSecurity: boolean;
}

export interface VirtualRouterConfig {
  uuid: string;
  name: string;
  address: string;
  cluster: string;
}

/** Everything one agent (virtual-router) is told (semantics §4). Lists are sorted by the key noted. */
export interface AgentConfig {
  virtualRouter: VirtualRouterConfig;
  /** By uuid. */
  interfaces: InterfaceConfig[];
  /** By name. */
  vrfs: VrfConfig[];
  /** By name. */
  acls: AclConfig[];
  /** By uuid. */
  securityGroups: SecurityGroupConfig[];
}

/** Which VRFs of a cluster import and export a route target (VRF names, sorted). */
export interface RouteTargetUse {
  target: string;
  importedBy: string[];
  exportedBy: string[];
}

/** What one cluster's agents must be told, at a log position (semantics §5). */
export interface ClusterDesiredState {
  cluster: string;
  position: number;
  /** By virtual-router name. */
  virtualRouters: AgentConfig[];
  /** By name. */
  vrfs: VrfConfig[];
  /** By target. */
  routeTargets: RouteTargetUse[];
}

/** What an update changed. */
export interface NetworkChange {
  /** VRFs that are new or whose VrfConfig changed. */
  vrfsChanged: VrfConfig[];
  vrfsRemoved: string[];
  /** Virtual-routers whose AgentConfig changed, appeared or went away. */
  virtualRoutersChanged: string[];
}

/** What the model reads: a ConfigState satisfies it. */
export type NetworkSource = ConfigView & { all(): Iterable<ConfigObject>; readonly position: number };
