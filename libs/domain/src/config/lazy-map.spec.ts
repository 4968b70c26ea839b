import { describe, expect, it } from '@jest/globals';
import { LazyMap } from './lazy-map.js';

describe('LazyMap', () => {
  it('holds what a Map given the same sets and deletes after the columns would hold, in the same order', () => {
    const lazy = new LazyMap<string, number>({ keys: ['a', 'b', 'c'], values: [1, 2, 3] });
    lazy.set('d', 4);
    lazy.delete('b');
    lazy.set('a', 10);
    lazy.delete('d');
    lazy.set('c', 30);
    lazy.delete('c');
    lazy.set('c', 31);
    const reference = new Map([['a', 1], ['b', 2], ['c', 3]]);
    reference.set('d', 4);
    reference.delete('b');
    reference.set('a', 10);
    reference.delete('d');
    reference.set('c', 30);
    reference.delete('c');
    reference.set('c', 31);
    expect([...lazy.all()]).toEqual([...reference]);
    expect(lazy.get('b')).toBeUndefined();
    lazy.delete('a');
    lazy.set('e', 5);
    expect([...lazy.all()]).toEqual([['c', 31], ['e', 5]]);
  });

  it('keeps the columns it was made from as they were', () => {
    const columns = { keys: ['a'], values: [1] };
    const lazy = new LazyMap<string, number>(columns);
    lazy.set('a', 2);
    expect(lazy.get('a')).toBe(2);
    expect(columns).toEqual({ keys: ['a'], values: [1] });
  });
});
