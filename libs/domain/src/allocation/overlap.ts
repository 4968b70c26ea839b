/**
 * A virtual network's subnets, across all its IPAM refs, must not overlap (tf-controller `vnc_addr_mgmt.py`
 * `net_check_subnet_overlap`: one CIDR inside another, including the same CIDR twice, is refused).
 */
import { AllocationError } from './allocation-error.js';
import { formatCidr, overlaps, type Cidr } from './ip-address.js';

/** A subnet and the request field it came from, e.g. `network_ipam_refs[1].attr.ipam_subnets[0].subnet`. */
export interface SubnetInRequest {
  readonly cidr: Cidr;
  readonly field: string;
}

/** The indexes of the first overlapping pair found (the lower index first), or `undefined` when none overlap. */
export function findOverlappingSubnets(cidrs: readonly Cidr[]): readonly [number, number] | undefined {
  // Sorted by family then first address, blocks are disjoint exactly when each ends before the next starts.
  const order = cidrs.map((_, index) => index).sort((a, b) => compareCidrs(cidrs[a]!, cidrs[b]!));
  for (let i = 1; i < order.length; i++) {
    const [a, b] = [order[i - 1]!, order[i]!];
    if (overlaps(cidrs[a]!, cidrs[b]!)) return a < b ? [a, b] : [b, a];
  }
  return undefined;
}

/** Throws an `INVALID` error naming both subnets, on the field of the later one in the request. */
export function checkSubnetsDoNotOverlap(subnets: readonly SubnetInRequest[]): void {
  const pair = findOverlappingSubnets(subnets.map((subnet) => subnet.cidr));
  if (pair === undefined) return;
  const [earlier, later] = [subnets[pair[0]]!, subnets[pair[1]]!];
  const how = earlier.cidr.len === later.cidr.len ? 'is the same as' : 'overlaps';
  const message = `subnet ${formatCidr(later.cidr)} ${how} subnet ${formatCidr(earlier.cidr)} (${earlier.field})`;
  throw new AllocationError('INVALID', later.field, message);
}

function compareCidrs(a: Cidr, b: Cidr): number {
  if (a.family !== b.family) return a.family < b.family ? -1 : 1;
  return a.first < b.first ? -1 : a.first > b.first ? 1 : 0;
}
