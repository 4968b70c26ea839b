import { afterEach, describe, expect, it } from '@jest/globals';
import { AckScheduler, type AckPolicy } from './ack-scheduler.js';

const schedulers: AckScheduler[] = [];
afterEach(() => schedulers.splice(0).forEach((s) => s.stop()));

function scheduler(policy: Partial<AckPolicy>, window = 0): { acks: Array<[number, number]>; s: AckScheduler; start: number } {
  const acks: Array<[number, number]> = [];
  const start = performance.now();
  const s = new AckScheduler({ delayMs: 0, every: 1, flushMs: 20, ...policy }, (v) => acks.push([v, performance.now() - start]));
  s.reset(0, window);
  schedulers.push(s);
  return { acks, s, start };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('AckScheduler', () => {
  it('acks each version at once by default', () => {
    const { acks, s } = scheduler({});
    s.received(1);
    s.received(2);
    expect(acks.map(([v]) => v)).toEqual([1, 2]);
    expect(s.lastSent).toBe(2);
  });

  it('with a delay, acks each version that long after it arrived, cumulatively', async () => {
    const { acks, s } = scheduler({ delayMs: 40 });
    s.received(1);
    s.received(2);
    await sleep(20);
    s.received(3);
    expect(acks).toEqual([]);
    await sleep(80);
    expect(acks.map(([v]) => v)).toEqual([2, 3]);
    expect(acks[0]![1]).toBeGreaterThanOrEqual(39);
    expect(acks[1]![1]).toBeGreaterThanOrEqual(59);
  });

  it('combines a delay with acking every n', async () => {
    const { acks, s } = scheduler({ delayMs: 20, every: 2, flushMs: 30 });
    [1, 2, 3].forEach((v) => s.received(v));
    await sleep(35);
    expect(acks.map(([v]) => v)).toEqual([3]); // 3 ackable at once: the latest covers them
    s.received(4);
    await sleep(30);
    expect(acks.map(([v]) => v)).toEqual([3]); // 4 waits for a fifth or the flush
    await sleep(40);
    expect(acks.map(([v]) => v)).toEqual([3, 4]);
  });

  it('forgets what waits when the stream is gone, and restarts after the acked version', async () => {
    const { acks, s } = scheduler({ delayMs: 20 });
    s.received(1);
    s.stop();
    await sleep(40);
    expect(acks).toEqual([]);
    s.reset(7, 0);
    s.received(8);
    await sleep(40);
    expect(acks.map(([v]) => v)).toEqual([8]);
  });
});
