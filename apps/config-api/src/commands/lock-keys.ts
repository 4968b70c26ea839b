import type { ConfigState } from '#libs/domain';

/**
 * The in-process locks a command takes before deciding: the shared streams it will write. Keys only order work
 * inside one process; the expected revisions of the append keep writers in other processes honest.
 */
export const lockKeys = {
  create(state: ConfigState, type: string, body: Record<string, unknown>): string[] {
    switch (type) {
      case 'virtual-network':
        return ['pool:vn-id', 'pool:route-target'];
      case 'security-group':
        return ['pool:security-group-id'];
      case 'instance-ip':
        return [`addresses:${networkOf(state, body) ?? 'unknown'}`];
      default:
        return [];
    }
  },

  existing(state: ConfigState, type: string, uuid: string): string[] {
    const keys = [`object:${uuid}`];
    if (type === 'virtual-network') keys.push('pool:vn-id', 'pool:route-target', `addresses:${uuid}`);
    if (type === 'security-group') keys.push('pool:security-group-id');
    if (type === 'instance-ip') {
      const network = state.get(uuid)?.refs['virtual-network']?.[0]?.uuid;
      keys.push(`addresses:${network ?? 'unknown'}`);
    }
    return keys;
  },
};

/** The virtual network an instance-ip body names in its first virtual_network_refs entry. */
function networkOf(state: ConfigState, body: Record<string, unknown>): string | undefined {
  const refs = body.virtual_network_refs;
  if (!Array.isArray(refs) || refs.length === 0) return undefined;
  const ref = refs[0] as { uuid?: unknown; to?: unknown };
  if (typeof ref.uuid === 'string') return ref.uuid;
  if (Array.isArray(ref.to)) return state.uuidOf('virtual-network', ref.to as string[]);
  return undefined;
}
