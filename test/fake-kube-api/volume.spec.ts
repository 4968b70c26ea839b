// Thousands of objects and changes reach several watches whole and in order (a quick check, not a benchmark).
import { FakeKubeApiServer } from './server.js';
import { WatchRecorder, kubeConfigFor } from './spec-helpers.js';

const PODS = 2000;

function isAscending(values: number[]): boolean {
  return values.every((value, index) => index === 0 || values[index - 1] < value);
}

describe('FakeKubeApiServer under volume', () => {
  let server: FakeKubeApiServer;
  const recorders: WatchRecorder[] = [];

  beforeEach(async () => {
    server = await FakeKubeApiServer.start({ bookmarkIntervalMs: 0 });
  });

  afterEach(async () => {
    for (const recorder of recorders.splice(0)) recorder.stop();
    await server.close();
  });

  async function watch(path: string, query: Record<string, string | number | boolean | undefined>): Promise<WatchRecorder> {
    const recorder = await WatchRecorder.start(kubeConfigFor(server), path, query);
    recorders.push(recorder);
    return recorder;
  }

  it(`delivers ${PODS} creates and ${PODS} updates to three live watches and a late replaying one, in order`, async () => {
    const started = Date.now();
    server.create('Namespace', { metadata: { name: 'before-the-watches' } });
    const everything = await watch('/api/v1/pods', { resourceVersion: '0' });
    const bookmarked = await watch('/api/v1/pods', { resourceVersion: server.resourceVersion, allowWatchBookmarks: true });
    const oneNamespace = await watch('/api/v1/namespaces/ns-3/pods', { resourceVersion: server.resourceVersion });
    const base = Number(server.resourceVersion);

    for (let i = 0; i < PODS; i++) {
      server.create('Pod', { metadata: { name: `pod-${i}`, namespace: `ns-${i % 4}`, labels: { app: `app-${i % 10}` } }, spec: { containers: [] } });
    }
    for (let i = 0; i < PODS; i++) server.mergePatch('Pod', `ns-${i % 4}`, `pod-${i}`, { status: { podIP: `10.0.${i >> 8}.${i & 255}` } });
    server.sendBookmarks();

    await everything.waitForChanges(2 * PODS, 10_000);
    await bookmarked.waitForChanges(2 * PODS, 10_000);
    await oneNamespace.waitForChanges(PODS / 2, 10_000);
    for (const recorder of [everything, bookmarked]) {
      const rvs = recorder.changes().map((event) => Number(event.object.metadata.resourceVersion));
      expect(rvs).toEqual(Array.from({ length: 2 * PODS }, (_, index) => base + index + 1));
      expect(recorder.changes()[PODS - 1]).toMatchObject({ type: 'ADDED', object: { metadata: { name: `pod-${PODS - 1}` } } });
      expect(recorder.changes()[PODS]).toMatchObject({ type: 'MODIFIED', object: { metadata: { name: 'pod-0' }, status: { podIP: '10.0.0.0' } } });
    }
    expect(isAscending(oneNamespace.changes().map((event) => Number(event.object.metadata.resourceVersion)))).toBe(true);
    expect(oneNamespace.changes().every((event) => event.object.metadata.namespace === 'ns-3')).toBe(true);

    const late = await watch('/api/v1/pods', { resourceVersion: String(base), labelSelector: 'app=app-7' });
    await late.waitForChanges((2 * PODS) / 10, 10_000);
    expect(isAscending(late.changes().map((event) => Number(event.object.metadata.resourceVersion)))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(late.changes()).toHaveLength((2 * PODS) / 10);
    expect(bookmarked.events.at(-1)).toMatchObject({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(base + 2 * PODS) } } });
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('keeps up with a steady 2,000 changes per second across several watches', async () => {
    const watches = await Promise.all(Array.from({ length: 4 }, (_, index) => watch(index === 0 ? '/api/v1/pods' : `/api/v1/namespaces/ns-${index}/pods`, { resourceVersion: '0' })));
    for (let i = 0; i < 400; i++) server.create('Pod', { metadata: { name: `pod-${i}`, namespace: `ns-${i % 4}` } });
    // one second of 2,000 changes/s in 20 ms ticks
    const started = Date.now();
    for (let tick = 0; tick < 50; tick++) {
      for (let i = 0; i < 40; i++) {
        const n = (tick * 40 + i) % 400;
        server.mergePatch('Pod', `ns-${n % 4}`, `pod-${n}`, { metadata: { annotations: { tick: String(tick) } } });
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await watches[0].waitForChanges(400 + 2000, 5000);
    for (const recorder of watches.slice(1)) await recorder.waitForChanges(100 + 500, 5000);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
