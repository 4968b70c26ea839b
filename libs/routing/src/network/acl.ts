import type { ConfigObject } from '#libs/domain';
import type { AclConfig, AclRuleConfig, EndpointConfig, PortRangeConfig, SecurityGroupConfig } from './network-config-types.js';
import { Types, asList, asNumber, asRecord, asString, fqOf, type Json } from './object-fields.js';

/** Looks an object up by uuid; the agent-config code passes one that records what it read. */
export type Lookup = (uuid: string) => ConfigObject | undefined;

/** A security group's id by its fq string, or undefined when there is no such group. */
export type SecurityGroupIdByName = (fq: string) => number | undefined;

interface Sequence {
  major: number;
  minor: number;
}

function sequenceOf(attr: unknown): Sequence | undefined {
  const sequence = asRecord(asRecord(attr)?.sequence);
  if (!sequence) return undefined;
  return { major: asNumber(sequence.major) ?? 0, minor: asNumber(sequence.minor) ?? 0 };
}

/**
 * A VN's existing network policies in the order the ACL applies them: by the ref's `sequence` (major, then minor),
 * refs without one after those that have one, ties in ref order (semantics §4). Refs to missing objects are skipped.
 */
export function policiesOf(vn: ConfigObject, lookup: Lookup): ConfigObject[] {
  const refs = (vn.refs[Types.networkPolicy] ?? []).map((ref, index) => ({ uuid: ref.uuid, index, sequence: sequenceOf(ref.attr) }));
  refs.sort((a, b) => {
    if (a.sequence && b.sequence) return a.sequence.major - b.sequence.major || a.sequence.minor - b.sequence.minor || a.index - b.index;
    if (a.sequence) return -1;
    if (b.sequence) return 1;
    return a.index - b.index;
  });
  const out: ConfigObject[] = [];
  for (const ref of refs) {
    const policy = lookup(ref.uuid);
    if (policy?.type === Types.networkPolicy) out.push(policy);
  }
  return out;
}

/** The `policy_rule` list of a PolicyEntriesType property; a malformed entry reads as an empty rule, keeping indexes. */
export function rulesOf(object: ConfigObject, property: string): Json[] {
  return asList(asRecord(object.props[property])?.policy_rule).map((rule) => asRecord(rule) ?? {});
}

/** What `local` means where a rule is compiled: the VN of an ACL, or the security group being compiled. */
interface RuleScope {
  localNetwork?: string;
  localSecurityGroup?: number;
  securityGroupId: SecurityGroupIdByName;
}

function endpointsOf(addresses: unknown, scope: RuleScope): EndpointConfig[] {
  const out: EndpointConfig[] = [];
  for (const raw of asList(addresses)) {
    const address = asRecord(raw);
    if (!address) continue;
    const network = asString(address.virtual_network);
    if (network !== undefined) {
      if (network === 'any') out.push({ any: true });
      else out.push({ virtualNetwork: network === 'local' && scope.localNetwork !== undefined ? scope.localNetwork : network });
      continue;
    }
    const subnet = subnetOf(address.subnet);
    if (subnet !== undefined) {
      out.push({ subnet });
      continue;
    }
    const group = asString(address.security_group);
    if (group !== undefined) {
      // A group that does not exist (or `local` outside a group) matches nothing: the endpoint is left out.
      const id = group === 'local' && scope.localSecurityGroup !== undefined ? scope.localSecurityGroup : scope.securityGroupId(group);
      if (id !== undefined) out.push({ securityGroup: id });
    }
    // `subnet_list` and `network_policy` addresses are not among the endpoint kinds of the contract: left out.
  }
  return out;
}

function subnetOf(value: unknown): string | undefined {
  const subnet = asRecord(value);
  const prefix = asString(subnet?.ip_prefix);
  const length = asNumber(subnet?.ip_prefix_len);
  return prefix !== undefined && length !== undefined ? `${prefix}/${length}` : undefined;
}

function portsOf(ports: unknown): PortRangeConfig[] {
  const out: PortRangeConfig[] = [];
  for (const raw of asList(ports)) {
    const port = asRecord(raw);
    const start = asNumber(port?.start_port);
    const end = asNumber(port?.end_port);
    if (start === undefined || end === undefined) continue;
    // L4PortType: -1 is Contrail's "any port" (contrail-kube-manager writes it): the whole range on the wire.
    if (start < 0 || end < 0) out.push({ start: 0, end: 65535 });
    else out.push({ start, end });
  }
  return out;
}

/** The action a policy rule compiles to: `service` when it applies services, else its simple action ('' if none). */
export function actionOf(rule: Json): string {
  const actions = asRecord(rule.action_list);
  if (asList(actions?.apply_service).length > 0) return 'service';
  return asString(actions?.simple_action) ?? '';
}

function compileRule(rule: Json, id: string, action: string, scope: RuleScope): AclRuleConfig {
  return {
    id,
    direction: asString(rule.direction) ?? '',
    protocol: asString(rule.protocol) ?? '',
    sources: endpointsOf(rule.src_addresses, scope),
    sourcePorts: portsOf(rule.src_ports),
    destinations: endpointsOf(rule.dst_addresses, scope),
    destinationPorts: portsOf(rule.dst_ports),
    action,
    ethertype: asString(rule.ethertype) ?? 'IPv4',
  };
}

/** The ACL of a VN: its policies' rules in policy order, each policy's rules in order (semantics §4). */
export function aclOf(vn: ConfigObject, policies: readonly ConfigObject[], securityGroupId: SecurityGroupIdByName): AclConfig {
  const name = fqOf(vn);
  const scope: RuleScope = { localNetwork: name, securityGroupId };
  const rules = policies.flatMap((policy) =>
    rulesOf(policy, 'network_policy_entries').map((rule, index) => compileRule(rule, `${fqOf(policy)}:${index}`, actionOf(rule), scope)),
  );
  return { name, rules };
}

/** The id a security group holds (0 while it has none). */
const securityGroupIdOf = (group: ConfigObject): number => asNumber(group.props.security_group_id) ?? 0;

/** A security group and its entries compiled as ACL rules that pass (semantics §4). */
export function securityGroupConfigOf(group: ConfigObject, securityGroupId: SecurityGroupIdByName): SecurityGroupConfig {
  const name = fqOf(group);
  const id = securityGroupIdOf(group);
  const scope: RuleScope = { localSecurityGroup: id, securityGroupId };
  const rules = rulesOf(group, 'security_group_entries').map((rule, index) => compileRule(rule, `${name}:${index}`, 'pass', scope));
  return { uuid: group.uuid, name, id, rules };
}
