import type { TypeRulesTable } from '../type-rules.js';
import { instanceIpRules } from './instance-ip.rules.js';
import { networkIpamRules } from './network-ipam.rules.js';
import { globalSystemConfigRules, securityGroupRules, virtualRouterRules } from './simple.rules.js';
import { virtualMachineInterfaceRules } from './virtual-machine-interface.rules.js';
import { virtualNetworkRules } from './virtual-network.rules.js';

export { DEFAULT_GLOBAL_ASN, globalAsn } from './global-asn.js';

/** What each resource type adds to the generic create / update / delete. */
export const CONFIG_RULES: TypeRulesTable = {
  'global-system-config': globalSystemConfigRules,
  'network-ipam': networkIpamRules,
  'virtual-network': virtualNetworkRules,
  'instance-ip': instanceIpRules,
  'virtual-machine-interface': virtualMachineInterfaceRules,
  'security-group': securityGroupRules,
  'virtual-router': virtualRouterRules,
};
