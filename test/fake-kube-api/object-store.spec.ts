// The in-process cluster: resource versions, metadata the server fills, preconditions, history and compaction.
import { KubeApiError } from './errors.js';
import type { Change } from './kind-history.js';
import { ObjectStore } from './object-store.js';

function failureOf(action: () => unknown): { code: number; reason: string; message: string } {
  try {
    action();
  } catch (error) {
    if (error instanceof KubeApiError) return { code: error.code, reason: error.reason, message: error.message };
    throw error;
  }
  throw new Error('no failure');
}

describe('ObjectStore', () => {
  let store: ObjectStore;

  beforeEach(() => {
    store = new ObjectStore();
  });

  it('create fills TypeMeta, uid, creationTimestamp, resourceVersion, generation and the default namespace', () => {
    const pod = store.create('Pod', { metadata: { name: 'a', uid: 'mine', resourceVersion: '77' }, spec: {} });
    expect(pod).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'a',
        namespace: 'default',
        uid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        resourceVersion: '1',
        creationTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        generation: 1,
      },
      spec: {},
    });
    expect(store.create('EndpointSlice', { metadata: { name: 's', namespace: 'x' }, endpoints: [] })).toMatchObject({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { resourceVersion: '2' },
    });
    expect(store.create('Node', { metadata: { name: 'n', namespace: 'ignored' } }).metadata.namespace).toBeUndefined();
    expect(store.resourceVersion).toBe('3');
  });

  it('one resourceVersion counter runs across kinds and every kind of write', () => {
    store.create('Namespace', { metadata: { name: 'blue' } });
    store.create('Pod', { metadata: { name: 'a', namespace: 'blue' } });
    store.mergePatch('Pod', 'blue', 'a', { metadata: { labels: { x: 'y' } } });
    store.update('Namespace', { metadata: { name: 'blue', annotations: { note: 'n' } } });
    const deleted = store.delete('Pod', 'blue', 'a');
    expect(deleted.metadata.resourceVersion).toBe('5');
    expect(deleted.metadata.deletionTimestamp).toEqual(expect.any(String));
    expect(store.get('Namespace', undefined, 'blue')?.metadata.resourceVersion).toBe('4');
    expect(store.changesSince('Pod', 0).map((change) => `${change.type}@${change.rv}`)).toEqual(['ADDED@2', 'MODIFIED@3', 'DELETED@5']);
    expect(store.changesSince('Namespace', 1).map((change) => `${change.type}@${change.rv}`)).toEqual(['MODIFIED@4']);
  });

  it('refuses a taken name (409), a missing name (422), a name with a slash, and an unknown kind', () => {
    store.create('Pod', { metadata: { name: 'a' } });
    expect(failureOf(() => store.create('Pod', { metadata: { name: 'a', namespace: 'default' } }))).toEqual({ code: 409, reason: 'AlreadyExists', message: 'pods "a" already exists' });
    expect(store.create('Pod', { metadata: { name: 'a', namespace: 'other' } }).metadata.resourceVersion).toBe('2');
    expect(failureOf(() => store.create('Pod', {}))).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(failureOf(() => store.create('Pod', { metadata: { name: 'a/b' } }))).toMatchObject({ code: 422, message: expect.stringContaining("may not contain '/'") });
    expect(failureOf(() => store.create('Widget' as 'Pod', { metadata: { name: 'w' } }))).toMatchObject({ code: 400 });
    expect(failureOf(() => store.create('Pod', { kind: 'Node', metadata: { name: 'w' } }))).toMatchObject({ code: 400 });
    expect(store.resourceVersion).toBe('2');
  });

  it('generateName makes a name with a random suffix', () => {
    const first = store.create('Event', { metadata: { generateName: 'pod.' } });
    const second = store.create('Event', { metadata: { generateName: 'pod.' } });
    expect(first.metadata.name).toMatch(/^pod\.[a-z0-9]{5}$/);
    expect(second.metadata.name).not.toBe(first.metadata.name);
  });

  it('update keeps uid and creationTimestamp, takes a resourceVersion as a precondition, and bumps generation on spec changes', () => {
    const created = store.create('Service', { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
    const relabelled = store.update('Service', { ...created, metadata: { ...created.metadata, labels: { a: 'b' }, uid: undefined, creationTimestamp: 'x' } });
    expect(relabelled.metadata).toMatchObject({ uid: created.metadata.uid, creationTimestamp: created.metadata.creationTimestamp, resourceVersion: '2', generation: 1 });
    const respecced = store.update('Service', { metadata: { name: 's' }, spec: { ports: [{ port: 81 }] } });
    expect(respecced.metadata).toMatchObject({ resourceVersion: '3', generation: 2 });
    expect(respecced.metadata.labels).toBeUndefined();

    expect(failureOf(() => store.update('Service', { ...created, spec: { ports: [] } }))).toMatchObject({ code: 409, reason: 'Conflict', message: expect.stringContaining('the object has been modified') });
    expect(failureOf(() => store.update('Service', { metadata: { name: 's', uid: 'other' } }))).toMatchObject({ code: 409, message: expect.stringContaining('Precondition failed: UID') });
    expect(failureOf(() => store.update('Service', { metadata: { name: 'missing' } }))).toMatchObject({ code: 404, message: 'services "missing" not found' });
    expect(failureOf(() => store.mergePatch('Service', 'default', 's', { metadata: { resourceVersion: '1' } }))).toMatchObject({ code: 409 });
    expect(store.resourceVersion).toBe('3');
  });

  it('a write that changes nothing keeps the resourceVersion and records no change', () => {
    const created = store.create('Pod', { metadata: { name: 'a', labels: { x: '1' } }, spec: { b: 1, a: 2 } });
    expect(store.update('Pod', { metadata: { name: 'a', labels: { x: '1' } }, spec: { a: 2, b: 1 } })).toEqual(created);
    expect(store.mergePatch('Pod', 'default', 'a', { metadata: { labels: { x: '1' } } })).toEqual(created);
    expect(store.changesSince('Pod', 0)).toHaveLength(1);
  });

  it('hands out copies: changing a returned object changes nothing stored', () => {
    const created = store.create('Pod', { metadata: { name: 'a', labels: { x: '1' } } });
    created.metadata.labels!.x = 'changed';
    store.get('Pod', 'default', 'a')!.metadata.labels!.x = 'changed';
    store.list('Pod')[0].metadata.labels!.x = 'changed';
    const input = { metadata: { name: 'b', labels: { y: '1' } } };
    store.create('Pod', input);
    input.metadata.labels.y = 'changed';
    expect(store.list('Pod').map((pod) => pod.metadata.labels)).toEqual([{ x: '1' }, { y: '1' }]);
    expect(store.changesSince('Pod', 0)[0].object.metadata.labels).toEqual({ x: '1' });
  });

  it('lists by kind and namespace; get of a missing object is undefined; delete of one is a 404', () => {
    store.create('Pod', { metadata: { name: 'a', namespace: 'blue' } });
    store.create('Pod', { metadata: { name: 'b', namespace: 'red' } });
    expect(store.list('Pod', 'red').map((pod) => pod.metadata.name)).toEqual(['b']);
    expect(store.list('Service')).toEqual([]);
    expect(store.get('Pod', 'blue', 'b')).toBeUndefined();
    expect(failureOf(() => store.delete('Pod', 'blue', 'b'))).toMatchObject({ code: 404, reason: 'NotFound' });
  });

  it('keeps the namespace name label that network policies select on', () => {
    store.create('Namespace', { metadata: { name: 'blue', labels: { 'kubernetes.io/metadata.name': 'wrong' } } });
    store.update('Namespace', { metadata: { name: 'blue', labels: {} } });
    expect(store.get('Namespace', undefined, 'blue')?.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'blue' });
  });

  it('replays from the kind history with a binary search, and compaction makes older rvs expire', () => {
    for (let i = 0; i < 10; i++) store.create(i % 2 ? 'Pod' : 'Node', { metadata: { name: `o${i}` } });
    expect(store.changesSince('Pod', 5).map((change) => change.rv)).toEqual([6, 8, 10]);
    expect(store.changesSince('Pod', 6).map((change) => change.rv)).toEqual([8, 10]);
    expect(store.changesSince('Pod', 10)).toEqual([]);
    store.compact();
    expect(store.changesSince('Pod', 10)).toEqual([]);
    expect(failureOf(() => store.changesSince('Node', 9))).toEqual({ code: 410, reason: 'Expired', message: 'too old resource version: 9 (10)' });
    expect(store.historyLength).toBe(0);
  });

  it('tells subscribers of each change of their kind, synchronously, until they unsubscribe', () => {
    const seen: Change[] = [];
    const unsubscribe = store.subscribe('Pod', (change) => seen.push(change));
    store.create('Pod', { metadata: { name: 'a' } });
    store.create('Node', { metadata: { name: 'n' } });
    store.mergePatch('Pod', 'default', 'a', { metadata: { labels: { x: 'y' } } });
    expect(seen.map((change) => [change.type, change.rv, change.previous?.metadata.resourceVersion])).toEqual([
      ['ADDED', 1, undefined],
      ['MODIFIED', 3, '1'],
    ]);
    unsubscribe();
    store.delete('Pod', 'default', 'a');
    expect(seen).toHaveLength(2);
  });
});
