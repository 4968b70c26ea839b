import { describe, expect, it } from '@jest/globals';
import { desiredForKey } from './desired-for-key.js';
import {
  bodyProblems,
  endpointSlice,
  MemorySnapshot,
  namespace,
  networkPolicy,
  node,
  pod,
  service,
  TestContext,
} from './kube-fixtures.test.js';
import { primaryInterfaceUuid } from './pod-interfaces.js';

/** A small but complete cluster: every kind, isolation, annotations, policies of every peer kind, a VIP. */
function wholeCluster() {
  const ctx = new TestContext('east');
  ctx.networks.add('default-domain:shared:backbone').add('default-domain:blue:frontend');
  const web = pod('web-0', 'shop', { labels: { app: 'web' }, ports: [{ name: 'http', containerPort: 8080 }] });
  const db = pod('db-0', 'vault', { labels: { app: 'db' }, annotations: { 'k8s.v1.cni.cncf.io/networks': 'shared/backbone' } });
  const fe = pod('fe-0', 'shop', { annotations: { 'opencontrail.org/network': "{'project': 'blue', 'name': 'frontend'}" } });
  for (const [p, ip] of [[web, '10.32.0.5'], [db, '10.32.0.6'], [fe, '10.32.0.7']] as const) ctx.addresses.set(primaryInterfaceUuid('east', p.metadata!.uid!), [ip]);
  const svc = service('web', 'shop', { clusterIP: '10.96.0.20' });
  const objects = [
    namespace('default'),
    namespace('shop'),
    namespace('vault', { labels: { 'core.juniper.net/isolated-namespace': 'true', team: 'vault' } }),
    node('worker-1', [{ type: 'InternalIP', address: '192.168.0.11' }]),
    node('worker-2', [{ type: 'InternalIP', address: 'fd00::11' }]),
    web,
    db,
    fe,
    svc,
    endpointSlice('web-1', svc, [{ pod: web }]),
    service('db', 'vault', { clusterIP: '10.96.0.21' }),
    networkPolicy('web', 'shop', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ _from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { team: 'vault' } } }], ports: [{ port: 'http' }, { port: 9090, protocol: 'SCTP' }] }],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.0.0/16'] } }] }],
    }),
    networkPolicy('deny', 'vault', { podSelector: {}, ingress: [] }),
  ];
  return { ctx, snap: new MemorySnapshot(objects), objects };
}

describe('desiredForKey (docs/kubemanager.md §2, §3)', () => {
  it('maps every key of a whole cluster to bodies the config API’s validator accepts', () => {
    const { ctx, snap, objects } = wholeCluster();
    const keys = ['Cluster/east', ...objects.filter((o) => o.kind !== 'EndpointSlice').map((o) => `${o.kind}/${o.metadata!.uid}`)];
    const desired = keys.flatMap((key) => desiredForKey(key, snap, ctx).objects);
    expect(desired.length).toBeGreaterThan(25);
    expect(bodyProblems(desired)).toEqual([]);
    // Every uuid and every (type, fq_name) once across all keys: no two keys fight over an object.
    expect(new Set(desired.map((o) => o.uuid)).size).toBe(desired.length);
    expect(new Set(desired.map((o) => `${o.type} ${o.fqName.join(':')}`)).size).toBe(desired.length);
    for (const key of keys) for (const object of desiredForKey(key, snap, ctx).objects) expect(object.ownerKey).toBe(key);
  });

  it('would catch a body the config API refuses (the validator check is live)', () => {
    const { ctx, snap } = wholeCluster();
    const [router] = desiredForKey(`Node/${snap.node('worker-1')!.metadata!.uid}`, snap, ctx).objects;
    expect(bodyProblems([{ ...router, body: { ...router.body, virtual_router_ip_address: 'worker-1' } }])).toEqual([
      expect.stringContaining('virtual_router_ip_address'),
    ]);
  });

  it('wants nothing for a key whose object is gone, a foreign cluster, or a malformed key', () => {
    const { ctx, snap } = wholeCluster();
    for (const key of ['Pod/0b7c0d3e-1111-4111-8111-111111111111', 'Cluster/west', 'Ingress/x', 'nonsense']) {
      expect(desiredForKey(key, snap, ctx)).toEqual({ objects: [], problems: [] });
    }
  });

  it('is pure: the same snapshot and context give the same objects', () => {
    const { ctx, snap, objects } = wholeCluster();
    for (const object of objects) {
      const key = `${object.kind}/${object.metadata!.uid}`;
      expect(desiredForKey(key, snap, ctx)).toEqual(desiredForKey(key, snap, ctx));
    }
  });
});
