import { describe, expect, it } from '@jest/globals';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from 'prom-client';
import { LIVE_HEAP_METRIC, registerLiveHeapGauge } from './live-heap-gauge.js';

/** A full collection now (the flag exposes `gc` to contexts made after it is set). */
function fullCollection(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const liveHeap = async (registry: Registry): Promise<number> => {
  const text = await registry.metrics();
  return Number(new RegExp(`^${LIVE_HEAP_METRIC} (\\S+)$`, 'm').exec(text)?.[1]);
};

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('nodejs_heap_live_after_gc_bytes', () => {
  it('follows what survives a full collection: up while 64 MiB is held, down once it is let go', async () => {
    const registry = new Registry();
    const stop = registerLiveHeapGauge(registry);
    try {
      expect(await liveHeap(registry)).toBeGreaterThan(0);
      // 8 arrays of 2^20 doubles: 64 MiB on the V8 heap.
      let held: number[][] | undefined = Array.from({ length: 8 }, (_, k) => Array.from({ length: 1 << 20 }, (_, i) => i + k + 0.5));
      fullCollection();
      await settle();
      const holding = await liveHeap(registry);
      expect(held.length).toBe(8);
      held = undefined;
      fullCollection();
      await settle();
      const released = await liveHeap(registry);
      expect(holding - released).toBeGreaterThan(56 * 2 ** 20);
    } finally {
      stop();
    }
  });
});
