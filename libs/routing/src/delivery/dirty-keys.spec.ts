import { describe, expect, it } from '@jest/globals';
import { DirtyKeys } from './dirty-keys.js';

describe('DirtyKeys', () => {
  it('hands out keys first-marked first, a re-marked key keeping its place', () => {
    const dirty = new DirtyKeys();
    expect(dirty.mark('red', 'p1')).toBe(true);
    expect(dirty.mark('blue', 'p1')).toBe(true);
    expect(dirty.mark('red', 'p2')).toBe(true);
    expect(dirty.mark('red', 'p1')).toBe(false);
    expect(dirty.size).toBe(3);
    expect(dirty.countFor('red')).toBe(2);
    expect(dirty.take(2).map((key) => `${key.vrf} ${key.prefix}`)).toEqual(['red p1', 'blue p1']);
    expect(dirty.countFor('blue')).toBe(0);
    expect(dirty.take(5).map((key) => `${key.vrf} ${key.prefix}`)).toEqual(['red p2']);
    expect(dirty.size).toBe(0);
    expect(dirty.take(5)).toEqual([]);
  });

  it('drops the keys of one VRF and clears', () => {
    const dirty = new DirtyKeys();
    dirty.mark('red', 'p1');
    dirty.mark('blue', 'p1');
    dirty.mark('red', 'p2');
    dirty.dropVrf('red');
    expect(dirty.size).toBe(1);
    expect(dirty.countFor('red')).toBe(0);
    expect(dirty.mark('red', 'p1')).toBe(true);
    expect(dirty.take(9).map((key) => `${key.vrf} ${key.prefix}`)).toEqual(['blue p1', 'red p1']);
    dirty.mark('red', 'p3');
    dirty.clear();
    expect(dirty.size).toBe(0);
    expect(dirty.countFor('red')).toBe(0);
  });
});
