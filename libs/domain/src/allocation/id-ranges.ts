/**
 * The integer pools of the config plane (spec §3). Contrail reserves a user-given VXLAN VNI in the same ZooKeeper
 * allocator as the VN ids (VNDB `alloc_vxlan_id`), so a VNI and a VN id cannot share a number either; a caller
 * keeping one set of used numbers for both gets that behaviour.
 */
import type { NumberPool } from './number-pool.js';

export const VIRTUAL_NETWORK_ID_MIN = 1;
export const VIRTUAL_NETWORK_ID_MAX = 16_777_215;
export const VXLAN_NETWORK_IDENTIFIER_MIN = 1;
/** XSD `VxlanNetworkIdentifierType`: 1..16777215 (24 bits). */
export const VXLAN_NETWORK_IDENTIFIER_MAX = 16_777_215;

export const VIRTUAL_NETWORK_ID_POOL: NumberPool = {
  name: 'virtual network id',
  field: 'virtual_network_network_id',
  min: VIRTUAL_NETWORK_ID_MIN,
  max: VIRTUAL_NETWORK_ID_MAX,
};

export const VXLAN_NETWORK_IDENTIFIER_POOL: NumberPool = {
  name: 'VXLAN network identifier',
  field: 'virtual_network_properties.vxlan_network_identifier',
  min: VXLAN_NETWORK_IDENTIFIER_MIN,
  max: VXLAN_NETWORK_IDENTIFIER_MAX,
};
