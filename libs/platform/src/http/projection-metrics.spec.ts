import type { EventStore } from '#libs/event-store';
import { Metrics } from './metrics.js';
import { ProjectionMetrics, type ProjectionProbe } from './projection-metrics.js';

function storeWithHead(headPosition: () => Promise<number>): EventStore {
  return { kind: 'sqlite', headPosition } as unknown as EventStore;
}

/** A probe at `position`, newest event recorded `behindMs` before the scrape while behind. */
function probe(name: string, position: () => number, checkpoint?: number, behindMs = 4000): ProjectionProbe {
  return {
    name,
    lag: (head, now) => ({ position: position(), events: Math.max(0, head - position()), ms: head > position() ? behindMs : 0 }),
    checkpointPosition: () => checkpoint,
  };
}

/** The value of one series in the text exposition, or undefined when it is absent. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('ProjectionMetrics', () => {
  it('shows each projection\'s position, lag in events and seconds, and checkpoint, with the head read once per scrape', async () => {
    let reads = 0;
    const metrics = new Metrics();
    const projections = new ProjectionMetrics(metrics, storeWithHead(async () => (reads++, 50)));
    projections.register(probe('config', () => 50, 40));
    projections.register(probe('desired-state', () => 45));
    const text = (await metrics.scrape()).body;
    expect(valueOf(text, 'projection_position{projection="config"}')).toBe(50);
    expect(valueOf(text, 'projection_lag_events{projection="config"}')).toBe(0);
    expect(valueOf(text, 'projection_lag_seconds{projection="config"}')).toBe(0);
    expect(valueOf(text, 'projection_checkpoint_position{projection="config"}')).toBe(40);
    expect(valueOf(text, 'projection_position{projection="desired-state"}')).toBe(45);
    expect(valueOf(text, 'projection_lag_events{projection="desired-state"}')).toBe(5);
    expect(valueOf(text, 'projection_lag_seconds{projection="desired-state"}')).toBe(4);
    // A projection that keeps no checkpoint has no checkpoint series.
    expect(valueOf(text, 'projection_checkpoint_position{projection="desired-state"}')).toBeUndefined();
    expect(reads).toBe(1);
  });

  it('drops a projection\'s series when it unregisters, and refuses a second projection of the same name', async () => {
    const metrics = new Metrics();
    const projections = new ProjectionMetrics(metrics, storeWithHead(async () => 1));
    const unregister = projections.register(probe('config', () => 1, 1));
    expect(() => projections.register(probe('config', () => 1))).toThrow(/already registered/);
    expect(valueOf((await metrics.scrape()).body, 'projection_position{projection="config"}')).toBe(1);
    unregister();
    expect((await metrics.scrape()).body).not.toContain('projection="config"');
  });

  it('keeps the last values when the head cannot be read', async () => {
    const metrics = new Metrics();
    let fail = false;
    const projections = new ProjectionMetrics(metrics, storeWithHead(async () => {
      if (fail) throw new Error('down');
      return 9;
    }));
    projections.register(probe('config', () => 7));
    expect(valueOf((await metrics.scrape()).body, 'projection_lag_events{projection="config"}')).toBe(2);
    fail = true;
    expect(valueOf((await metrics.scrape()).body, 'projection_lag_events{projection="config"}')).toBe(2);
    expect(await projections.sample()).toEqual([]);
  });
});
