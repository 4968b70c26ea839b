import { parseIpAddress } from '../../allocation/ip-address.js';
import { badRequest } from '../config-error.js';
import { allocateNumber, type TypeRules } from '../type-rules.js';
import { checked } from './checked.js';
import { DEFAULT_GLOBAL_ASN } from './global-asn.js';

/** global-system-config: the ASN is required by the schema; Contrail's default is 64512. */
export const globalSystemConfigRules: TypeRules = {
  create(draft) {
    if (typeof draft.props.autonomous_system !== 'number') draft.props.autonomous_system = DEFAULT_GLOBAL_ASN;
  },
};

/** security-group: a system id from 8,000,000 (spec §3, XSD SecurityGroupIdType; 0 is reserved). */
export const securityGroupRules: TypeRules = {
  create(draft, ctx) {
    draft.props.security_group_id = allocateNumber(ctx, draft, 'security-group-id', { min: 8_000_000, max: 0xffffffff });
  },
  update(draft, previous) {
    draft.props.security_group_id = previous.props.security_group_id;
  },
};

/** virtual-router: a data-plane node; its IP address (the compute host's) is required. */
export const virtualRouterRules: TypeRules = {
  create(draft) {
    const ip = draft.props.virtual_router_ip_address;
    if (typeof ip !== 'string') throw badRequest('a virtual-router needs virtual_router_ip_address, the IP of its host', 'virtual_router_ip_address');
    draft.props.virtual_router_ip_address = checked(() => {
      parseIpAddress(ip);
      return ip;
    });
  },
};
