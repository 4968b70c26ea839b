import { describe, expect, it } from '@jest/globals';
import { LazySets, type Groups } from './lazy-sets.js';

/** Each key's members, in order; keys sorted (their order is not kept, nothing reads it). */
function byKey(groups: Groups): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0, start = 0; i < groups.keys.length; start += groups.counts[i], i++) {
    out.set(groups.keys[i], groups.members.slice(start, start + groups.counts[i]));
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The plain structure LazySets stands for. */
function groupsOf(index: Map<string, Set<string>>): Groups {
  const groups: Groups = { keys: [], counts: [], members: [] };
  for (const [key, set] of index) {
    if (set.size === 0) continue;
    groups.keys.push(key);
    groups.counts.push(set.size);
    groups.members.push(...set);
  }
  return groups;
}

function randomOps(seed: number, count: number, apply: (op: 'add' | 'remove' | 'drop', key: string, member: string) => void): void {
  let a = seed;
  const next = (n: number) => ((a = (a * 1103515245 + 12345) % 2147483648) % n);
  for (let i = 0; i < count; i++) {
    const r = next(10);
    apply(r < 6 ? 'add' : r < 9 ? 'remove' : 'drop', `k${next(12)}`, `m${next(8)}`);
  }
}

describe('LazySets', () => {
  it('after any adds, removes and key deletes, holds what the Map of Sets it was made from would', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const reference = new Map<string, Set<string>>();
      const step = (index: { get(k: string): Set<string> | undefined; add(k: string, m: string): void; delete(k: string): void }) =>
        (op: 'add' | 'remove' | 'drop', key: string, member: string) => {
          if (op === 'add') index.add(key, member);
          else if (op === 'remove') index.get(key)?.delete(member);
          else index.delete(key);
        };
      const plain = {
        get: (k: string) => reference.get(k),
        add: (k: string, m: string) => {
          if (!reference.has(k)) reference.set(k, new Set());
          reference.get(k)!.add(m);
        },
        delete: (k: string) => void reference.delete(k),
      };
      randomOps(seed, 60, step(plain));
      const lazy = new LazySets(groupsOf(reference));
      randomOps(seed * 7919, 60, (op, key, member) => {
        step(plain)(op, key, member);
        step(lazy)(op, key, member);
      });
      expect(byKey(lazy.toGroups())).toEqual(byKey(groupsOf(reference)));
      for (let k = 0; k < 12; k++) expect([...(lazy.get(`k${k}`) ?? [])]).toEqual([...(reference.get(`k${k}`) ?? [])]);
      expect(byKey(lazy.toGroups())).toEqual(byKey(groupsOf(reference)));
    }
  });

  it('leaves the groups it was made from as they were', () => {
    const groups: Groups = { keys: ['a', 'b'], counts: [2, 1], members: ['x', 'y', 'z'] };
    const lazy = new LazySets(groups);
    lazy.add('a', 'w');
    lazy.get('b')!.delete('z');
    lazy.delete('a');
    expect(groups).toEqual({ keys: ['a', 'b'], counts: [2, 1], members: ['x', 'y', 'z'] });
    expect(lazy.toGroups()).toEqual({ keys: [], counts: [], members: [] });
  });

  it('remove drops a key once its set is empty, and size counts only keys holding members', () => {
    const lazy = new LazySets({ keys: ['a', 'b'], counts: [2, 1], members: ['x', 'y', 'z'] });
    expect(lazy.size).toBe(2);
    lazy.remove('b', 'z');
    expect(lazy.get('b')).toBeUndefined();
    expect(lazy.size).toBe(1);
    lazy.add('c', 'w');
    lazy.remove('c', 'w');
    lazy.remove('nothing', 'w');
    expect(lazy.size).toBe(1);
    lazy.remove('a', 'x');
    expect([...lazy.get('a')!]).toEqual(['y']);
    expect(lazy.toGroups()).toEqual({ keys: ['a'], counts: [1], members: ['y'] });
  });
});
