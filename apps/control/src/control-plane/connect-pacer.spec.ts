import { ConnectPacer } from './connect-pacer.js';

describe('ConnectPacer', () => {
  it('admits a burst at once, then one session per 1/rate', () => {
    const pacer = new ConnectPacer({ ratePerSecond: 10, burst: 3 }, 0);
    expect(['a', 'b', 'c'].map((k) => pacer.request(k, 0))).toEqual([{ kind: 'admit' }, { kind: 'admit' }, { kind: 'admit' }]);
    expect(pacer.request('d', 0)).toEqual({ kind: 'retry', retryAfterMs: 100 });
    // A token a tenth of a second later: the next newcomer takes the slot after d's.
    expect(pacer.request('e', 100)).toEqual({ kind: 'retry', retryAfterMs: 100 });
    expect(pacer.available(100)).toBeCloseTo(-1);
  });

  it('gives each paced session its own slot, one after the other, instead of one time for all', () => {
    const pacer = new ConnectPacer({ ratePerSecond: 100, burst: 1 }, 0);
    pacer.request('first', 0);
    const waits = Array.from({ length: 5 }, (_, i) => pacer.request(`agent-${i}`, 0));
    expect(waits).toEqual([10, 20, 30, 40, 50].map((retryAfterMs) => ({ kind: 'retry', retryAfterMs })));
    expect(pacer.reserved).toBe(5);
  });

  it('admits an agent that comes back for its slot without another token, and tells one back early how long is left', () => {
    const pacer = new ConnectPacer({ ratePerSecond: 10, burst: 1 }, 0);
    pacer.request('a', 0);
    expect(pacer.request('b', 0)).toEqual({ kind: 'retry', retryAfterMs: 100 });
    expect(pacer.request('c', 0)).toEqual({ kind: 'retry', retryAfterMs: 200 });
    expect(pacer.request('b', 30)).toEqual({ kind: 'retry', retryAfterMs: 70 });
    expect(pacer.request('b', 120)).toEqual({ kind: 'admit' });
    expect(pacer.request('c', 190)).toEqual({ kind: 'admit' });
    expect(pacer.reserved).toBe(0);
    // Their tokens were taken when they were given their slots: the bucket is back at 0 by now, not above.
    expect(pacer.available(200)).toBeCloseTo(0);
  });

  it('holds a session whose slot is within what the caller can hold, keeping nothing for it', () => {
    const pacer = new ConnectPacer({ ratePerSecond: 10, burst: 1 }, 0);
    pacer.request('a', 0);
    expect(pacer.request('b', 0, 500)).toEqual({ kind: 'hold', waitMs: 100 });
    expect(pacer.request('c', 0, 500)).toEqual({ kind: 'hold', waitMs: 200 });
    expect(pacer.request('d', 0, 150)).toEqual({ kind: 'retry', retryAfterMs: 300 });
    expect(pacer.reserved).toBe(1);
  });

  it('keeps nothing for a newcomer without a key that cannot be held: it competes again on return', () => {
    const pacer = new ConnectPacer({ ratePerSecond: 10, burst: 1 }, 0);
    pacer.request(undefined, 0);
    expect(pacer.request(undefined, 0, 50)).toEqual({ kind: 'retry', retryAfterMs: 100 });
    expect(pacer.request(undefined, 0, 50)).toEqual({ kind: 'retry', retryAfterMs: 100 });
    expect(pacer.reserved).toBe(0);
    expect(pacer.available(0)).toBeCloseTo(0);
    expect(pacer.request(undefined, 100)).toEqual({ kind: 'admit' });
  });

  it('refills up to the burst and no further', () => {
    const pacer = new ConnectPacer({ ratePerSecond: 1000, burst: 5 }, 0);
    for (let i = 0; i < 5; i++) pacer.request(`k${i}`, 0);
    expect(pacer.available(0)).toBe(0);
    expect(pacer.available(2)).toBeCloseTo(2);
    expect(pacer.available(60_000)).toBe(5);
  });

  it('forgets a slot whose agent never came back, after the grace time', () => {
    const pacer = new ConnectPacer({ ratePerSecond: 10, burst: 1, reservationGraceMs: 1000 }, 0);
    pacer.request('a', 0);
    expect(pacer.request('gone', 0)).toEqual({ kind: 'retry', retryAfterMs: 100 });
    expect(pacer.request('late', 0)).toEqual({ kind: 'retry', retryAfterMs: 200 });
    pacer.request('other', 1150);
    expect(pacer.reserved).toBe(1);
    // Past its slot and the grace: a newcomer again, with a fresh token (the bucket refilled meanwhile).
    expect(pacer.request('gone', 5000)).toEqual({ kind: 'admit' });
  });

  it('does not go back in time when the clock does', () => {
    const pacer = new ConnectPacer({ ratePerSecond: 10, burst: 2 }, 1000);
    pacer.request('a', 1000);
    expect(pacer.available(500)).toBeCloseTo(1);
    expect(pacer.available(1100)).toBeCloseTo(2);
  });

  it.each([
    [{ ratePerSecond: 0, burst: 1 }, /ratePerSecond must be positive/],
    [{ ratePerSecond: 1, burst: 0 }, /burst must be at least 1/],
  ])('refuses %j', (options, message) => {
    expect(() => new ConnectPacer(options, 0)).toThrow(message);
  });
});
