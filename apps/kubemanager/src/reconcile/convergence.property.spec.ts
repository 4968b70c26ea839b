import { describe, expect, it } from '@jest/globals';
import type { KubernetesObject, V1NetworkPolicyPeer, V1NetworkPolicyPort, V1NetworkPolicySpec, V1Pod } from '@kubernetes/client-node';
import { desiredForKey } from '../mapping/desired-for-key.js';
import type { DesiredObject, OwnerKey } from '../mapping/desired-object.js';
import { endpointSlice, MemorySnapshot, namespace, networkPolicy, node, pod, service, uidFor } from '../mapping/kube-fixtures.test.js';
import { nameOf, namespaceOf } from '../mapping/kube-objects.js';
import type { MappingContext } from '../mapping/mapping-context.js';
import { changedFields } from './changed-fields.js';
import { FakeConfigStore } from './fake-config-store.test.js';
import { planKey } from './plan.js';
import { mulberry32 as prng } from '../../../../test/support/seeded-random.js';

/*
 * §5 as a property: whatever sequence of Kubernetes changes happens, reconciling every key (each key's plan run
 * in order, a refused command ending that key's turn until the next round, as the runtime retries) reaches a
 * config store equal to the union of desiredForKey over all keys — nothing missing, no orphans, no duplicates —
 * and the config API never refuses a body.
 */

const C = 'east';

class Random {
  constructor(private readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  subset<T>(items: readonly T[]): T[] {
    return items.filter(() => this.chance(0.5));
  }
}

const NAMESPACES = ['shop', 'vault', 'ops'];
const NODES = ['worker-1', 'worker-2', 'worker-3'];
const APPS = ['a', 'b', 'c'];
const TEAMS = ['red', 'blue'];
const POD_NAMES = ['p0', 'p1', 'p2', 'p3'];
const SERVICE_NAMES = ['s0', 's1'];
const POLICY_NAMES = ['np0', 'np1'];
const NETWORK_ANNOTATIONS = ["{'project': 'blue', 'name': 'frontend'}", '{"project": "blue", "name": "nope"}', '{"project": '];
const NETWORKS_ANNOTATIONS = ['shared/backbone', 'storage', 'missing, shared/backbone', '[{"name": "backbone", "namespace": "shared"}]', 'x@y'];

/** The Kubernetes side: a snapshot and the changes a cluster goes through. */
class KubeWorld {
  readonly snap = new MemorySnapshot([namespace('default')]);
  private generation = 0;

  constructor(private readonly r: Random) {}

  change(): void {
    const r = this.r;
    const live = ['default', ...NAMESPACES.filter((n) => this.snap.namespace(n))];
    switch (r.int(12)) {
      case 0:
        return this.upsertNamespace(r.pick(NAMESPACES));
      case 1: {
        const ns = r.pick(NAMESPACES);
        if (this.snap.namespace(ns)) this.deleteNamespace(ns);
        return;
      }
      case 2:
        return this.upsertNode();
      case 3:
      case 4:
      case 5:
        return this.upsertPod(r.pick(live), r.pick(POD_NAMES));
      case 6: {
        const pods = this.snap.pods();
        if (pods.length > 0) this.snap.remove(r.pick(pods));
        return;
      }
      case 7:
        return this.upsertService(r.pick(live), r.pick(SERVICE_NAMES));
      case 8:
        return this.upsertSlice();
      case 9:
      case 10:
        return this.upsertPolicy(r.pick(live), r.pick(POLICY_NAMES));
      default: {
        const victims: KubernetesObject[] = [...this.snap.services(), ...this.snap.networkPolicies(), ...this.snap.all('Node')];
        if (victims.length > 0) this.snap.remove(r.pick(victims));
      }
    }
  }

  /** Everything but namespace default goes, as when a cluster is emptied. */
  empty(): void {
    for (const ns of NAMESPACES) if (this.snap.namespace(ns)) this.deleteNamespace(ns);
    for (const kind of ['Pod', 'Service', 'EndpointSlice', 'NetworkPolicy', 'Node'] as const) for (const o of this.snap.all(kind)) this.snap.remove(o);
  }

  /** Every owner key the snapshot gives. */
  keys(): OwnerKey[] {
    const keys = [`Cluster/${C}`];
    for (const kind of ['Namespace', 'Node', 'Pod', 'Service', 'NetworkPolicy'] as const) for (const o of this.snap.all(kind)) keys.push(`${kind}/${o.metadata!.uid}`);
    return keys;
  }

  /** A new object gets a new UID; a changed one keeps its own. */
  private uid(kind: string, ns: string, name: string): string {
    const existing = this.snap.all(kind as never).find((o: KubernetesObject) => namespaceOf(o) === ns && nameOf(o) === name && o.kind === kind);
    return existing?.metadata?.uid ?? uidFor(kind, ns, `${name}#${++this.generation}`);
  }

  private upsertNamespace(name: string): void {
    const r = this.r;
    const isolation = r.int(3);
    const annotations: Record<string, string> = {};
    if (isolation === 1) annotations['opencontrail.org/isolation'] = 'true';
    if (r.chance(0.15)) annotations['opencontrail.org/network'] = r.pick(NETWORK_ANNOTATIONS);
    const labels: Record<string, string> = { team: r.pick(TEAMS) };
    if (isolation === 2) labels['core.juniper.net/isolated-namespace'] = 'true';
    this.snap.put(namespace(name, { uid: this.uid('Namespace', 'default', name), labels, annotations }));
  }

  private deleteNamespace(name: string): void {
    const ns = this.snap.namespace(name)!;
    for (const kind of ['Pod', 'Service', 'EndpointSlice', 'NetworkPolicy'] as const) {
      for (const o of this.snap.all(kind)) if (namespaceOf(o) === name) this.snap.remove(o);
    }
    this.snap.remove(ns);
  }

  private upsertNode(): void {
    const r = this.r;
    const name = r.pick(NODES);
    const addresses = r.chance(0.85) ? [{ type: r.pick(['InternalIP', 'ExternalIP']), address: `192.168.0.${1 + r.int(50)}` }] : [];
    this.snap.put(node(name, addresses, { uid: this.uid('Node', 'default', name) }));
  }

  private upsertPod(ns: string, name: string): void {
    const r = this.r;
    const annotations: Record<string, string> = {};
    if (r.chance(0.15)) annotations['opencontrail.org/network'] = r.pick(NETWORK_ANNOTATIONS);
    if (r.chance(0.25)) annotations['k8s.v1.cni.cncf.io/networks'] = r.pick(NETWORKS_ANNOTATIONS);
    // Now and then the pod is deleted and made again under the same name (a StatefulSet's): a new UID.
    const existing = this.snap.podsIn(ns).find((p) => nameOf(p) === name);
    if (existing !== undefined && r.chance(0.1)) this.snap.remove(existing);
    this.snap.put(
      pod(name, ns, {
        uid: this.uid('Pod', ns, name),
        node: r.chance(0.1) ? null : r.pick(NODES),
        phase: r.pick(['Running', 'Running', 'Running', 'Pending', 'Succeeded', 'Failed']),
        hostNetwork: r.chance(0.1),
        deleting: r.chance(0.05),
        labels: { app: r.pick(APPS) },
        annotations,
        ports: [{ name: 'http', containerPort: r.pick([8080, 8081]) }],
      }),
    );
  }

  private upsertService(ns: string, name: string): void {
    const r = this.r;
    const clusterIP = r.pick(['10.96.0.10', '10.96.1.20', '10.96.2.30', '172.16.0.1', 'None']);
    this.snap.put(service(name, ns, { uid: this.uid('Service', ns, name), clusterIP, type: r.pick(['ClusterIP', 'NodePort', 'LoadBalancer']) }));
  }

  private upsertSlice(): void {
    const r = this.r;
    const services = this.snap.services();
    if (services.length === 0) return;
    const svc = r.pick(services);
    const ns = namespaceOf(svc);
    const backends: Array<{ pod: V1Pod; ready?: boolean }> = r.subset(this.snap.podsIn(ns)).map((p) => ({ pod: p, ready: r.chance(0.8) }));
    if (r.chance(0.2)) backends.push({ pod: pod('ghost', ns, { uid: uidFor('Pod', ns, `ghost#${++this.generation}`) }) });
    const name = `${nameOf(svc)}-${r.int(2)}`;
    const slice = endpointSlice(name, svc, backends);
    slice.metadata!.uid = this.uid('EndpointSlice', ns, name);
    this.snap.put(slice);
  }

  private upsertPolicy(ns: string, name: string): void {
    const r = this.r;
    const selector = () => (r.chance(0.3) ? {} : { matchLabels: { app: r.pick(APPS) } });
    const peer = (): V1NetworkPolicyPeer =>
      r.pick<() => V1NetworkPolicyPeer>([
        () => ({ podSelector: selector() }),
        () => ({ namespaceSelector: { matchLabels: { team: r.pick(TEAMS) } } }),
        () => ({ namespaceSelector: {}, podSelector: selector() }),
        () => ({ ipBlock: { cidr: r.pick(['192.168.0.0/16', '10.0.0.0/8', 'fd00::/64']), ...(r.chance(0.3) ? { except: ['10.1.0.0/16'] } : {}) } }),
      ])();
    const ports = (): V1NetworkPolicyPort[] | undefined =>
      r.chance(0.4) ? undefined : r.subset<V1NetworkPolicyPort>([{ port: 80 }, { port: 'http' }, { protocol: 'UDP', port: 53 }, { protocol: 'SCTP', port: 9, endPort: 19 }]);
    const rules = () => Array.from({ length: r.int(3) }, () => ({ peers: r.chance(0.2) ? undefined : Array.from({ length: 1 + r.int(2) }, peer), ports: ports() }));
    const spec: V1NetworkPolicySpec = { podSelector: selector() };
    if (r.chance(0.8)) spec.ingress = rules().map(({ peers, ports }) => ({ _from: peers, ports }));
    if (r.chance(0.5)) spec.egress = rules().map(({ peers, ports }) => ({ to: peers, ports }));
    if (r.chance(0.3)) spec.policyTypes = r.pick([['Ingress'], ['Egress'], ['Ingress', 'Egress']]);
    this.snap.put(networkPolicy(name, ns, spec, { uid: this.uid('NetworkPolicy', ns, name) }));
  }
}

/** The config side as the runtime answers the mapping, read from the store. */
function contextOf(store: FakeConfigStore): MappingContext {
  return {
    cluster: C,
    podSubnets: ['10.32.0.0/12'],
    serviceSubnets: ['10.96.0.0/12'],
    addressesOf(vmiUuid) {
      return store
        .owned(C)
        .filter((o) => o.type === 'instance-ip' && o.ownerKey.startsWith('Pod/'))
        .filter((o) => (o.body.virtual_machine_interface_refs as Array<{ uuid: string }> | undefined)?.some((ref) => ref.uuid === vmiUuid))
        .map((o) => o.body.instance_ip_address as string)
        .sort();
    },
    macOf(vmiUuid) {
      return (store.get(vmiUuid)?.virtual_machine_interface_mac_addresses as { mac_address: string[] } | undefined)?.mac_address[0];
    },
    networkExists(fqName) {
      return store.byFqName('virtual-network', fqName) !== undefined;
    },
  };
}

function freshStore(): FakeConfigStore {
  const store = new FakeConfigStore();
  store.seed('domain', ['default-domain']);
  store.seed('global-system-config', ['default-global-system-config']);
  store.seed('cluster', ['default-global-system-config', C]);
  for (const project of ['shared', 'blue', 'shop']) store.seed('project', ['default-domain', project]);
  for (const vn of [['shared', 'backbone'], ['blue', 'frontend'], ['shop', 'storage']]) store.seed('virtual-network', ['default-domain', ...vn]);
  return store;
}

/** What the histories exercised, so a generator that stopped exploring is noticed. */
const explored = { create: 0, update: 0, delete: 0, replaced: 0, refused: 0, problems: new Set<string>(), peakObjects: 0 };

/** Rounds of "reconcile every key" until a round sends nothing; answers how many rounds it took. */
function converge(world: KubeWorld, store: FakeConfigStore, ctx: MappingContext, maxRounds = 12): number {
  for (let round = 1; round <= maxRounds; round++) {
    let sent = 0;
    const keys = [...new Set([...world.keys(), ...store.owned(C).map((o) => o.ownerKey)])].sort();
    for (const key of keys) {
      const actual = store.owned(C).filter((o) => o.ownerKey === key);
      const { objects, problems } = desiredForKey(key, world.snap, ctx);
      for (const problem of problems) explored.problems.add(problem.reason);
      const commands = planKey(objects, actual);
      explored.replaced += commands.filter((c, i) => c.op === 'create' && commands[i - 1]?.op === 'delete').length;
      for (const command of commands) {
        sent++;
        explored[command.op]++;
        const outcome = store.apply(command);
        if (!outcome.ok) {
          // The config API never refuses a body the mapping made; missing targets and held objects are retried.
          if (outcome.status === 400) throw new Error(`400 for ${JSON.stringify(command)}: ${outcome.message}`);
          explored.refused++;
          break;
        }
      }
    }
    if (sent === 0) return round;
  }
  const last = store.refusals.slice(-5).map((r) => `${r.outcome.ok ? '' : r.outcome.message}`);
  throw new Error(`no convergence in ${maxRounds} rounds; last refusals: ${last.join(' | ')}`);
}

/** The store holds exactly the union of what every key wants. */
function expectStoreEqualsDesired(world: KubeWorld, store: FakeConfigStore, ctx: MappingContext): DesiredObject[] {
  const desired = world.keys().flatMap((key) => desiredForKey(key, world.snap, ctx).objects);
  expect(new Set(desired.map((o) => o.uuid)).size).toBe(desired.length);
  expect(new Set(desired.map((o) => `${o.type} ${o.fqName.join(':')}`)).size).toBe(desired.length);
  const owned = store.owned(C);
  expect(owned.map((o) => o.uuid).sort()).toEqual(desired.map((o) => o.uuid).sort());
  const byUuid = new Map(owned.map((o) => [o.uuid, o]));
  for (const object of desired) {
    const actual = byUuid.get(object.uuid)!;
    expect([actual.type, actual.fqName, actual.ownerKey]).toEqual([object.type, object.fqName, object.ownerKey]);
    expect(changedFields(object, actual)).toEqual([]);
  }
  return desired;
}

describe('reconciling random Kubernetes histories (property, seeded)', () => {
  const seeds = Array.from({ length: 24 }, (_, i) => 1000 + i);

  it.each(seeds)('seed %i: the store always converges to the union of desiredForKey, and empties with the cluster', (seed) => {
    const r = new Random(prng(seed));
    const world = new KubeWorld(r);
    const store = freshStore();
    const ctx = contextOf(store);
    let rounds = 0;
    for (let step = 0; step < 30; step++) {
      for (let n = 1 + r.int(3); n > 0; n--) world.change();
      rounds = Math.max(rounds, converge(world, store, ctx));
      explored.peakObjects = Math.max(explored.peakObjects, expectStoreEqualsDesired(world, store, ctx).length);
    }
    world.empty();
    converge(world, store, ctx);
    const left = expectStoreEqualsDesired(world, store, ctx);
    // What stays is the cluster's own objects and namespace default's group.
    expect(new Set(left.map((o) => o.ownerKey.split('/')[0]))).toEqual(new Set(['Cluster', 'Namespace']));
    expect(rounds).toBeLessThanOrEqual(8);
  });

  it('explored updates, replacements, retries after refusals and every kind of problem', () => {
    expect(explored.update).toBeGreaterThan(100);
    expect(explored.replaced).toBeGreaterThan(0);
    expect(explored.refused).toBeGreaterThan(30);
    expect(explored.peakObjects).toBeGreaterThan(40);
    expect([...explored.problems].sort()).toEqual([
      'ClusterIpOutsideServiceSubnets',
      'InvalidNetworkAnnotation',
      'IpBlockExceptNotSupported',
      'NetworkNotFound',
      'NoNodeAddress',
    ]);
  });
});
