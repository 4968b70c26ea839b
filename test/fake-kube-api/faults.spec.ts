// The failures a list/watch client must survive: compaction (410), dropped watches, an unreachable server.
import { type IncomingMessage, get } from 'node:http';
import { CoreV1Api, type V1Pod, makeInformer } from '@kubernetes/client-node';
import { FakeKubeApiServer } from './server.js';
import { WatchRecorder, kubeConfigFor, summary, waitUntil } from './spec-helpers.js';

function pod(name: string) {
  return { metadata: { name, namespace: 'default' }, spec: { containers: [] } };
}

/** The request's failure code (ECONNREFUSED…), or 'ok' when it got an answer. */
async function connectOutcome(url: string): Promise<string> {
  try {
    await fetch(url);
    return 'ok';
  } catch (error) {
    return String(((error as Error).cause as NodeJS.ErrnoException | undefined)?.code);
  }
}

describe('FakeKubeApiServer faults', () => {
  let server: FakeKubeApiServer;
  const recorders: WatchRecorder[] = [];

  async function watch(path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<WatchRecorder> {
    const recorder = await WatchRecorder.start(kubeConfigFor(server), path, query);
    recorders.push(recorder);
    return recorder;
  }

  beforeEach(async () => {
    server = await FakeKubeApiServer.start({ bookmarkIntervalMs: 0 });
  });

  afterEach(async () => {
    for (const recorder of recorders.splice(0)) recorder.stop();
    await server.close();
  });

  it('after compact(), a watch from an older rv gets one 410 Expired ERROR event and the stream ends', async () => {
    server.create('Pod', pod('a'));
    const old = server.resourceVersion;
    server.create('Pod', pod('b'));
    server.create('Pod', pod('c'));
    server.compact();

    const expired = await watch('/api/v1/namespaces/default/pods', { resourceVersion: old, allowWatchBookmarks: true });
    expect(await expired.done).toBeNull();
    expect(expired.events).toEqual([
      {
        type: 'ERROR',
        object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (3)', reason: 'Expired', code: 410 },
      },
    ]);

    const raw = await fetch(`${server.url}/api/v1/pods?watch=1&resourceVersion=2`);
    expect(raw.status).toBe(200);
    expect((await raw.text()).trim().split('\n').map((line) => JSON.parse(line).object.code)).toEqual([410]);

    const fresh = await watch('/api/v1/pods', { resourceVersion: server.resourceVersion });
    server.create('Pod', pod('d'));
    expect(summary(await fresh.waitForChanges(1))).toEqual([{ type: 'ADDED', name: 'd', rv: '4' }]);
  });

  it('the history bound moves the floor by itself: a watch that fell too far behind gets 410', async () => {
    const small = await FakeKubeApiServer.start({ historyLimit: 3 });
    try {
      for (let i = 0; i < 6; i++) small.create('Pod', pod(`p${i}`));
      const stale = await WatchRecorder.start(kubeConfigFor(small), '/api/v1/pods', { resourceVersion: 1 });
      recorders.push(stale);
      await stale.done;
      expect(stale.events.map((event) => [event.type, event.object.code])).toEqual([['ERROR', 410]]);
      const recent = await WatchRecorder.start(kubeConfigFor(small), '/api/v1/pods', { resourceVersion: 3 });
      recorders.push(recent);
      expect(summary(await recent.waitForChanges(3)).map((event) => event.rv)).toEqual(['4', '5', '6']);
    } finally {
      await small.close();
    }
  });

  it('dropWatches() ends every stream cleanly (client-node calls done with null) and a rewatch resumes from the last rv', async () => {
    server.create('Pod', pod('a'));
    const first = await watch('/api/v1/pods', {});
    const second = await watch('/api/v1/namespaces/default/pods', { resourceVersion: server.resourceVersion });
    await first.waitForChanges(1);
    await waitUntil(() => server.openWatches === 2, 'two open watches');

    server.dropWatches();
    expect(await first.done).toBeNull();
    expect(await second.done).toBeNull();
    expect(server.openWatches).toBe(0);

    const lastSeen = first.changes().at(-1)?.object.metadata.resourceVersion;
    server.create('Pod', pod('b'));
    const resumed = await watch('/api/v1/pods', { resourceVersion: lastSeen });
    expect(summary(await resumed.waitForChanges(1))).toEqual([{ type: 'ADDED', name: 'b', rv: '2' }]);
  });

  it('pause() refuses connections and cuts open watches; resume() serves the same state on the same URL', async () => {
    server.create('Pod', pod('a'));
    const open = await watch('/api/v1/pods', {});
    await open.waitForChanges(1);
    const url = server.url;

    await server.pause();
    expect(await open.done).toBeInstanceOf(Error);
    expect(await connectOutcome(`${url}/api/v1/pods`)).toBe('ECONNREFUSED');
    const core = kubeConfigFor(server).makeApiClient(CoreV1Api);
    await expect(core.listPodForAllNamespaces({})).rejects.toThrow();
    server.create('Pod', pod('made-while-down'));
    await server.pause();

    await server.resume();
    expect(server.url).toBe(url);
    const list = await core.listPodForAllNamespaces({});
    expect(list.items.map((item) => item.metadata?.name)).toEqual(['a', 'made-while-down']);
    await server.resume();
  });

  it('cuts a watcher that stops reading once its backlog stays undrained, and keeps one that reads', async () => {
    const strict = await FakeKubeApiServer.start({ slowWatcherTimeoutMs: 100 });
    const request = get(`${strict.url}/api/v1/pods?watch=true`);
    try {
      const stalled = await new Promise<IncomingMessage>((resolve) => request.on('response', resolve));
      stalled.pause();
      let stalledClosed = false;
      stalled.on('close', () => (stalledClosed = true)).on('error', () => undefined);
      const reading = await WatchRecorder.start(kubeConfigFor(strict), '/api/v1/pods', {});
      recorders.push(reading);
      await waitUntil(() => strict.openWatches === 2, 'both watches to open');

      const filler = 'x'.repeat(256 * 1024);
      let created = 0;
      await waitUntil(
        () => {
          strict.create('Pod', { metadata: { name: `big-${created++}`, annotations: { filler } } });
          return strict.openWatches === 1;
        },
        'the stalled watch to be cut',
        10_000,
      );
      // behind its unread backlog, the client finds the stream cut short (no terminating chunk)
      stalled.resume();
      await waitUntil(() => stalledClosed, 'the stalled client to reach the cut', 10_000);
      expect(stalled.complete).toBe(false);
      await reading.waitForChanges(created, 10_000);
      expect(reading.ended).toBe(false);
    } finally {
      request.destroy();
      await strict.close();
    }
  });

  it('counts requests by method and path prefix, and open watches', async () => {
    const core = kubeConfigFor(server).makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: 'default', body: pod('a') });
    await core.listPodForAllNamespaces({});
    await core.listNamespacedPod({ namespace: 'default' });
    await fetch(`${server.url}/api/v1/nodes`);
    const recorder = await watch('/api/v1/pods', {});
    await waitUntil(() => server.openWatches === 1, 'the watch to open');

    expect(server.requests).toBe(5);
    expect(server.requestCount('GET')).toBe(4);
    expect(server.requestCount('post')).toBe(1);
    expect(server.requestCount('GET', '/api/v1/pods')).toBe(2);
    expect(server.requestCount(undefined, '/api/v1/namespaces/default/pods')).toBe(2);
    expect(server.requestCount('DELETE')).toBe(0);
    recorder.stop();
    await waitUntil(() => server.openWatches === 0, 'the watch to close');
  });

  it('close() ends open watches, refuses later connections, and may be called again', async () => {
    const open = await watch('/api/v1/pods', {});
    await waitUntil(() => server.openWatches === 1, 'the watch to open');
    const url = server.url;
    await Promise.all([server.close(), server.close()]);
    expect(await open.done).toBeNull();
    expect(server.openWatches).toBe(0);
    expect(await connectOutcome(url)).toBe('ECONNREFUSED');
    await server.close();
    await expect(server.resume()).rejects.toThrow('closed');

    const paused = await FakeKubeApiServer.start();
    await paused.pause();
    await paused.close();
    expect(await connectOutcome(paused.url)).toBe('ECONNREFUSED');
  });

  it("client-node's informer resumes after a dropped watch and relists after a 410", async () => {
    server.create('Pod', pod('a'));
    server.create('Pod', pod('b'));
    const config = kubeConfigFor(server);
    const core = config.makeApiClient(CoreV1Api);
    let lists = 0;
    const informer = makeInformer<V1Pod>(config, '/api/v1/pods', () => {
      lists += 1;
      return core.listPodForAllNamespaces({});
    });
    let stopped = false;
    let errors = 0;
    // client-node's ListWatch stops on a connection error; its owner restarts it, as a kubemanager must
    informer.on('error', () => {
      errors += 1;
      setTimeout(() => stopped || void informer.start(), 20);
    });
    await informer.start();
    try {
      await waitUntil(() => informer.list().length === 2, 'the informer to list');
      server.delete('Pod', 'default', 'a');
      server.create('Pod', pod('c'));
      await waitUntil(() => informer.get('a', 'default') === undefined && informer.get('c', 'default') !== undefined, 'the live changes');

      // its last rv is still in the history: a dropped watch resumes without a relist
      server.dropWatches();
      await waitUntil(() => server.openWatches === 1, 'the informer to rewatch');
      server.create('Pod', pod('d'));
      await waitUntil(() => informer.get('d', 'default') !== undefined, 'a change after the rewatch');
      expect(lists).toBe(1);

      // compacted past its rv while it could not connect: 410 on the rewatch, then a relist
      await server.pause();
      await waitUntil(() => errors > 0, 'the informer to see the server gone');
      server.delete('Pod', 'default', 'b');
      server.create('Pod', pod('e'));
      server.compact();
      await server.resume();
      await waitUntil(() => informer.get('e', 'default') !== undefined, 'the relisted pod');
      expect(lists).toBe(2);
      expect(informer.list().map((item) => item.metadata?.name).sort()).toEqual(['c', 'd', 'e']);
    } finally {
      stopped = true;
      await informer.stop();
    }
  });
});
