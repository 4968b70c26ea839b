import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { Gauge, type Registry } from 'prom-client';

/** The gauge's name on /metrics. */
export const LIVE_HEAP_METRIC = 'nodejs_heap_live_after_gc_bytes';

/**
 * `nodejs_heap_live_after_gc_bytes`: the V8 heap in use just after the latest full (mark-sweep) collection, that
 * is what the process holds on to. `nodejs_heap_size_used_bytes` swings between collections with how fast the
 * process allocates; this one moves only with what survives, so its trend over hours is the one to watch for a
 * leak. Until the first full collection it shows the heap in use at start. Returns the stop (disconnects the
 * observer).
 */
export function registerLiveHeapGauge(registry: Registry): () => void {
  let live = getHeapStatistics().used_heap_size;
  new Gauge({
    name: LIVE_HEAP_METRIC,
    help: 'V8 heap in use just after the latest full garbage collection (what the process holds on to), in bytes.',
    registers: [registry],
    collect() {
      this.set(live);
    },
  });
  // The observer runs shortly after the collection ends; what was allocated in between is a few kilobytes.
  const observer = new PerformanceObserver((list) => {
    if (list.getEntries().some(isFullCollection)) live = getHeapStatistics().used_heap_size;
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}

function isFullCollection(entry: PerformanceEntry): boolean {
  return ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind === constants.NODE_PERFORMANCE_GC_MAJOR;
}
