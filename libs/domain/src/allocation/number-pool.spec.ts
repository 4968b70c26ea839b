import { describe, expect, it } from '@jest/globals';
import { VIRTUAL_NETWORK_ID_POOL, VXLAN_NETWORK_IDENTIFIER_POOL } from './id-ranges.js';
import { checkRequestedNumber, nextFreeNumber, type NumberPool } from './number-pool.js';

const small: NumberPool = { name: 'test id', field: 'test_id', min: 5, max: 8 };

describe('nextFreeNumber', () => {
  it('hands out the lowest free number', () => {
    expect(nextFreeNumber(small, new Set())).toBe(5);
    expect(nextFreeNumber(small, new Set([5, 6, 8]))).toBe(7);
    expect(nextFreeNumber(VIRTUAL_NETWORK_ID_POOL, new Set([1, 2, 3]))).toBe(4);
  });

  it('starts from a hint, and looks below it before giving up', () => {
    expect(nextFreeNumber(small, new Set([5]), 7)).toBe(7);
    expect(nextFreeNumber(small, new Set([7, 8]), 7)).toBe(5);
    expect(nextFreeNumber(small, new Set(), 1)).toBe(5);
  });

  it('says the pool is exhausted', () => {
    expect(() => nextFreeNumber(small, new Set([5, 6, 7, 8]))).toThrow(
      expect.objectContaining({ code: 'EXHAUSTED', status: 409, field: 'test_id', message: 'no test id is left: all of 5..8 are in use' }),
    );
  });
});

describe('checkRequestedNumber', () => {
  it('returns a free number of the range', () => {
    expect(checkRequestedNumber(small, new Set([5]), 6)).toBe(6);
    expect(checkRequestedNumber(VXLAN_NETWORK_IDENTIFIER_POOL, new Set(), 16_777_215)).toBe(16_777_215);
  });

  it.each([0, 16_777_216, 1.5, Number.NaN])('refuses VXLAN network identifier %p as out of range', (vni) => {
    expect(() => checkRequestedNumber(VXLAN_NETWORK_IDENTIFIER_POOL, new Set(), vni)).toThrow(
      expect.objectContaining({
        code: 'INVALID',
        status: 400,
        field: 'virtual_network_properties.vxlan_network_identifier',
        message: `VXLAN network identifier ${vni} is out of range: 1 to 16777215`,
      }),
    );
  });

  it('refuses a number in use', () => {
    expect(() => checkRequestedNumber(VIRTUAL_NETWORK_ID_POOL, new Set([42]), 42)).toThrow(
      expect.objectContaining({ code: 'IN_USE', status: 409, field: 'virtual_network_network_id', message: 'virtual network id 42 is already in use' }),
    );
  });
});
