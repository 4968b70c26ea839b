/**
 * MAC addresses of virtual-machine interfaces. When a VMI is created without one, Contrail derives it from the
 * interface uuid: `02:` then the uuid's first ten hex digits in pairs (tf-controller `vnc_addr_mgmt.py`
 * `mac_alloc`, spec §1.2). 02 sets the locally-administered bit and keeps the group bit clear.
 */
import { AllocationError } from './allocation-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export const DEFAULT_MAC_FIELD = 'virtual_machine_interface_mac_addresses.mac_address[0]';

/** `'8f2a1c3d-4b5e-…'` → `'02:8f:2a:1c:3d:4b'`. Lower case whatever the case of the uuid. */
export function macAddressForInterface(interfaceUuid: string, field = 'uuid'): string {
  if (typeof interfaceUuid !== 'string' || !UUID.test(interfaceUuid)) {
    throw new AllocationError('INVALID', field, `'${String(interfaceUuid)}' is not a uuid (expected 8-4-4-4-12 hex digits)`);
  }
  const digits = interfaceUuid.replaceAll('-', '').slice(0, 10).toLowerCase();
  return ['02', ...(digits.match(/../g) ?? [])].join(':');
}

/** A MAC given by the user: six hex pairs separated by colons; returned in lower case. */
export function normaliseMacAddress(text: string, field = DEFAULT_MAC_FIELD): string {
  if (typeof text !== 'string' || !MAC.test(text)) {
    const message = `'${String(text)}' is not a MAC address (expected six hex pairs separated by colons, like 02:8f:2a:1c:3d:4b)`;
    throw new AllocationError('INVALID', field, message);
  }
  return text.toLowerCase();
}
