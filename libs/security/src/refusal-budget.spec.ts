import { RefusalBudget } from './refusal-budget.js';

describe('RefusalBudget', () => {
  function budget(limits = { perAddress: 3, total: 5, maxAddresses: 4 }) {
    let now = 10_000;
    const b = new RefusalBudget(limits, () => now);
    return { b, advance: (ms: number) => (now += ms) };
  }

  const take = (b: RefusalBudget, address: string, n: number) => Array.from({ length: n }, () => b.take(address)).filter(Boolean).length;

  it('records at most perAddress refusals per address and second, then again in the next second', () => {
    const { b, advance } = budget();
    expect(take(b, '10.0.0.1', 10)).toBe(3);
    expect(take(b, '10.0.0.2', 1)).toBe(1);
    advance(999);
    expect(take(b, '10.0.0.1', 1)).toBe(0);
    advance(1);
    expect(take(b, '10.0.0.1', 10)).toBe(3);
  });

  it('bounds all addresses together, and the number of addresses it remembers', () => {
    const { b } = budget();
    expect(take(b, 'a', 3) + take(b, 'b', 3)).toBe(5);
    const wide = budget({ perAddress: 1, total: 100, maxAddresses: 4 }).b;
    expect(['a', 'b', 'c', 'd', 'e', 'f'].filter((a) => wide.take(a))).toEqual(['a', 'b', 'c', 'd']);
  });
});
