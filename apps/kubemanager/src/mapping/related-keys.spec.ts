import { describe, expect, it } from '@jest/globals';
import { endpointSlice, MemorySnapshot, namespace, networkPolicy, node, pod, service } from './kube-fixtures.test.js';
import { keysAffectedBy } from './related-keys.js';

const key = (kind: string, object: { metadata?: { uid?: string } }) => `${kind}/${object.metadata!.uid}`;

describe('keysAffectedBy (docs/kubemanager.md §5 related keys)', () => {
  const shop = namespace('shop');
  const ops = namespace('ops');
  const web = pod('web-0', 'shop');
  const db = pod('db-0', 'shop');
  const prom = pod('prom-0', 'ops');
  const webSvc = service('web', 'shop');
  const dbSvc = service('db', 'shop');
  const opsSvc = service('prom', 'ops');
  const slice = endpointSlice('web-abc', webSvc, [{ pod: web }]);
  const npShop = networkPolicy('deny', 'shop', { podSelector: {} });
  const npOps = networkPolicy('allow', 'ops', { podSelector: {} });
  const worker = node('worker-1', [{ type: 'InternalIP', address: '192.168.0.1' }]);
  const snap = new MemorySnapshot([shop, ops, web, db, prom, webSvc, dbSvc, opsSvc, slice, npShop, npOps, worker]);

  it('marks for a pod: itself, every NetworkPolicy, and the Services whose slices name it', () => {
    expect(keysAffectedBy('Pod', web, snap)).toEqual([key('Pod', web), key('NetworkPolicy', npShop), key('NetworkPolicy', npOps), key('Service', webSvc)]);
    expect(keysAffectedBy('Pod', db, snap)).not.toContain(key('Service', webSvc));
  });

  it('marks for an EndpointSlice its Service only', () => {
    expect(keysAffectedBy('EndpointSlice', slice, snap)).toEqual([key('Service', webSvc)]);
  });

  it('marks for a NetworkPolicy itself and the pods of its namespace', () => {
    expect(keysAffectedBy('NetworkPolicy', npShop, snap)).toEqual([key('NetworkPolicy', npShop), key('Pod', web), key('Pod', db)]);
  });

  it('marks for a Namespace itself, its pods and services, and every NetworkPolicy (namespaceSelectors)', () => {
    expect(keysAffectedBy('Namespace', shop, snap)).toEqual([
      key('Namespace', shop),
      key('Pod', web),
      key('Pod', db),
      key('Service', webSvc),
      key('Service', dbSvc),
      key('NetworkPolicy', npShop),
      key('NetworkPolicy', npOps),
    ]);
  });

  it('marks for a Node or a Service only itself', () => {
    expect(keysAffectedBy('Node', worker, snap)).toEqual([key('Node', worker)]);
    expect(keysAffectedBy('Service', opsSvc, snap)).toEqual([key('Service', opsSvc)]);
  });
});
