import { KubeConfig } from '@kubernetes/client-node';
import { FakeKubeApiServer } from '../../../../test/fake-kube-api/index.js';
import { waitUntil } from '../../../../test/fake-kube-api/spec-helpers.js';
import { ClientNodeKubeApi, loadKubeConfig } from './kube-api.js';
import { KindWatcher, type ListReason } from './kind-watcher.js';
import { KubeCache } from './kube-cache.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pod = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, namespace: 'default', labels }, spec: { nodeName: 'n1', containers: [] } });

describe('KindWatcher against a Kubernetes API server', () => {
  let server: FakeKubeApiServer;
  let cache: KubeCache;
  let watcher: KindWatcher;
  let lists: ListReason[];
  let failures: string[];
  let changes: Array<[string, string]>;

  beforeEach(async () => {
    server = await FakeKubeApiServer.start({ bookmarkIntervalMs: 0 });
    const config = new KubeConfig();
    config.loadFromString(server.kubeconfig());
    lists = [];
    failures = [];
    changes = [];
    cache = new KubeCache((change) => changes.push([change.after ? (change.before ? 'update' : 'add') : 'delete', (change.after ?? change.before)!.metadata!.name!]));
    watcher = new KindWatcher('Pod', new ClientNodeKubeApi(config), cache, { listed: (_k, _n, reason) => lists.push(reason), failed: (_k, e) => failures.push(e.message) }, { backoffMs: 20, maxBackoffMs: 100 });
  });

  afterEach(async () => {
    watcher.stop();
    await server.close();
  });

  const names = () => [...cache.pods()].map((p) => p.metadata!.name).sort();

  it('lists, then follows every change from the list on', async () => {
    server.create('Pod', pod('a'));
    watcher.start();
    await watcher.synced;
    expect(names()).toEqual(['a']);
    server.create('Pod', pod('b'));
    server.mergePatch('Pod', 'default', 'a', { metadata: { labels: { app: 'x' } } });
    server.delete('Pod', 'default', 'b');
    await waitUntil(() => changes.length === 4, () => JSON.stringify(changes));
    expect(changes).toEqual([
      ['add', 'a'],
      ['add', 'b'],
      ['update', 'a'],
      ['delete', 'b'],
    ]);
    expect(cache.pod([...cache.pods()][0].metadata!.uid!)?.metadata?.labels).toEqual({ app: 'x' });
    expect(lists).toEqual(['start']);
  });

  it('resumes a dropped watch from the last version without a relist, and bookmarks advance the version', async () => {
    watcher.start();
    await watcher.synced;
    server.create('Pod', pod('a'));
    await waitUntil(() => names().length === 1, 'a');
    server.sendBookmarks();
    await waitUntil(() => watcher.version === server.resourceVersion, 'the bookmark');
    server.dropWatches();
    server.create('Pod', pod('b'));
    await waitUntil(() => names().length === 2, 'b after the drop');
    expect(lists).toEqual(['start']);
    expect(changes.map(([, n]) => n)).toEqual(['a', 'b']);
  });

  it('relists after 410 Gone, and what vanished meanwhile counts as deleted', async () => {
    server.create('Pod', pod('a'));
    server.create('Pod', pod('b'));
    watcher.start();
    await watcher.synced;
    // While the watch is down: changes, then the history is compacted past the watcher's version.
    await server.pause();
    server.delete('Pod', 'default', 'a');
    server.create('Pod', pod('c'));
    server.compact();
    await server.resume();
    await waitUntil(() => names().join() === 'b,c', () => `b,c (have ${names().join()})`, 10_000);
    expect(lists).toEqual(['start', 'expired']);
    expect(changes).toContainEqual(['delete', 'a']);
    expect(failures.length).toBeGreaterThan(0);
  });

  it('keeps retrying an unreachable server with backoff, then lists when it comes back', async () => {
    await server.pause();
    watcher.start();
    await waitUntil(() => failures.length >= 2, 'two failures');
    server.create('Pod', pod('late'));
    await server.resume();
    await watcher.synced;
    expect(names()).toEqual(['late']);
    expect(failures[0]).toMatch(/ECONNREFUSED|connect/i);
  });

  it('refuses an unreadable kubeconfig with a message naming the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    try {
      const bad = join(dir, 'bad');
      writeFileSync(bad, 'apiVersion: v1\nclusters: [ {name: x\n');
      expect(() => loadKubeConfig(bad)).toThrow(new RegExp(`the kubeconfig ${bad} cannot be read`));
      const empty = join(dir, 'empty');
      writeFileSync(empty, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
      expect(() => loadKubeConfig(empty)).toThrow(/names no current cluster/);
      expect(() => loadKubeConfig(join(dir, 'missing'))).toThrow(/cannot be read/);
      const path = server.writeKubeconfig(dir);
      expect(loadKubeConfig(path).getCurrentCluster()?.server).toBe(server.url);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

