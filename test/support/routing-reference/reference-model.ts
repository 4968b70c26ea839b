/**
 * A brute-force reference of docs/routing-semantics.md: what the control service must push to each agent.
 *
 * Written from the contract alone, as plainly as possible: every function recomputes everything from the list of
 * config objects it is given, with linear scans and no caching. Property tests compare the real implementation
 * (libs/routing) with it, so it must never import from libs/routing or apps/.
 */
import type { ConfigObject } from '#libs/domain';

export interface RefPath {
  nextHop: string;
  label: number;
  encapsulations: string[];
  securityGroups: number[];
  sequence: number;
  /** The effective local preference: a published 0 is shown as 100 (§3 "0 means 100"). */
  localPreference: number;
  agent: string;
  originVrf: string;
}

/** A path as an agent published it into `vrf` (the latest publication of (agent, vrf, prefix)). */
export interface Publication {
  agent: string;
  vrf: string;
  prefix: string;
  nextHop: string;
  label: number;
  encapsulations: string[];
  securityGroups: number[];
  sequence: number;
  localPreference: number;
}

export interface RefVrfTargets {
  importTargets: string[];
  exportTargets: string[];
}

export interface RefInterface {
  uuid: string;
  vrf: string;
  ipAddresses: string[];
  macAddress: string;
  securityGroups: number[];
}

export interface RefAgentConfig {
  interfaces: RefInterface[];
  vrfs: string[];
}

export type RefEndpoint = { any: true } | { virtualNetwork: string } | { subnet: string } | { securityGroup: number };

export interface RefPortRange {
  start: number;
  end: number;
}

export interface RefAclRule {
  id: string;
  direction: string;
  protocol: string;
  sources: RefEndpoint[];
  sourcePorts: RefPortRange[];
  destinations: RefEndpoint[];
  destinationPorts: RefPortRange[];
  action: string;
  ethertype: string;
}

export interface RefAcl {
  name: string;
  rules: RefAclRule[];
}

export interface RefSecurityGroup {
  uuid: string;
  name: string;
  id: number;
  rules: RefAclRule[];
}

export interface RefVrfConfig extends RefVrfTargets {
  name: string;
  virtualNetwork: string;
  networkId: number;
  vxlanId: number;
  /** Name of the VN's ACL, '' when the VN has no policy. */
  acl: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Small readers of untyped JSON.

type Json = Record<string, unknown>;

const asObject = (value: unknown): Json | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const isString = (value: unknown): value is string => typeof value === 'string';
const sortedUnique = (values: string[]): string[] => [...new Set(values)].sort();
/** Plain code-unit order, the same in every locale. */
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// ---------------------------------------------------------------------------------------------------------------
// §1 VRFs and route targets.

export const fqOf = (object: ConfigObject): string => object.fq_name.join(':');

/** A VN's VRF: fq(VN) + ":" + VN.name. */
export const vrfNameOf = (vn: ConfigObject): string => `${fqOf(vn)}:${vn.fq_name[vn.fq_name.length - 1]}`;

const ofType = (objects: ConfigObject[], type: string): ConfigObject[] => objects.filter((o) => o.type === type);
const byUuid = (objects: ConfigObject[], uuid: string, type: string): ConfigObject | undefined =>
  objects.find((o) => o.uuid === uuid && o.type === type);

function globalAsn(objects: ConfigObject[]): number {
  const gsc = objects.find((o) => o.type === 'global-system-config' && fqOf(o) === 'default-global-system-config');
  const asn = gsc?.props.autonomous_system;
  return typeof asn === 'number' ? asn : 64512;
}

function systemTarget(objects: ConfigObject[], vn: ConfigObject): string[] {
  const out: string[] = [];
  for (const a of vn.allocations) if (a.kind === 'number' && a.pool === 'route-target') out.push(`target:${globalAsn(objects)}:${a.number}`);
  return out;
}

function targetList(vn: ConfigObject, key: string): string[] {
  return asList(asObject(vn.props[key])?.route_target).filter(isString);
}

function exportTargets(objects: ConfigObject[], vn: ConfigObject): string[] {
  return sortedUnique([...systemTarget(objects, vn), ...targetList(vn, 'route_target_list'), ...targetList(vn, 'export_route_target_list')]);
}

function ownImportTargets(objects: ConfigObject[], vn: ConfigObject): string[] {
  return sortedUnique([...systemTarget(objects, vn), ...targetList(vn, 'route_target_list'), ...targetList(vn, 'import_route_target_list')]);
}

// ---------------------------------------------------------------------------------------------------------------
// §2 Connections.

/** What VN `a` lists through its policies' pass rules: VN fq names, and whether it lists `any`. */
function policyListing(objects: ConfigObject[], a: ConfigObject): { names: Set<string>; any: boolean } {
  const self = fqOf(a);
  const names = new Set<string>();
  let any = false;
  for (const ref of a.refs['network-policy'] ?? []) {
    const policy = byUuid(objects, ref.uuid, 'network-policy');
    if (!policy) continue;
    for (const raw of asList(asObject(policy.props.network_policy_entries)?.policy_rule)) {
      const rule = asObject(raw);
      const action = asObject(rule?.action_list);
      if (!rule || !action) continue;
      if (asList(action.apply_service).length > 0) continue;
      if (action.simple_action !== 'pass') continue;
      const vnsOf = (addresses: unknown) =>
        asList(addresses)
          .map((address) => asString(asObject(address)?.virtual_network))
          .filter(isString)
          .map((name) => (name === 'local' ? self : name));
      const sources = vnsOf(rule.src_addresses);
      const destinations = vnsOf(rule.dst_addresses);
      const listed = [...(sources.includes(self) ? destinations : []), ...(destinations.includes(self) ? sources : [])];
      for (const name of listed) {
        if (name === 'any') any = true;
        else names.add(name);
      }
    }
  }
  return { names, any };
}

/** A lists B: by name, or through `any` (B in A's project, or B lists A by name). */
function listsByPolicy(objects: ConfigObject[], a: ConfigObject, b: ConfigObject): boolean {
  const listing = policyListing(objects, a);
  if (listing.names.has(fqOf(b))) return true;
  if (!listing.any) return false;
  return b.parent_uuid === a.parent_uuid || policyListing(objects, b).names.has(fqOf(a));
}

/** The VN uuids a VNR selects: its refs, plus VNs of its project matching every label of its selector. */
function selectedVns(objects: ConfigObject[], vnr: ConfigObject): Set<string> {
  const selected = new Set<string>();
  for (const ref of vnr.refs['virtual-network'] ?? []) if (byUuid(objects, ref.uuid, 'virtual-network')) selected.add(ref.uuid);
  const labels = asObject(asObject(vnr.props.virtual_network_selector)?.match_labels);
  if (labels && Object.keys(labels).length > 0) {
    for (const vn of ofType(objects, 'virtual-network')) {
      if (vn.parent_uuid !== vnr.parent_uuid) continue;
      const tags = (vn.refs.tag ?? []).map((ref) => byUuid(objects, ref.uuid, 'tag')).filter((t): t is ConfigObject => t !== undefined);
      const matches = Object.entries(labels).every(([key, value]) =>
        tags.some((tag) => tag.props.tag_type_name === key && tag.props.tag_value === value),
      );
      if (matches) selected.add(vn.uuid);
    }
  }
  return selected;
}

function connectedByRouters(objects: ConfigObject[], a: ConfigObject, b: ConfigObject): boolean {
  const routers = ofType(objects, 'virtual-network-router');
  const typeOf = (vnr: ConfigObject) => vnr.props.virtual_network_router_type;
  for (const vnr of routers) {
    const selected = selectedVns(objects, vnr);
    if (typeOf(vnr) === 'mesh' && selected.has(a.uuid) && selected.has(b.uuid)) return true;
  }
  for (const x of routers) {
    for (const ref of x.refs['virtual-network-router'] ?? []) {
      const y = byUuid(objects, ref.uuid, 'virtual-network-router');
      if (!y) continue;
      const pair = [typeOf(x), typeOf(y)].sort().join('+');
      if (pair !== 'mesh+mesh' && pair !== 'hub+spoke') continue;
      const sx = selectedVns(objects, x);
      const sy = selectedVns(objects, y);
      if ((sx.has(a.uuid) && sy.has(b.uuid)) || (sx.has(b.uuid) && sy.has(a.uuid))) return true;
    }
  }
  return false;
}

/** §2: A ≠ B and (they list each other by policy, or a VNR rule connects them). */
export function referenceConnected(objects: ConfigObject[], a: ConfigObject, b: ConfigObject): boolean {
  if (a.uuid === b.uuid) return false;
  if (listsByPolicy(objects, a, b) && listsByPolicy(objects, b, a)) return true;
  return connectedByRouters(objects, a, b);
}

/** Every VRF with its import targets (own ∪ exports of connected VRFs) and export targets. */
export function referenceVrfs(objects: ConfigObject[]): Map<string, RefVrfTargets> {
  const vns = ofType(objects, 'virtual-network');
  const out = new Map<string, RefVrfTargets>();
  for (const vn of vns) {
    const imports = ownImportTargets(objects, vn);
    for (const other of vns) if (referenceConnected(objects, vn, other)) imports.push(...exportTargets(objects, other));
    out.set(vrfNameOf(vn), { importTargets: sortedUnique(imports), exportTargets: exportTargets(objects, vn) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// §3 Routes and tables.

const effectiveLocalPreference = (value: number): number => (value === 0 ? 100 : value);

/** The best paths of every prefix visible in `vrf`, by prefix (in prefix order), each list sorted. */
export function referenceTable(objects: ConfigObject[], publications: Publication[], vrf: string): Map<string, RefPath[]> {
  const vrfs = referenceVrfs(objects);
  const table = new Map<string, RefPath[]>();
  const target = vrfs.get(vrf);
  if (!target) return table;
  // Latest publication of each (agent, vrf, prefix).
  const latest = new Map<string, Publication>();
  for (const p of publications) latest.set(JSON.stringify([p.agent, p.vrf, p.prefix]), p);
  const visible = new Map<string, RefPath[]>();
  for (const p of latest.values()) {
    const origin = vrfs.get(p.vrf);
    if (!origin) continue;
    if (!origin.exportTargets.some((t) => target.importTargets.includes(t))) continue;
    const path: RefPath = {
      nextHop: p.nextHop,
      label: p.label,
      encapsulations: [...p.encapsulations],
      securityGroups: [...p.securityGroups],
      sequence: p.sequence,
      localPreference: effectiveLocalPreference(p.localPreference),
      agent: p.agent,
      originVrf: p.vrf,
    };
    visible.set(p.prefix, [...(visible.get(p.prefix) ?? []), path]);
  }
  for (const prefix of [...visible.keys()].sort()) {
    const paths = visible.get(prefix)!;
    const bestPreference = Math.max(...paths.map((p) => p.localPreference));
    const preferred = paths.filter((p) => p.localPreference === bestPreference);
    const bestSequence = Math.max(...preferred.map((p) => p.sequence));
    const best = preferred.filter((p) => p.sequence === bestSequence);
    best.sort((x, y) => compareText(x.nextHop, y.nextHop) || compareText(x.agent, y.agent) || compareText(x.originVrf, y.originVrf));
    table.set(prefix, best);
  }
  return table;
}

/** Every VRF's table (VRFs with no route included, empty). */
export function referenceTables(objects: ConfigObject[], publications: Publication[]): Map<string, Map<string, RefPath[]>> {
  const out = new Map<string, Map<string, RefPath[]>>();
  for (const vrf of [...referenceVrfs(objects).keys()].sort()) out.set(vrf, referenceTable(objects, publications, vrf));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// §4 Agents.

function virtualRouterNamed(objects: ConfigObject[], name: string): ConfigObject | undefined {
  return objects.find((o) => o.type === 'virtual-router' && o.fq_name.length === 2 && o.fq_name[0] === 'default-global-system-config' && o.fq_name[1] === name);
}

function interfacesOf(objects: ConfigObject[], router: ConfigObject): ConfigObject[] {
  const name = router.fq_name[1];
  const machines = new Set((router.refs['virtual-machine'] ?? []).map((r) => r.uuid));
  return ofType(objects, 'virtual-machine-interface')
    .filter((vmi) => {
      const viaMachine = (vmi.refs['virtual-machine'] ?? []).some((r) => machines.has(r.uuid));
      const bindings = asList(asObject(vmi.props.virtual_machine_interface_bindings)?.key_value_pair).map(asObject);
      const viaBinding = bindings.some((kv) => kv?.key === 'host_id' && kv.value === name);
      return viaMachine || viaBinding;
    })
    .sort((x, y) => compareText(x.uuid, y.uuid));
}

const networkOf = (objects: ConfigObject[], vmi: ConfigObject): ConfigObject | undefined => {
  const ref = vmi.refs['virtual-network']?.[0];
  return ref ? byUuid(objects, ref.uuid, 'virtual-network') : undefined;
};

/** The interfaces (in uuid order) and VRFs (sorted) of the virtual-router named `virtualRouterName`. */
export function referenceAgentConfig(objects: ConfigObject[], virtualRouterName: string): RefAgentConfig | undefined {
  const router = virtualRouterNamed(objects, virtualRouterName);
  if (!router) return undefined;
  const interfaces: RefInterface[] = [];
  for (const vmi of interfacesOf(objects, router)) {
    const network = networkOf(objects, vmi);
    if (!network) continue;
    const ipAddresses = ofType(objects, 'instance-ip')
      .filter((iip) => (iip.refs['virtual-machine-interface'] ?? []).some((r) => r.uuid === vmi.uuid))
      .map((iip) => asString(iip.props.instance_ip_address))
      .filter(isString)
      .sort();
    const securityGroups = (vmi.refs['security-group'] ?? [])
      .map((r) => byUuid(objects, r.uuid, 'security-group')?.props.security_group_id)
      .filter((id): id is number => typeof id === 'number');
    const macs = asList(asObject(vmi.props.virtual_machine_interface_mac_addresses)?.mac_address).filter(isString);
    interfaces.push({ uuid: vmi.uuid, vrf: vrfNameOf(network), ipAddresses, macAddress: macs[0] ?? '', securityGroups });
  }
  return { interfaces, vrfs: sortedUnique(interfaces.map((i) => i.vrf)) };
}

/** The policies a VN applies, in ref-sequence order (major, minor; refs without a sequence last, in ref order). */
function orderedPolicies(objects: ConfigObject[], vn: ConfigObject): ConfigObject[] {
  const refs = (vn.refs['network-policy'] ?? []).map((ref, index) => {
    const sequence = asObject(asObject(ref.attr)?.sequence);
    const key = sequence ? [0, Number(sequence.major), Number(sequence.minor), index] : [1, 0, 0, index];
    return { ref, key };
  });
  refs.sort((x, y) => x.key[0] - y.key[0] || x.key[1] - y.key[1] || x.key[2] - y.key[2] || x.key[3] - y.key[3]);
  return refs.map(({ ref }) => byUuid(objects, ref.uuid, 'network-policy')).filter((p): p is ConfigObject => p !== undefined);
}

/** One address as an endpoint; undefined for kinds the contract does not name (network_policy, subnet_list). */
function endpointOf(objects: ConfigObject[], raw: unknown, localVn: string | undefined, localGroup: number | undefined): RefEndpoint | undefined {
  const address = asObject(raw) ?? {};
  const vn = asString(address.virtual_network);
  if (vn !== undefined) {
    if (vn === 'any') return { any: true };
    return { virtualNetwork: vn === 'local' && localVn !== undefined ? localVn : vn };
  }
  const subnet = asObject(address.subnet);
  if (subnet) return { subnet: `${String(subnet.ip_prefix)}/${String(subnet.ip_prefix_len)}` };
  const group = asString(address.security_group);
  if (group !== undefined) {
    if (group === 'local' && localGroup !== undefined) return { securityGroup: localGroup };
    const id = objects.find((o) => o.type === 'security-group' && fqOf(o) === group)?.props.security_group_id;
    return typeof id === 'number' ? { securityGroup: id } : undefined;
  }
  return undefined;
}

function compileRule(objects: ConfigObject[], raw: unknown, id: string, action: string | undefined, local: { vn?: string; group?: number }): RefAclRule {
  const rule = asObject(raw) ?? {};
  const endpoints = (addresses: unknown) =>
    asList(addresses)
      .map((a) => endpointOf(objects, a, local.vn, local.group))
      .filter((e): e is RefEndpoint => e !== undefined);
  // Semantics §4: a port of -1 is "any", the whole range.
  const range = (start: number, end: number) => (start === -1 || end === -1 ? { start: 0, end: 65535 } : { start, end });
  const ports = (list: unknown) => asList(list).map(asObject).map((p) => range(Number(p?.start_port), Number(p?.end_port)));
  const actions = asObject(rule.action_list);
  return {
    id,
    direction: asString(rule.direction) ?? '',
    protocol: asString(rule.protocol) ?? '',
    sources: endpoints(rule.src_addresses),
    sourcePorts: ports(rule.src_ports),
    destinations: endpoints(rule.dst_addresses),
    destinationPorts: ports(rule.dst_ports),
    action: action ?? (asList(actions?.apply_service).length > 0 ? 'service' : (asString(actions?.simple_action) ?? '')),
    ethertype: asString(rule.ethertype) ?? 'IPv4',
  };
}

/** The ACL of a VN (undefined when it applies no policy). */
export function referenceAclOf(objects: ConfigObject[], vn: ConfigObject): RefAcl | undefined {
  const policies = orderedPolicies(objects, vn);
  if (policies.length === 0) return undefined;
  const rules = policies.flatMap((policy) =>
    asList(asObject(policy.props.network_policy_entries)?.policy_rule).map((rule, index) =>
      compileRule(objects, rule, `${fqOf(policy)}:${index}`, undefined, { vn: fqOf(vn) }),
    ),
  );
  return { name: fqOf(vn), rules };
}

function agentNetworks(objects: ConfigObject[], router: ConfigObject): ConfigObject[] {
  const networks = new Map<string, ConfigObject>();
  for (const vmi of interfacesOf(objects, router)) {
    const network = networkOf(objects, vmi);
    if (network) networks.set(network.uuid, network);
  }
  return [...networks.values()].sort((x, y) => compareText(fqOf(x), fqOf(y)));
}

/** The ACLs of a virtual-router's networks that have a policy, by name. */
export function referenceAcls(objects: ConfigObject[], virtualRouterName: string): RefAcl[] | undefined {
  const router = virtualRouterNamed(objects, virtualRouterName);
  if (!router) return undefined;
  return agentNetworks(objects, router)
    .map((vn) => referenceAclOf(objects, vn))
    .filter((acl): acl is RefAcl => acl !== undefined);
}

/** The security groups a virtual-router's interfaces ref, compiled, by fq name. */
export function referenceSecurityGroups(objects: ConfigObject[], virtualRouterName: string): RefSecurityGroup[] | undefined {
  const router = virtualRouterNamed(objects, virtualRouterName);
  if (!router) return undefined;
  const groups = new Map<string, ConfigObject>();
  for (const vmi of interfacesOf(objects, router)) {
    for (const ref of vmi.refs['security-group'] ?? []) {
      const group = byUuid(objects, ref.uuid, 'security-group');
      if (group) groups.set(group.uuid, group);
    }
  }
  return [...groups.values()]
    .sort((x, y) => compareText(fqOf(x), fqOf(y)))
    .map((group) => {
      const id = Number(group.props.security_group_id);
      const rules = asList(asObject(group.props.security_group_entries)?.policy_rule).map((rule, index) =>
        compileRule(objects, rule, `${fqOf(group)}:${index}`, 'pass', { group: id }),
      );
      return { uuid: group.uuid, name: fqOf(group), id, rules };
    });
}

/** A VRF's config as an agent gets it: its network, ids, targets and ACL name. */
export function referenceVrfConfig(objects: ConfigObject[], vrf: string): RefVrfConfig | undefined {
  const vn = ofType(objects, 'virtual-network').find((v) => vrfNameOf(v) === vrf);
  const targets = referenceVrfs(objects).get(vrf);
  if (!vn || !targets) return undefined;
  const networkId = Number(vn.props.virtual_network_network_id);
  const vxlan = asObject(vn.props.virtual_network_properties)?.vxlan_network_identifier;
  return {
    name: vrf,
    virtualNetwork: fqOf(vn),
    networkId,
    vxlanId: typeof vxlan === 'number' ? vxlan : networkId,
    ...targets,
    acl: referenceAclOf(objects, vn)?.name ?? '',
  };
}
