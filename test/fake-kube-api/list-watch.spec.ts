// List and watch through the real @kubernetes/client-node, as a kubemanager's reflector does them.
import { CoreV1Api, DiscoveryV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { FakeKubeApiServer } from './server.js';
import { WatchRecorder, kubeConfigFor, summary, waitUntil } from './spec-helpers.js';

function pod(name: string, namespace = 'default', labels: Record<string, string> = {}) {
  return { metadata: { name, namespace, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
}

describe('FakeKubeApiServer list and watch', () => {
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

  it('a watch from a list resourceVersion sees exactly the later changes, replayed then live, in rv order', async () => {
    server.create('Pod', pod('a'));
    server.create('Pod', pod('b'));
    server.create('Service', { metadata: { name: 'other-kind' }, spec: {} });
    const core = kubeConfigFor(server).makeApiClient(CoreV1Api);
    const list = await core.listPodForAllNamespaces({});
    expect(list.metadata?.resourceVersion).toBe(server.resourceVersion);
    expect(list.items.map((item) => item.metadata?.name)).toEqual(['a', 'b']);

    server.mergePatch('Pod', 'default', 'a', { metadata: { labels: { tier: 'web' } } });
    server.create('Pod', pod('c', 'blue'));
    const recorder = await watch('/api/v1/pods', { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true });
    server.delete('Pod', 'default', 'b');
    server.create('Service', { metadata: { name: 'ignored' }, spec: {} });

    const events = await recorder.waitForChanges(3);
    expect(summary(events)).toEqual([
      { type: 'MODIFIED', name: 'a', rv: '4' },
      { type: 'ADDED', name: 'c', rv: '5' },
      { type: 'DELETED', name: 'b', rv: '6' },
    ]);
    expect(events[0].object.kind).toBe('Pod');
    expect(events[0].object.apiVersion).toBe('v1');
    expect(events[0].object.metadata.labels).toEqual({ tier: 'web' });
    expect(events[2].object.metadata.deletionTimestamp).toEqual(expect.any(String));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(recorder.changes()).toHaveLength(3);
  });

  it('a watch without a resourceVersion (or with "0") starts with an ADDED per existing object, then goes live', async () => {
    server.create('Node', { metadata: { name: 'n1' } });
    server.create('Node', { metadata: { name: 'n2' } });
    for (const resourceVersion of [undefined, '0']) {
      const recorder = await watch('/api/v1/nodes', { resourceVersion });
      await recorder.waitForChanges(2);
      expect(summary(recorder.changes()).map((event) => `${event.type} ${event.name}`)).toEqual(['ADDED n1', 'ADDED n2']);
      recorder.stop();
    }
    const live = await watch('/api/v1/nodes');
    await live.waitForChanges(2);
    server.mergePatch('Node', undefined, 'n2', { spec: { unschedulable: true } });
    await live.waitForChanges(3);
    expect(live.changes()[2]).toMatchObject({ type: 'MODIFIED', object: { kind: 'Node', spec: { unschedulable: true } } });
  });

  it('a namespaced path watches one namespace; a label selector turns entering and leaving into ADDED and DELETED', async () => {
    const ofBlue = await watch('/api/v1/namespaces/blue/pods', { resourceVersion: server.resourceVersion });
    const web = await watch('/api/v1/pods', { resourceVersion: server.resourceVersion, labelSelector: 'tier=web' });
    server.create('Pod', pod('p1', 'blue'));
    server.create('Pod', pod('p2', 'red', { tier: 'web' }));
    server.mergePatch('Pod', 'blue', 'p1', { metadata: { labels: { tier: 'web' } } });
    server.mergePatch('Pod', 'blue', 'p1', { metadata: { annotations: { touched: 'yes' } } });
    server.mergePatch('Pod', 'blue', 'p1', { metadata: { labels: { tier: 'db' } } });
    server.delete('Pod', 'blue', 'p1');

    await ofBlue.waitForChanges(5);
    expect(ofBlue.changes().map((event) => event.type)).toEqual(['ADDED', 'MODIFIED', 'MODIFIED', 'MODIFIED', 'DELETED']);
    expect(ofBlue.changes().every((event) => event.object.metadata.namespace === 'blue')).toBe(true);
    await web.waitForChanges(4);
    expect(summary(web.changes()).map((event) => `${event.type} ${event.name}`)).toEqual(['ADDED p2', 'ADDED p1', 'MODIFIED p1', 'DELETED p1']);
    expect(web.changes()[3].object.metadata.labels).toEqual({ tier: 'db' });
  });

  it('a watch on one object path and a fieldSelector see only that object', async () => {
    server.create('Pod', pod('x'));
    server.create('Pod', pod('y'));
    const one = await watch('/api/v1/namespaces/default/pods/y', {});
    const byField = await watch('/api/v1/pods', { fieldSelector: 'metadata.name=x,metadata.namespace=default' });
    await one.waitForChanges(1);
    await byField.waitForChanges(1);
    server.mergePatch('Pod', 'default', 'x', { status: { phase: 'Running' } });
    server.mergePatch('Pod', 'default', 'y', { status: { phase: 'Running' } });
    await one.waitForChanges(2);
    await byField.waitForChanges(2);
    expect(summary(one.changes()).map((event) => event.name)).toEqual(['y', 'y']);
    expect(summary(byField.changes()).map((event) => event.name)).toEqual(['x', 'x']);
  });

  it('bookmarks carry the current resourceVersion, on demand and on the interval, only when allowed', async () => {
    server.create('Pod', pod('a'));
    const allowed = await watch('/api/v1/pods', { resourceVersion: server.resourceVersion, allowWatchBookmarks: true });
    const notAllowed = await watch('/api/v1/pods', { resourceVersion: server.resourceVersion });
    server.create('Namespace', { metadata: { name: 'moves-the-global-rv' } });
    server.sendBookmarks();
    await waitUntil(() => allowed.events.length === 1, 'a bookmark');
    expect(allowed.events[0]).toEqual({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '2' } } });
    expect(notAllowed.events).toEqual([]);

    const ticking = await FakeKubeApiServer.start({ bookmarkIntervalMs: 30 });
    try {
      ticking.create('Pod', pod('t'));
      const recorder = await WatchRecorder.start(kubeConfigFor(ticking), '/api/v1/pods', { allowWatchBookmarks: true });
      recorders.push(recorder);
      await waitUntil(() => recorder.changes(['BOOKMARK']).length >= 2, 'two interval bookmarks');
      ticking.create('Pod', pod('u'));
      await waitUntil(() => recorder.events.at(-1)?.type === 'BOOKMARK' && recorder.events.at(-1)?.object.metadata.resourceVersion === '2', 'a bookmark at rv 2');
      expect(recorder.changes().map((event) => event.type)).toEqual(['ADDED', 'ADDED']);
    } finally {
      await ticking.close();
    }
  });

  it('timeoutSeconds ends the stream cleanly, and a client that goes away frees its watch', async () => {
    const started = Date.now();
    const timed = await watch('/api/v1/pods', { timeoutSeconds: 1 });
    expect(await timed.done).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    const left = await watch('/api/v1/pods', {});
    await waitUntil(() => server.openWatches === 1, 'one open watch');
    left.stop();
    await waitUntil(() => server.openWatches === 0, 'the watch to be freed');
  });

  it('serves every kind at its path, with TypeMeta on gets and watch events (but, as the real server, not on list items)', async () => {
    server.create('Namespace', { metadata: { name: 'blue' } });
    server.create('Service', { metadata: { name: 's', namespace: 'blue' }, spec: { clusterIP: '10.0.0.1' } });
    server.create('EndpointSlice', { metadata: { name: 's-1', namespace: 'blue', labels: { 'kubernetes.io/service-name': 's' } }, addressType: 'IPv4', endpoints: [] });
    server.create('NetworkPolicy', { metadata: { name: 'deny', namespace: 'blue' }, spec: { podSelector: {} } });
    server.create('Event', { metadata: { name: 'e', namespace: 'blue' }, reason: 'Started', involvedObject: { kind: 'Pod', name: 'p' } });
    const config = kubeConfigFor(server);
    const core = config.makeApiClient(CoreV1Api);
    const discovery = config.makeApiClient(DiscoveryV1Api);
    const networking = config.makeApiClient(NetworkingV1Api);

    const namespace = await core.readNamespace({ name: 'blue' });
    expect(namespace.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'blue' });
    expect((await core.listNamespacedService({ namespace: 'blue' })).items.map((item) => item.spec?.clusterIP)).toEqual(['10.0.0.1']);
    expect((await core.listServiceForAllNamespaces({})).items).toHaveLength(1);
    expect((await core.listNamespacedEvent({ namespace: 'blue' })).items[0].reason).toBe('Started');
    const slices = await discovery.listEndpointSliceForAllNamespaces({ labelSelector: 'kubernetes.io/service-name=s' });
    expect(slices.items.map((item) => item.metadata?.name)).toEqual(['s-1']);
    expect((await discovery.listNamespacedEndpointSlice({ namespace: 'red' })).items).toEqual([]);
    const policy = await networking.readNamespacedNetworkPolicy({ name: 'deny', namespace: 'blue' });
    expect([policy.kind, policy.apiVersion]).toEqual(['NetworkPolicy', 'networking.k8s.io/v1']);

    const raw = (await (await fetch(`${server.url}/apis/networking.k8s.io/v1/networkpolicies`)).json()) as Record<string, any>;
    expect(raw).toMatchObject({ kind: 'NetworkPolicyList', apiVersion: 'networking.k8s.io/v1', metadata: { resourceVersion: '5' } });
    expect(raw.items[0].kind).toBeUndefined();
    expect(raw.items[0].metadata.name).toBe('deny');
    const single = (await (await fetch(`${server.url}/apis/discovery.k8s.io/v1/namespaces/blue/endpointslices/s-1`)).json()) as Record<string, any>;
    expect([single.kind, single.apiVersion]).toEqual(['EndpointSlice', 'discovery.k8s.io/v1']);
  });

  it('lists filter by label and field selectors', async () => {
    server.create('Pod', pod('a', 'blue', { app: 'x', tier: 'web' }));
    server.create('Pod', pod('b', 'blue', { app: 'x' }));
    server.create('Pod', pod('c', 'red', { app: 'y' }));
    const core = kubeConfigFor(server).makeApiClient(CoreV1Api);
    const names = async (request: { labelSelector?: string; fieldSelector?: string }) =>
      (await core.listPodForAllNamespaces(request)).items.map((item) => item.metadata?.name);
    expect(await names({ labelSelector: 'app=x,tier=web' })).toEqual(['a']);
    expect(await names({ labelSelector: 'app=x,tier!=web' })).toEqual(['b']);
    expect(await names({ labelSelector: 'app in (x,y),!tier' })).toEqual(['b', 'c']);
    expect(await names({ fieldSelector: 'metadata.namespace=blue' })).toEqual(['a', 'b']);
    expect(await names({ fieldSelector: 'metadata.name!=a', labelSelector: 'app=x' })).toEqual(['b']);
  });
});
