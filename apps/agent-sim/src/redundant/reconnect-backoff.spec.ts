import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RECONNECT_BACKOFF, reconnectDelay } from './reconnect-backoff.js';

describe('reconnectDelay', () => {
  it('doubles from the initial wait up to the longest', () => {
    const delays = Array.from({ length: 8 }, (_, attempt) => reconnectDelay(attempt, DEFAULT_RECONNECT_BACKOFF, 0));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 2000, 2000, 2000]);
  });

  it('takes off up to a fifth at random, never more', () => {
    expect(reconnectDelay(0, { initialMs: 100, maxMs: 1000 }, 0.5)).toBe(90);
    expect(reconnectDelay(10, { initialMs: 100, maxMs: 1000 }, 0.999)).toBe(800);
  });

  it('stays at the longest wait after very many attempts', () => {
    expect(reconnectDelay(5000, { initialMs: 50, maxMs: 3000 }, 0)).toBe(3000);
  });
});
