import { macAddressForInterface, normaliseMacAddress } from '../../allocation/mac-address.js';
import { badRequest, conflict } from '../config-error.js';
import { macsOf } from '../config-state.js';
import type { ObjectDraft, RuleContext, TypeRules } from '../type-rules.js';
import { checked } from './checked.js';

/**
 * virtual-machine-interface (spec §1.2): needs its virtual network; the MAC is the user's (checked, unique) or,
 * as Contrail does, `02:` and the first ten hex digits of the interface uuid.
 */
export const virtualMachineInterfaceRules: TypeRules = {
  create(draft, ctx) {
    if (!draft.refs['virtual-network']?.length) {
      throw badRequest('a virtual-machine-interface needs virtual_network_refs naming its network', 'virtual_network_refs');
    }
    setMacs(draft, ctx, () => macAddressForInterface(draft.uuid));
  },

  update(draft, previous, ctx) {
    if (!draft.refs['virtual-network']?.length) {
      throw badRequest('a virtual-machine-interface needs virtual_network_refs naming its network', 'virtual_network_refs');
    }
    setMacs(draft, ctx, () => macsOf(previous)[0] ?? macAddressForInterface(draft.uuid));
  },
};

function setMacs(draft: ObjectDraft, ctx: RuleContext, fallback: () => string): void {
  const given = (draft.props.virtual_machine_interface_mac_addresses as { mac_address?: unknown } | undefined)?.mac_address;
  const macs = Array.isArray(given) && given.length > 0
    ? given.map((m, i) => checked(() => normaliseMacAddress(m as string, `virtual_machine_interface_mac_addresses.mac_address[${i}]`)))
    : [checked(fallback)];
  for (const mac of macs) {
    const owner = ctx.state.macOwner(mac);
    if (owner !== undefined && owner !== draft.uuid) throw conflict(`MAC address ${mac} is already used by virtual-machine-interface ${owner}`);
  }
  draft.props.virtual_machine_interface_mac_addresses = { mac_address: macs };
}
