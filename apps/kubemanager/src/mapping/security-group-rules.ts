import { ALL_PORTS, ANY_IPV4, LOCAL_GROUP, type Address, type EtherType, type RuleWithoutUuid } from './config-shapes.js';

/*
 * Security-group rules (PolicyRuleType without an action: a group's rules only allow). Ingress: the peer is the
 * source and the group itself (`local`) the destination; egress the mirror. Ports 0–65535 mean every port.
 */

export interface RuleSide {
  protocol: string;
  ethertype: EtherType;
  peer: Address[];
  /** The destination ports (the peer's for egress, the group's for ingress). */
  ports: { start_port: number; end_port: number };
}

export function ingressRule({ protocol, ethertype, peer, ports }: RuleSide): RuleWithoutUuid {
  return { direction: '>', protocol, ethertype, src_addresses: peer, src_ports: [ALL_PORTS], dst_addresses: [LOCAL_GROUP], dst_ports: [ports] };
}

export function egressRule({ protocol, ethertype, peer, ports }: RuleSide): RuleWithoutUuid {
  return { direction: '>', protocol, ethertype, src_addresses: [LOCAL_GROUP], src_ports: [ALL_PORTS], dst_addresses: peer, dst_ports: [ports] };
}

/** Any protocol and port from 0.0.0.0/0. */
export const INGRESS_FROM_ANY: RuleWithoutUuid = ingressRule({ protocol: 'any', ethertype: 'IPv4', peer: [ANY_IPV4], ports: ALL_PORTS });
/** Any protocol and port to 0.0.0.0/0. */
export const EGRESS_TO_ANY: RuleWithoutUuid = egressRule({ protocol: 'any', ethertype: 'IPv4', peer: [ANY_IPV4], ports: ALL_PORTS });
