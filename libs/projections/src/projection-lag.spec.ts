import { describe, expect, it } from '@jest/globals';
import { measureLag, ProjectionLag } from './projection-lag.js';

const at = (iso: string) => Date.parse(iso);

describe('ProjectionLag', () => {
  it('is 0 events and 0 ms when caught up, however old the newest event is', () => {
    const lag = new ProjectionLag();
    lag.advance(10, '2026-11-26T10:00:00.000Z');
    expect(lag.sample(10, at('2026-11-26T12:00:00.000Z'))).toEqual({ position: 10, head: 10, events: 0, ms: 0 });
  });

  it('while behind: the events not folded, and the time since the newest folded event was recorded', () => {
    const lag = new ProjectionLag();
    lag.advance(7, '2026-11-26T10:00:00.000Z');
    expect(lag.sample(12, at('2026-11-26T10:00:02.500Z'))).toEqual({ position: 7, head: 12, events: 5, ms: 2500 });
    expect(lag.position).toBe(7);
    expect(lag.lastRecordedAt).toBe('2026-11-26T10:00:00.000Z');
  });

  it('never negative: a head read before the last fold, or a clock behind the store', () => {
    expect(measureLag(12, '2026-11-26T10:00:05.000Z', 10, at('2026-11-26T10:00:00.000Z'))).toEqual({ position: 12, head: 10, events: 0, ms: 0 });
    expect(measureLag(3, '2026-11-26T10:00:05.000Z', 10, at('2026-11-26T10:00:00.000Z')).ms).toBe(0);
  });

  it('0 ms behind when nothing was folded yet (no time to measure from)', () => {
    expect(new ProjectionLag().sample(100, Date.now())).toEqual({ position: 0, head: 100, events: 100, ms: 0 });
    expect(measureLag(1, 'not a time', 5, Date.now()).ms).toBe(0);
  });
});
