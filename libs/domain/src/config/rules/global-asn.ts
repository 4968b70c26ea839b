import type { ConfigView } from '../config-state.js';

export const DEFAULT_GLOBAL_ASN = 64512;

/** The ASN of default-global-system-config, or Contrail's default when it has none yet. */
export function globalAsn(state: ConfigView): number {
  const uuid = state.uuidOf('global-system-config', ['default-global-system-config']);
  const asn = uuid ? state.get(uuid)?.props.autonomous_system : undefined;
  return typeof asn === 'number' ? asn : DEFAULT_GLOBAL_ASN;
}
