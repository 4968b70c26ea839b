import { describe, expect, it } from '@jest/globals';
import { AllocationError } from './allocation-error.js';
import { parseCidrText } from './ip-address.js';
import { checkSubnetsDoNotOverlap, findOverlappingSubnets } from './overlap.js';

const cidrs = (...texts: string[]) => texts.map(parseCidrText);
const inRequest = (...texts: string[]) => texts.map((text, i) => ({ cidr: parseCidrText(text), field: `ipam_subnets[${i}].subnet` }));

describe('findOverlappingSubnets', () => {
  it('finds nothing among disjoint subnets of both families', () => {
    expect(findOverlappingSubnets(cidrs('10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/24', '2001:db8::/64', '2001:db8:0:1::/64'))).toBeUndefined();
    expect(findOverlappingSubnets([])).toBeUndefined();
  });

  it('finds nesting, duplicates and a block holding a later one that is not its neighbour in order', () => {
    expect(findOverlappingSubnets(cidrs('10.1.0.0/16', '10.1.2.0/24'))).toEqual([0, 1]);
    expect(findOverlappingSubnets(cidrs('10.3.0.0/16', '10.1.0.0/24', '10.1.0.0/24'))).toEqual([1, 2]);
    expect(findOverlappingSubnets(cidrs('10.9.0.0/16', '10.1.2.0/24', '10.0.0.0/8'))).toEqual([1, 2]);
  });

  it('does not mix up IPv4 and IPv6 blocks with the same numeric range', () => {
    expect(findOverlappingSubnets(cidrs('0.0.0.0/0', '::/96'))).toBeUndefined();
  });
});

describe('checkSubnetsDoNotOverlap', () => {
  it('passes disjoint subnets', () => {
    expect(() => checkSubnetsDoNotOverlap(inRequest('10.1.1.0/24', '10.1.2.0/24'))).not.toThrow();
  });

  it('names both subnets, on the field of the later one', () => {
    try {
      checkSubnetsDoNotOverlap(inRequest('10.1.1.0/24', '192.168.0.0/16', '10.1.0.0/16'));
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(AllocationError);
      expect(error).toMatchObject({
        code: 'INVALID',
        status: 400,
        field: 'ipam_subnets[2].subnet',
        message: 'subnet 10.1.0.0/16 overlaps subnet 10.1.1.0/24 (ipam_subnets[0].subnet)',
      });
    }
  });

  it('says when a subnet is given twice', () => {
    expect(() => checkSubnetsDoNotOverlap(inRequest('fd00::/64', 'fd00::/64'))).toThrow('subnet fd00::/64 is the same as subnet fd00::/64 (ipam_subnets[0].subnet)');
  });
});
