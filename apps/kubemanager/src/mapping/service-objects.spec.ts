import { describe, expect, it } from '@jest/globals';
import { bodyProblems, endpointSlice, MemorySnapshot, namespace, pairs, pod, service, TestContext } from './kube-fixtures.test.js';
import { objectUuid } from './object-uuid.js';
import { primaryInterfaceUuid } from './pod-interfaces.js';
import { serviceObjects } from './service-objects.js';

const C = 'east';

function setup() {
  const ctx = new TestContext(C);
  const web = [0, 1, 2, 3].map((i) => pod(`web-${i}`, 'shop', { labels: { app: 'web' } }));
  const svc = service('web', 'shop', { clusterIP: '10.96.12.34' });
  const snap = new MemorySnapshot([namespace('default'), namespace('shop'), svc, ...web]);
  return { ctx, snap, web, svc };
}

const vmiFq = (p: ReturnType<typeof pod>) => ['default-domain', 'east-shop', `${p.metadata!.name}__${p.metadata!.uid}`];

describe('serviceObjects (docs/kubemanager.md §3 Service)', () => {
  it('makes the VIP: the clusterIP on the service network, ref’ing the ready backends’ primary interfaces, sorted by uuid', () => {
    const { ctx, snap, web, svc } = setup();
    snap.put(endpointSlice('web-abc', svc, [{ pod: web[0] }, { pod: web[1], ready: false }]));
    snap.put(endpointSlice('web-def', svc, [{ pod: web[2] }, { pod: web[0] }]));
    const { objects, problems } = serviceObjects(svc, snap, ctx);
    expect(problems).toEqual([]);
    expect(objects).toHaveLength(1);
    const uid = svc.metadata!.uid!;
    const [vip] = objects;
    expect(vip).toMatchObject({
      type: 'instance-ip',
      uuid: objectUuid(C, 'vip', uid),
      fqName: [`east__shop__web__${uid}`],
      ownerKey: `Service/${uid}`,
      body: {
        instance_ip_address: '10.96.12.34',
        virtual_network_refs: [{ to: ['default-domain', 'east-default', 'east-default-service-network'] }],
      },
    });
    const backends = [web[0], web[2]].sort((a, b) => (primaryInterfaceUuid(C, a.metadata!.uid!) < primaryInterfaceUuid(C, b.metadata!.uid!) ? -1 : 1));
    expect(vip.body.virtual_machine_interface_refs).toEqual(backends.map((p) => ({ to: vmiFq(p) })));
    expect(pairs(vip.body.annotations)).toMatchObject({ kind: 'Service', namespace: 'shop', name: 'web' });
    expect(bodyProblems(objects)).toEqual([]);
  });

  it('leaves out backends that have no interface (finished, hostNetwork, gone) and pods of other namespaces', () => {
    const { ctx, snap, svc } = setup();
    const done = pod('batch', 'shop', { phase: 'Succeeded' });
    const host = pod('agent', 'shop', { hostNetwork: true });
    const stranger = pod('web-0', 'other');
    snap.put(done).put(host).put(stranger);
    snap.put(endpointSlice('web-x', svc, [{ pod: done }, { pod: host }, { pod: stranger }, { pod: pod('ghost', 'shop') }]));
    expect(serviceObjects(svc, snap, ctx).objects[0].body.virtual_machine_interface_refs).toEqual([]);
  });

  it('puts the VIP of an isolated namespace on its own service network', () => {
    const { ctx, snap, svc } = setup();
    snap.put(namespace('shop', { annotations: { 'opencontrail.org/isolation': 'true' } }));
    expect(serviceObjects(svc, snap, ctx).objects[0].body.virtual_network_refs).toEqual([
      { to: ['default-domain', 'east-shop', 'east-shop-service-network'] },
    ]);
  });

  it.each([
    ['headless', { clusterIP: 'None' }],
    ['ExternalName', { type: 'ExternalName', clusterIP: '' }],
  ])('skips a %s service', (_kind, options) => {
    const { ctx, snap } = setup();
    expect(serviceObjects(service('ext', 'shop', options), snap, ctx)).toEqual({ objects: [], problems: [] });
  });

  it('makes NodePort and LoadBalancer services a VIP too', () => {
    const { ctx, snap } = setup();
    for (const type of ['NodePort', 'LoadBalancer']) expect(serviceObjects(service('np', 'shop', { type }), snap, ctx).objects).toHaveLength(1);
  });

  it('makes no VIP for a clusterIP outside the service subnets, and says so', () => {
    const { ctx, snap } = setup();
    const { objects, problems } = serviceObjects(service('odd', 'shop', { clusterIP: '172.16.0.10' }), snap, ctx);
    expect(objects).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({ kind: 'Service', namespace: 'shop', name: 'odd', reason: 'ClusterIpOutsideServiceSubnets', message: expect.stringContaining('10.96.0.0/12') }),
    ]);
  });
});
