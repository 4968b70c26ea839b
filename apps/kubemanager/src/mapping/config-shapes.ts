import { canonicalJson, contains, formatIpAddress, parseCidr, parseIpAddress, parsePrefixLength, ADDRESS_BITS } from '#libs/domain';
import { deterministicUuid } from './object-uuid.js';

/*
 * The Contrail value shapes the mapping writes (XSD SubnetType, AddressType, PortType, PolicyRuleType, refs), as
 * the config API validates them and as the routing library reads them (libs/routing/src/network/acl.ts: an
 * address is a `virtual_network` fq string, a `subnet`, or a `security_group`, `local` meaning the group itself).
 */

export interface Subnet {
  ip_prefix: string;
  ip_prefix_len: number;
}

export type EtherType = 'IPv4' | 'IPv6';

/** `10.32.0.0/12` → `{ip_prefix, ip_prefix_len}` with host bits cleared (`10.1.2.3/16` → `10.1.0.0/16`); undefined when not a CIDR. */
export function subnetOfCidr(text: string): Subnet | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  try {
    const { family, value } = parseIpAddress(text.slice(0, slash).trim());
    const length = parsePrefixLength(text.slice(slash + 1).trim(), family);
    const hostMask = (1n << BigInt(ADDRESS_BITS[family] - length)) - 1n;
    return { ip_prefix: formatIpAddress(family, value & ~hostMask), ip_prefix_len: length };
  } catch {
    return undefined;
  }
}

/** The `/32` (or `/128`) of one address; undefined when it is not an address. */
export function hostSubnet(address: string): Subnet | undefined {
  try {
    const { family, value } = parseIpAddress(address);
    return { ip_prefix: formatIpAddress(family, value), ip_prefix_len: ADDRESS_BITS[family] };
  } catch {
    return undefined;
  }
}

export function etherTypeOf(subnet: Subnet): EtherType {
  return subnet.ip_prefix.includes(':') ? 'IPv6' : 'IPv4';
}

/** Whether `address` lies in any of the CIDR blocks (blocks that do not parse hold nothing). */
export function inAnyCidr(address: string, cidrs: readonly string[]): boolean {
  return cidrs.some((text) => {
    const subnet = subnetOfCidr(text);
    if (subnet === undefined) return false;
    try {
      return contains(parseCidr(subnet.ip_prefix, subnet.ip_prefix_len), address);
    } catch {
      return false;
    }
  });
}

/** An AddressType: exactly one of a subnet, a security group (`local`: the group being compiled), a VN fq string. */
export type Address = { subnet: Subnet } | { security_group: string } | { virtual_network: string };

export const LOCAL_GROUP: Address = { security_group: 'local' };
export const ANY_IPV4: Address = { subnet: { ip_prefix: '0.0.0.0', ip_prefix_len: 0 } };

export interface Port {
  start_port: number;
  end_port: number;
}

/** Every port, as security-group rules write it. */
export const ALL_PORTS: Port = { start_port: 0, end_port: 65535 };
/** Every port, as network-policy rules write it. */
export const ANY_PORT: Port = { start_port: -1, end_port: -1 };

/** A PolicyRuleType as the kubemanager writes it. */
export interface PolicyRule {
  rule_uuid: string;
  direction: '>' | '<>';
  protocol: string;
  ethertype: EtherType;
  src_addresses: Address[];
  src_ports: Port[];
  dst_addresses: Address[];
  dst_ports: Port[];
  action_list?: { simple_action: 'pass' | 'deny' };
}

export type RuleWithoutUuid = Omit<PolicyRule, 'rule_uuid'>;

/**
 * The rules of one security group or policy, identical rules once, each with a `rule_uuid` made from the owner's
 * uuid and the rule's content: a rule that stays keeps its uuid when others come and go.
 */
export function withRuleUuids(ownerUuid: string, rules: readonly RuleWithoutUuid[]): PolicyRule[] {
  const seen = new Set<string>();
  const out: PolicyRule[] = [];
  for (const rule of rules) {
    const content = canonicalJson(rule);
    if (seen.has(content)) continue;
    seen.add(content);
    out.push({ rule_uuid: deterministicUuid(ownerUuid, 'rule', content), ...rule });
  }
  return out;
}

/** A ref as DesiredObject bodies hold it: the target's fq_name, and the link's attribute when it has one. */
export interface Ref {
  to: string[];
  attr?: unknown;
}

export function refTo(fqName: readonly string[], attr?: unknown): Ref {
  return attr === undefined ? { to: [...fqName] } : { to: [...fqName], attr };
}

/** Orders addresses IPv4 first, then by value; text that is no address last, by text. */
export function compareIpAddresses(a: string, b: string): number {
  const key = (text: string): [number, bigint] => {
    try {
      const { family, value } = parseIpAddress(text);
      return [family === 'v4' ? 0 : 1, value];
    } catch {
      return [2, 0n];
    }
  };
  const [fa, va] = key(a);
  const [fb, vb] = key(b);
  if (fa !== fb) return fa - fb;
  if (va !== vb) return va < vb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
