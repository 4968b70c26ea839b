import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import type { EventStore, RecordedEvent } from '#libs/event-store';
import { ConfigLogWriter, PROJECT, seed, tempDir } from '../test/config-log-writer.js';
import { ConfigProjection, type ProjectionLog } from './config-projection.js';

const dir = tempDir('projection-observers-');
afterAll(() => dir.remove());

let n = 0;
const open: Array<{ store: EventStore; projection?: ConfigProjection }> = [];
afterEach(async () => {
  for (const { store, projection } of open.splice(0)) {
    await projection?.stop();
    await store.close();
  }
});

function setUp(log?: ProjectionLog) {
  const store = dir.store(`observers-${n++}`);
  const projection = new ConfigProjection(store, { log });
  open.push({ store, projection });
  return { store, projection, writer: new ConfigLogWriter(store) };
}

/** Resolves with the next `settled` call. */
function nextSettle(projection: ConfigProjection): Promise<{ position: number; touched: string[] }> {
  return new Promise((resolve) => {
    const stop = projection.observe({
      settled: (position, touched) => {
        stop();
        resolve({ position, touched: [...touched].sort() });
      },
    });
  });
}

describe('ConfigProjection observers', () => {
  it('settles once per run, with the position reached and the resources the run created, updated or deleted', async () => {
    const { projection, writer } = setUp();
    await seed(writer);
    await projection.start();
    const settles: Array<{ position: number; touched: string[] }> = [];
    const applied: RecordedEvent[] = [];
    projection.observe({ applied: (e) => applied.push(e), settled: (position, touched) => settles.push({ position, touched: [...touched] }) });

    // One command: the VN's event, its fq_name reservation and its allocations, in one append and one run.
    let settled = nextSettle(projection);
    const vn = await writer.create('virtual-network', { fq_name: [...PROJECT, 'blue'] });
    expect(await settled).toEqual({ position: vn.position, touched: [vn.uuid] });
    expect(applied.map((e) => e.type)).toEqual(expect.arrayContaining(['FqNameReserved', 'NumberAllocated', 'VirtualNetworkCreated']));
    expect(applied.at(-1)!.globalPosition).toBe(vn.position);
    expect(settles).toHaveLength(1);

    settled = nextSettle(projection);
    const updated = await writer.update('virtual-network', vn.uuid, { display_name: 'Blue' });
    expect(await settled).toEqual({ position: updated.position, touched: [vn.uuid] });

    settled = nextSettle(projection);
    const deleted = await writer.delete('virtual-network', vn.uuid);
    expect(await settled).toEqual({ position: deleted.position, touched: [vn.uuid] });
    expect(settles.map((s) => s.position)).toEqual([vn.position, updated.position, deleted.position]);
  });

  it('settles during catch-up too, ending at the head with every resource of the log touched', async () => {
    const { store, projection, writer } = setUp();
    await seed(writer);
    const vn = await writer.create('virtual-network', { fq_name: [...PROJECT, 'red'] });
    const touched = new Set<string>();
    let last = 0;
    projection.observe({
      settled: (position, run) => {
        last = position;
        for (const uuid of run) touched.add(uuid);
      },
    });
    await projection.start();
    expect(last).toBe(await store.headPosition());
    expect([...touched].sort()).toEqual([...writer.state.all()].map((o) => o.uuid).sort());
    expect(touched.has(vn.uuid)).toBe(true);
  });

  it('keeps folding when an observer throws, reports it, and still calls the other observers', async () => {
    const logged: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
    const { projection, writer } = setUp((level, msg, fields) => logged.push({ level, msg, fields }));
    await seed(writer);
    await projection.start();
    const boom = new Error('observer bug');
    projection.observe({
      applied: () => {
        throw boom;
      },
      settled: () => {
        throw boom;
      },
    });
    const seen: number[] = [];
    projection.observe({ settled: (position) => seen.push(position) });

    const settled = nextSettle(projection);
    const first = await writer.create('virtual-network', { fq_name: [...PROJECT, 'a'] });
    await settled;
    const second = await writer.create('virtual-network', { fq_name: [...PROJECT, 'b'] });
    await projection.waitFor(second.position);

    expect(projection.error).toBeUndefined();
    expect(projection.state.get(first.uuid)).toBeDefined();
    expect(projection.state.get(second.uuid)).toBeDefined();
    expect(seen).toContain(first.position);
    // Three applied calls and one settled call per command.
    expect(projection.observerFailures.count).toBeGreaterThanOrEqual(4);
    expect(projection.observerFailures.last).toBe(boom);
    expect(logged).toContainEqual({ level: 'error', msg: 'projection observer failed', fields: expect.objectContaining({ hook: 'applied', err: boom }) });
    expect(logged).toContainEqual({ level: 'error', msg: 'projection observer failed', fields: expect.objectContaining({ hook: 'settled', err: boom }) });
  });

  it('stops calling an observer once it unsubscribed, also from inside its own call', async () => {
    const { projection, writer } = setUp();
    await seed(writer);
    await projection.start();
    const calls: number[] = [];
    const stop = projection.observe({
      settled: (position) => {
        calls.push(position);
        stop();
      },
    });
    const settled = nextSettle(projection);
    await writer.create('virtual-network', { fq_name: [...PROJECT, 'x'] });
    await settled;
    const later = await writer.create('virtual-network', { fq_name: [...PROJECT, 'y'] });
    await projection.waitFor(later.position);
    expect(calls).toHaveLength(1);
  });
});
