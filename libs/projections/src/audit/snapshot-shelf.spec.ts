import { describe, expect, it } from '@jest/globals';
import { ConfigState } from '#libs/domain';
import { SnapshotShelf } from './snapshot-shelf.js';

const at = (position: number) => ({ ...new ConfigState().snapshot(), position });

describe('SnapshotShelf', () => {
  it('finds the newest snapshot at or below a position', () => {
    const shelf = new SnapshotShelf(10);
    for (const p of [10, 20, 30]) shelf.add(at(p));
    expect(shelf.atOrBelow(9)).toBeUndefined();
    expect(shelf.atOrBelow(10)?.position).toBe(10);
    expect(shelf.atOrBelow(29)?.position).toBe(20);
    expect(shelf.atOrBelow(1000)?.position).toBe(30);
  });

  it('when full keeps every other snapshot counting back from the newest', () => {
    const shelf = new SnapshotShelf(4);
    const thinned = [1, 2, 3, 4, 5].map((p) => shelf.add(at(p * 10)));
    expect(thinned).toEqual([false, false, false, false, true]);
    expect(shelf.positions()).toEqual([10, 30, 50]);
    shelf.add(at(70));
    expect(shelf.add(at(90))).toBe(true);
    expect(shelf.positions()).toEqual([10, 50, 90]);
  });

  it('refuses a snapshot older than the newest, and a capacity below one', () => {
    const shelf = new SnapshotShelf(2);
    shelf.add(at(5));
    expect(() => shelf.add(at(5))).toThrow(RangeError);
    expect(() => new SnapshotShelf(0)).toThrow(RangeError);
  });
});
