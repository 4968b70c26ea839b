// The writes a kubemanager makes (pod annotation patches, events), and create/replace/delete for every kind.
import { ApiException, CoreV1Api, NetworkingV1Api, PatchStrategy, type V1Pod, setHeaderOptions } from '@kubernetes/client-node';
import { FakeKubeApiServer } from './server.js';
import { WatchRecorder, kubeConfigFor, summary } from './spec-helpers.js';

describe('FakeKubeApiServer writes', () => {
  let server: FakeKubeApiServer;
  let core: CoreV1Api;
  let recorder: WatchRecorder | undefined;

  beforeEach(async () => {
    server = await FakeKubeApiServer.start({ bookmarkIntervalMs: 0 });
    core = kubeConfigFor(server).makeApiClient(CoreV1Api);
    server.create('Pod', { metadata: { name: 'web', namespace: 'blue', annotations: { keep: 'me', drop: 'me' } }, spec: { containers: [] } });
  });

  afterEach(async () => {
    recorder?.stop();
    recorder = undefined;
    await server.close();
  });

  async function codeOf(call: Promise<unknown>): Promise<number> {
    try {
      await call;
    } catch (error) {
      if (error instanceof ApiException) return error.code;
      throw error;
    }
    throw new Error('the call succeeded');
  }

  it('a merge patch of pod annotations adds, changes and (with null) removes keys, and is watched as MODIFIED', async () => {
    recorder = await WatchRecorder.start(kubeConfigFor(server), '/api/v1/namespaces/blue/pods', { resourceVersion: server.resourceVersion });
    const before = server.get('Pod', 'blue', 'web') as V1Pod;
    const patched = await core.patchNamespacedPod(
      { name: 'web', namespace: 'blue', body: { metadata: { annotations: { 'contrail/vn': 'blue-net', drop: null } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.metadata?.annotations).toEqual({ keep: 'me', 'contrail/vn': 'blue-net' });
    expect(patched.metadata?.uid).toBe(before.metadata?.uid);
    expect(patched.metadata?.resourceVersion).toBe('2');
    expect(server.get('Pod', 'blue', 'web')?.metadata.annotations).toEqual({ keep: 'me', 'contrail/vn': 'blue-net' });

    const events = await recorder.waitForChanges(1);
    expect(summary(events)).toEqual([{ type: 'MODIFIED', name: 'web', rv: '2' }]);
    expect(events[0].object.metadata.annotations).toEqual({ keep: 'me', 'contrail/vn': 'blue-net' });
  });

  it('a strategic merge patch is taken as a merge patch; a JSON patch is applied; an apply patch is refused with 415', async () => {
    await core.patchNamespacedPod(
      { name: 'web', namespace: 'blue', body: { metadata: { labels: { app: 'web' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(server.get('Pod', 'blue', 'web')?.metadata.labels).toEqual({ app: 'web' });
    // client-node's default patch type is a JSON patch
    const jsonPatched = await core.patchNamespacedPod({
      name: 'web',
      namespace: 'blue',
      body: [
        { op: 'test', path: '/metadata/labels/app', value: 'web' },
        { op: 'add', path: '/metadata/annotations/a~1b', value: 'slash' },
      ],
    });
    expect(jsonPatched.metadata?.annotations?.['a/b']).toBe('slash');
    const failedTest = codeOf(
      core.patchNamespacedPod({ name: 'web', namespace: 'blue', body: [{ op: 'test', path: '/metadata/labels/app', value: 'db' }] }),
    );
    expect(await failedTest).toBe(422);
    const apply = codeOf(
      core.patchNamespacedPod({ name: 'web', namespace: 'blue', body: { metadata: {} } }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply)),
    );
    expect(await apply).toBe(415);
    expect(server.get('Pod', 'blue', 'web')?.metadata.resourceVersion).toBe('3');
  });

  it('a patch that changes nothing takes no resourceVersion and makes no event', async () => {
    recorder = await WatchRecorder.start(kubeConfigFor(server), '/api/v1/pods', { resourceVersion: server.resourceVersion });
    const same = await core.patchNamespacedPod(
      { name: 'web', namespace: 'blue', body: { metadata: { annotations: { keep: 'me' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(same.metadata?.resourceVersion).toBe('1');
    server.mergePatch('Pod', 'blue', 'web', { metadata: { annotations: { changed: 'now' } } });
    expect(summary(await recorder.waitForChanges(1))).toEqual([{ type: 'MODIFIED', name: 'web', rv: '2' }]);
  });

  it('POST of an Event stores it as a kind like the others (201, watched, listed)', async () => {
    recorder = await WatchRecorder.start(kubeConfigFor(server), '/api/v1/namespaces/blue/events', {});
    const created = await core.createNamespacedEvent({
      namespace: 'blue',
      body: {
        metadata: { name: 'web.17a3f', namespace: 'blue' },
        involvedObject: { kind: 'Pod', name: 'web', namespace: 'blue' },
        reason: 'InterfaceAttached',
        message: 'attached to blue-net',
        type: 'Normal',
        source: { component: 'kubemanager' },
      },
    });
    expect(created.metadata?.uid).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.kind).toBe('Event');
    const events = await recorder.waitForChanges(1);
    expect(events[0]).toMatchObject({ type: 'ADDED', object: { kind: 'Event', reason: 'InterfaceAttached' } });
    expect((await core.listEventForAllNamespaces({})).items.map((item) => item.message)).toEqual(['attached to blue-net']);

    const raw = await fetch(`${server.url}/api/v1/namespaces/blue/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Event', metadata: { generateName: 'web.' }, reason: 'Again' }),
    });
    expect(raw.status).toBe(201);
    const body = (await raw.json()) as { metadata: { name: string; namespace: string } };
    expect(body.metadata.name).toMatch(/^web\.[a-z0-9]{5}$/);
    expect(body.metadata.namespace).toBe('blue');
  });

  it('PUT replaces an object, keeping its uid; a stale resourceVersion is a 409 Conflict', async () => {
    const networking = kubeConfigFor(server).makeApiClient(NetworkingV1Api);
    const policy = await networking.createNamespacedNetworkPolicy({ namespace: 'blue', body: { metadata: { name: 'deny' }, spec: { podSelector: {} } } });
    expect(policy.metadata?.generation).toBe(1);
    const replaced = await networking.replaceNamespacedNetworkPolicy({
      name: 'deny',
      namespace: 'blue',
      body: { ...policy, spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] } },
    });
    expect(replaced.metadata?.uid).toBe(policy.metadata?.uid);
    expect(replaced.metadata?.generation).toBe(2);
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(policy.metadata?.resourceVersion));
    const stale = networking.replaceNamespacedNetworkPolicy({ name: 'deny', namespace: 'blue', body: policy });
    expect(await codeOf(stale)).toBe(409);
    expect(server.get('NetworkPolicy', 'blue', 'deny')?.spec).toEqual({ podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] });
  });

  it('DELETE answers the last state and is watched as DELETED with a new resourceVersion', async () => {
    recorder = await WatchRecorder.start(kubeConfigFor(server), '/api/v1/pods', { resourceVersion: server.resourceVersion });
    const response = await fetch(`${server.url}/api/v1/namespaces/blue/pods/web`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    const deleted = (await response.json()) as { kind: string; metadata: { name: string; resourceVersion: string } };
    expect([deleted.kind, deleted.metadata.name, deleted.metadata.resourceVersion]).toEqual(['Pod', 'web', '2']);
    expect(summary(await recorder.waitForChanges(1))).toEqual([{ type: 'DELETED', name: 'web', rv: '2' }]);
    expect(server.get('Pod', 'blue', 'web')).toBeUndefined();
    expect(await codeOf(core.deleteNamespacedPod({ name: 'web', namespace: 'blue' }))).toBe(404);
    expect(await codeOf(core.patchNamespacedPod({ name: 'web', namespace: 'blue', body: {} }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)))).toBe(404);
  });

  it('create, replace and delete work for the cluster-scoped kinds too', async () => {
    const namespace = await core.createNamespace({ body: { metadata: { name: 'green', labels: { team: 'g' } } } });
    expect(namespace.metadata?.labels).toEqual({ team: 'g', 'kubernetes.io/metadata.name': 'green' });
    expect(namespace.status?.phase).toBe('Active');
    const node = await core.createNode({ body: { metadata: { name: 'worker-1' } } });
    expect(node.metadata?.namespace).toBeUndefined();
    const replaced = await core.replaceNode({ name: 'worker-1', body: { metadata: { name: 'worker-1', labels: { zone: 'a' } } } });
    expect(replaced.metadata?.labels).toEqual({ zone: 'a' });
    await core.deleteNamespace({ name: 'green' });
    expect(server.list('Namespace')).toEqual([]);
    expect(server.list('Node').map((item) => item.metadata.name)).toEqual(['worker-1']);
  });
});
