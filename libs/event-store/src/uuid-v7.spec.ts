import { describe, expect, it } from '@jest/globals';
import { isUuid, uuidv7 } from './uuid-v7.js';

describe('uuidv7', () => {
  it('has the version 7 and RFC variant bits and the time in its first 48 bits', () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
    const id = uuidv7(now);
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it('is unique across many calls and sorts by time', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => uuidv7(1_700_000_000_000 + i));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('rejects what is not a uuid', () => {
    expect(isUuid('nope')).toBe(false);
    expect(isUuid('0190c1d2-aaaa-7bbb-8ccc-ddddeeeeffff')).toBe(true);
  });
});
