import { describe, expect, it } from '@jest/globals';
import { bodyProblems, byFq, MemorySnapshot, namespace, networkPolicy, pairs, pod, TestContext } from './kube-fixtures.test.js';
import { objectUuid } from './object-uuid.js';
import { podObjects } from './pod-objects.js';

const C = 'east';
const PROJECT = ['default-domain', 'east-shop'];
const DEFAULT_POD_NETWORK = ['default-domain', 'east-default', 'east-default-pod-network'];

function setup() {
  const ctx = new TestContext(C);
  const snap = new MemorySnapshot([namespace('default'), namespace('shop')]);
  return { ctx, snap };
}

describe('podObjects (docs/kubemanager.md §3 Pod)', () => {
  it('makes the VM (uuid = pod UID), the primary interface bound to the node, and its instance-ip', () => {
    const { ctx, snap } = setup();
    const p = pod('web-0', 'shop', { node: 'worker-2', labels: { app: 'web' } });
    snap.put(p);
    const uid = p.metadata!.uid!;
    const { objects, problems } = podObjects(p, snap, ctx);
    expect(problems).toEqual([]);
    const named = byFq(objects);
    expect([...named.keys()]).toEqual([
      'virtual-machine east__shop__web-0',
      `virtual-machine-interface default-domain:east-shop:web-0__${uid}`,
      `instance-ip web-0__${uid}`,
    ]);
    expect(named.get('virtual-machine east__shop__web-0')).toMatchObject({ uuid: uid, body: { server_type: 'container' }, ownerKey: `Pod/${uid}` });
    const vmi = named.get(`virtual-machine-interface default-domain:east-shop:web-0__${uid}`)!;
    expect(vmi).toMatchObject({ uuid: objectUuid(C, 'vmi', uid), parentType: 'project' });
    expect(vmi.body).toEqual({
      annotations: expect.anything(),
      virtual_machine_refs: [{ to: ['east__shop__web-0'] }],
      virtual_network_refs: [{ to: DEFAULT_POD_NETWORK }],
      virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: 'east__worker-2' }] },
      security_group_refs: [{ to: [...PROJECT, 'east-shop-default-sg'] }],
    });
    expect(pairs(vmi.body.annotations)).toEqual({ owner: 'k8s', cluster: C, kind: 'Pod', k8s_uuid: uid, namespace: 'shop', name: 'web-0' });
    expect(named.get(`instance-ip web-0__${uid}`)).toMatchObject({
      uuid: objectUuid(C, 'iip', uid),
      body: { virtual_network_refs: [{ to: DEFAULT_POD_NETWORK }], virtual_machine_interface_refs: [{ to: [...PROJECT, `web-0__${uid}`] }] },
    });
    expect(named.get(`instance-ip web-0__${uid}`)!.body).not.toHaveProperty('instance_ip_address');
    expect(bodyProblems(objects)).toEqual([]);
  });

  it('puts the interface of a pod of namespace default in the cluster project', () => {
    const { ctx, snap } = setup();
    const p = pod('dns', 'default');
    const vmi = podObjects(p, snap, ctx).objects.find((o) => o.type === 'virtual-machine-interface')!;
    expect(vmi.fqName).toEqual(['default-domain', 'east-default', `dns__${p.metadata!.uid}`]);
    expect(vmi.body.security_group_refs).toEqual([{ to: ['default-domain', 'east-default', 'east-default-default-sg'] }]);
  });

  it.each([
    ['not scheduled', { node: null }],
    ['hostNetwork', { hostNetwork: true }],
    ['Succeeded', { phase: 'Succeeded' }],
    ['Failed', { phase: 'Failed' }],
    ['being deleted', { deleting: true }],
  ])('makes nothing for a pod %s (so its config is deleted)', (_why, options) => {
    const { ctx, snap } = setup();
    expect(podObjects(pod('job', 'shop', options), snap, ctx)).toEqual({ objects: [], problems: [] });
  });

  describe("the pod's network", () => {
    const networkOf = (objects: ReturnType<typeof podObjects>['objects']) =>
      objects.find((o) => o.type === 'virtual-machine-interface' && !o.fqName.at(-1)!.includes('__net'))?.body.virtual_network_refs;

    it('is the pod annotation’s network (JSON)', () => {
      const { ctx, snap } = setup();
      ctx.networks.add('default-domain:blue:frontend');
      const p = pod('a', 'shop', { annotations: { 'opencontrail.org/network': '{"domain":"default-domain","project":"blue","name":"frontend"}' } });
      expect(networkOf(podObjects(p, snap, ctx).objects)).toEqual([{ to: ['default-domain', 'blue', 'frontend'] }]);
    });

    it('is else the namespace annotation’s network (Python-dict text)', () => {
      const { ctx, snap } = setup();
      ctx.networks.add('default-domain:blue:backend');
      snap.put(namespace('shop', { annotations: { 'opencontrail.org/network': "{'domain': 'default-domain', 'project': 'blue', 'name': 'backend'}" } }));
      expect(networkOf(podObjects(pod('a', 'shop'), snap, ctx).objects)).toEqual([{ to: ['default-domain', 'blue', 'backend'] }]);
    });

    it('is else the isolated namespace’s own pod network', () => {
      const { ctx, snap } = setup();
      snap.put(namespace('shop', { labels: { 'core.juniper.net/isolated-namespace': 'true' } }));
      expect(networkOf(podObjects(pod('a', 'shop'), snap, ctx).objects)).toEqual([{ to: [...PROJECT, 'east-shop-pod-network'] }]);
    });

    it('is else the cluster’s default pod network', () => {
      const { ctx, snap } = setup();
      expect(networkOf(podObjects(pod('a', 'shop'), snap, ctx).objects)).toEqual([{ to: DEFAULT_POD_NETWORK }]);
    });

    it('is none when the annotation does not parse: the VM only, and an InvalidNetworkAnnotation problem', () => {
      const { ctx, snap } = setup();
      const p = pod('a', 'shop', { annotations: { 'opencontrail.org/network': '{"project": "blue", "name": ' } });
      const { objects, problems } = podObjects(p, snap, ctx);
      expect(objects.map((o) => o.type)).toEqual(['virtual-machine']);
      expect(problems).toEqual([
        expect.objectContaining({ kind: 'Pod', namespace: 'shop', name: 'a', reason: 'InvalidNetworkAnnotation', key: `Pod/${p.metadata!.uid}` }),
      ]);
    });

    it('is none when the annotation names a network that does not exist: a NetworkNotFound problem', () => {
      const { ctx, snap } = setup();
      const p = pod('a', 'shop', { annotations: { 'opencontrail.org/network': '{"project": "blue", "name": "gone"}' } });
      const { problems } = podObjects(p, snap, ctx);
      expect(problems).toEqual([expect.objectContaining({ reason: 'NetworkNotFound', message: expect.stringContaining('default-domain:blue:gone') })]);
    });
  });

  describe('extra interfaces (k8s.v1.cni.cncf.io/networks)', () => {
    it('adds net<i> per entry, in the VN of the entry’s namespace (default: the pod’s), with the default group', () => {
      const { ctx, snap } = setup();
      ctx.networks.add('default-domain:shop:storage').add('default-domain:shared:backbone');
      const p = pod('db-0', 'shop', { annotations: { 'k8s.v1.cni.cncf.io/networks': 'storage, shared/backbone' } });
      const uid = p.metadata!.uid!;
      const { objects, problems } = podObjects(p, snap, ctx);
      expect(problems).toEqual([]);
      const named = byFq(objects);
      const net2 = named.get(`virtual-machine-interface default-domain:east-shop:db-0__${uid}__net2`)!;
      expect(net2.uuid).toBe(objectUuid(C, 'vmi:2', uid));
      expect(net2.body).toMatchObject({
        virtual_network_refs: [{ to: ['default-domain', 'shared', 'backbone'] }],
        security_group_refs: [{ to: [...PROJECT, 'east-shop-default-sg'] }],
      });
      expect(named.get(`instance-ip db-0__${uid}__net1`)).toMatchObject({
        uuid: objectUuid(C, 'iip:1', uid),
        body: { virtual_network_refs: [{ to: ['default-domain', 'shop', 'storage'] }] },
      });
      expect(objects).toHaveLength(7);
      expect(bodyProblems(objects)).toEqual([]);
    });

    it('reads the JSON list form too', () => {
      const { ctx, snap } = setup();
      ctx.networks.add('default-domain:shared:backbone');
      const p = pod('db-0', 'shop', { annotations: { 'k8s.v1.cni.cncf.io/networks': '[{"name": "backbone", "namespace": "shared"}]' } });
      expect(podObjects(p, snap, ctx).objects.filter((o) => o.type === 'virtual-machine-interface')).toHaveLength(2);
    });

    it('makes the others and the primary when one names an unknown network, keeping each one’s index', () => {
      const { ctx, snap } = setup();
      ctx.networks.add('default-domain:shared:backbone');
      const p = pod('db-0', 'shop', { annotations: { 'k8s.v1.cni.cncf.io/networks': 'nowhere, shared/backbone' } });
      const { objects, problems } = podObjects(p, snap, ctx);
      expect(objects.filter((o) => o.type === 'virtual-machine-interface').map((o) => o.fqName.at(-1))).toEqual([
        `db-0__${p.metadata!.uid}`,
        `db-0__${p.metadata!.uid}__net2`,
      ]);
      expect(problems).toEqual([
        expect.objectContaining({ reason: 'NetworkNotFound', message: expect.stringContaining('network default-domain:shop:nowhere named by annotation k8s.v1.cni.cncf.io/networks') }),
      ]);
    });

    it('makes the primary only when the list does not parse', () => {
      const { ctx, snap } = setup();
      const p = pod('db-0', 'shop', { annotations: { 'k8s.v1.cni.cncf.io/networks': '[{"name": ' } });
      const { objects, problems } = podObjects(p, snap, ctx);
      expect(objects.filter((o) => o.type === 'virtual-machine-interface')).toHaveLength(1);
      expect(problems).toEqual([expect.objectContaining({ reason: 'InvalidNetworkAnnotation' })]);
    });
  });

  describe('security groups (§4)', () => {
    it('refs the groups of the policies that select the pod, sorted by name; else the default group', () => {
      const { ctx, snap } = setup();
      snap.put(networkPolicy('zeta', 'shop', { podSelector: {} }));
      snap.put(networkPolicy('alpha', 'shop', { podSelector: { matchLabels: { app: 'web' } } }));
      snap.put(networkPolicy('other', 'shop', { podSelector: { matchLabels: { app: 'db' } } }));
      snap.put(networkPolicy('elsewhere', 'default', { podSelector: {} }));
      const sgs = (p: ReturnType<typeof pod>) => podObjects(p, snap, ctx).objects.find((o) => o.type === 'virtual-machine-interface')!.body.security_group_refs;
      expect(sgs(pod('web-0', 'shop', { labels: { app: 'web' } }))).toEqual([{ to: [...PROJECT, 'east-shop-alpha-np'] }, { to: [...PROJECT, 'east-shop-zeta-np'] }]);
      snap.remove(snap.networkPoliciesIn('shop').find((p) => p.metadata!.name === 'zeta')!);
      expect(sgs(pod('cache', 'shop', { labels: { app: 'cache' } }))).toEqual([{ to: [...PROJECT, 'east-shop-default-sg'] }]);
    });
  });
});
