/**
 * The types a kubemanager writes, in the order creates must go (§5): a parent before its children, a ref's target
 * before the object that refs it (a network-policy before the VNs that ref it, security groups before the
 * interfaces). Deletes go in the reverse order.
 */
export const OWNED_TYPES_PARENTS_FIRST = [
  'project',
  'network-ipam',
  'network-policy',
  'virtual-network',
  'security-group',
  'virtual-router',
  'virtual-machine',
  'virtual-machine-interface',
  'instance-ip',
] as const;

const RANK: ReadonlyMap<string, number> = new Map(OWNED_TYPES_PARENTS_FIRST.map((type, i) => [type, i]));

/** A type's place in the create order; a type we do not write goes last. */
export function typeRank(type: string): number {
  return RANK.get(type) ?? OWNED_TYPES_PARENTS_FIRST.length;
}
