import { describe, expect, it } from '@jest/globals';
import { clusterObjects } from '../mapping/cluster-objects.js';
import type { DesiredObject } from '../mapping/desired-object.js';
import { MemorySnapshot, namespace, networkPolicy, pod, TestContext } from '../mapping/kube-fixtures.test.js';
import { namespaceObjects } from '../mapping/namespace-objects.js';
import { podObjects } from '../mapping/pod-objects.js';
import type { ActualObject } from './actual-object.js';
import { changedFields } from './changed-fields.js';
import { FakeConfigStore } from './fake-config-store.test.js';
import { planKey, type ConfigCommand } from './plan.js';

const C = 'east';

/** A store with what exists before the kubemanager: the domain, the global-system-config, the cluster. */
function store(): FakeConfigStore {
  const s = new FakeConfigStore();
  s.seed('domain', ['default-domain']);
  s.seed('global-system-config', ['default-global-system-config']);
  s.seed('cluster', ['default-global-system-config', C]);
  return s;
}

function world() {
  const ctx = new TestContext(C);
  const shop = namespace('shop');
  const web = pod('web-0', 'shop', { labels: { app: 'web' } });
  const snap = new MemorySnapshot([namespace('default'), shop, web]);
  const desired = [...clusterObjects(ctx), ...namespaceObjects(shop, ctx), ...podObjects(web, snap, ctx).objects];
  return { ctx, snap, shop, web, desired };
}

const summary = (commands: ConfigCommand[]) =>
  commands.map((c) => (c.op === 'delete' ? `delete ${c.type} ${c.fqName.at(-1)}` : `${c.op} ${c.object.type} ${c.object.fqName.at(-1)}`));

/** Applies every command, failing the test on the first refusal. */
function applyAll(s: FakeConfigStore, commands: ConfigCommand[]): void {
  for (const command of commands) expect(s.apply(command)).toEqual({ ok: true });
}

/** The store's objects of one key (the runtime's owned cache). */
const ownedBy = (s: FakeConfigStore, key: string): ActualObject[] => s.owned(C).filter((o) => o.ownerKey === key);

describe('planKey (docs/kubemanager.md §5)', () => {
  it('creates parents first and refs’ targets before their referrers, in an order the config API accepts', () => {
    const { desired, web } = world();
    const commands = planKey(desired, []);
    const uid = web.metadata!.uid;
    expect(summary(commands)).toEqual([
      'create project east-default',
      'create project east-shop',
      'create network-ipam east-pod-ipam',
      'create network-ipam east-service-ipam',
      'create network-policy east-default-pod-service-np',
      'create virtual-network east-default-pod-network',
      'create virtual-network east-default-service-network',
      'create security-group east-shop-default-sg',
      'create virtual-machine east__shop__web-0',
      `create virtual-machine-interface web-0__${uid}`,
      `create instance-ip web-0__${uid}`,
    ]);
    applyAll(store(), commands);
  });

  it('plans nothing once the config matches, although the controller filled in MACs, addresses and ids', () => {
    const { desired } = world();
    const s = store();
    applyAll(s, planKey(desired, []));
    const actual = s.owned(C);
    expect(actual.find((o) => o.type === 'instance-ip')!.body.instance_ip_address).toBe('10.32.0.2');
    expect(actual.find((o) => o.type === 'virtual-machine-interface')!.body.virtual_machine_interface_mac_addresses).toBeDefined();
    expect(planKey(desired, actual)).toEqual([]);
  });

  it('deletes children first, so every delete finds its object unreferenced', () => {
    const { desired } = world();
    const s = store();
    applyAll(s, planKey(desired, []));
    const commands = planKey([], s.owned(C));
    expect(summary(commands).slice(0, 4)).toEqual([
      expect.stringMatching(/^delete instance-ip /),
      expect.stringMatching(/^delete virtual-machine-interface /),
      'delete virtual-machine east__shop__web-0',
      'delete security-group east-shop-default-sg',
    ]);
    expect(summary(commands).slice(-5)).toEqual([
      'delete network-policy east-default-pod-service-np',
      'delete network-ipam east-service-ipam',
      'delete network-ipam east-pod-ipam',
      'delete project east-shop',
      'delete project east-default',
    ]);
    applyAll(s, commands);
    expect(s.owned(C)).toEqual([]);
  });

  it('updates only the ref that changed when a policy comes to select the pod', () => {
    const { ctx, snap, web, desired } = world();
    const s = store();
    applyAll(s, planKey(desired, []));
    const key = `Pod/${web.metadata!.uid}`;
    snap.put(networkPolicy('lockdown', 'shop', { podSelector: {}, ingress: [] }));
    const commands = planKey(podObjects(web, snap, ctx).objects, ownedBy(s, key));
    expect(commands).toEqual([{ op: 'update', object: expect.objectContaining({ type: 'virtual-machine-interface' }), changed: ['security_group_refs'] }]);
  });

  it('replaces an instance-ip whose network changes (fixed at create), after updating its interface', () => {
    const { ctx, snap, web, desired } = world();
    const s = store();
    applyAll(s, planKey(desired, []));
    applyAll(s, namespaceObjects(namespace('shop', { annotations: { 'opencontrail.org/isolation': 'true' } }), ctx).flatMap((o) => planKey([o], [])).filter((c) => c.op === 'create' && c.object.type === 'virtual-network'));
    snap.put(namespace('shop', { annotations: { 'opencontrail.org/isolation': 'true' } }));
    const commands = planKey(podObjects(web, snap, ctx).objects, ownedBy(s, `Pod/${web.metadata!.uid}`));
    expect(commands.map((c) => [c.op, c.op === 'delete' ? c.type : c.object.type, c.op === 'update' ? c.changed : []])).toEqual([
      ['update', 'virtual-machine-interface', ['virtual_network_refs']],
      ['delete', 'instance-ip', []],
      ['create', 'instance-ip', []],
    ]);
    applyAll(s, commands);
  });

  it('deletes an object of ours that holds a wanted fq_name under another uuid before creating it', () => {
    const { desired } = world();
    const project = desired.find((o) => o.type === 'project' && o.fqName[1] === 'east-shop')!;
    const old: ActualObject = { type: 'project', uuid: '11111111-1111-4111-8111-111111111111', fqName: project.fqName, body: project.body, ownerKey: project.ownerKey };
    expect(planKey([project], [old])).toEqual([
      { op: 'delete', type: 'project', uuid: old.uuid, fqName: project.fqName },
      { op: 'create', object: project },
    ]);
  });
});

describe('changedFields (docs/kubemanager.md §5)', () => {
  const vmi: DesiredObject = {
    type: 'virtual-machine-interface',
    uuid: '22222222-2222-4222-8222-222222222222',
    fqName: ['default-domain', 'east-shop', 'web-0__x'],
    parentType: 'project',
    ownerKey: 'Pod/x',
    body: {
      annotations: { key_value_pair: [{ key: 'cluster', value: C }, { key: 'owner', value: 'k8s' }] },
      virtual_network_refs: [{ to: ['default-domain', 'east-default', 'east-default-pod-network'] }],
      security_group_refs: [{ to: ['default-domain', 'east-shop', 'a-np'] }, { to: ['default-domain', 'east-shop', 'b-np'] }],
      virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: 'east__worker-1' }] },
    },
  };
  const asStored = (body: Record<string, unknown>): ActualObject => ({ type: vmi.type, uuid: vmi.uuid, fqName: vmi.fqName, ownerKey: vmi.ownerKey, body });

  it('ignores key order, pair order, ref order, null attrs and fields it does not manage', () => {
    const actual = asStored({
      uuid: vmi.uuid,
      display_name: 'web-0__x',
      id_perms: { enable: true },
      annotations: { key_value_pair: [{ key: 'owner', value: 'k8s' }, { key: 'cluster', value: C }] },
      virtual_machine_interface_mac_addresses: { mac_address: ['02:22:22:22:22:22'] },
      security_group_refs: [
        { to: ['default-domain', 'east-shop', 'b-np'], uuid: '33333333-3333-4333-8333-333333333333', attr: null },
        { to: ['default-domain', 'east-shop', 'a-np'], uuid: '44444444-4444-4444-8444-444444444444', attr: null },
      ],
      virtual_network_refs: [{ to: ['default-domain', 'east-default', 'east-default-pod-network'], uuid: '55555555-5555-4555-8555-555555555555' }],
      virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: 'east__worker-1' }] },
    });
    expect(changedFields(vmi, actual)).toEqual([]);
  });

  it('names a ref whose target changed, an annotation that changed, and a ref list that is missing', () => {
    const actual = asStored({
      annotations: { key_value_pair: [{ key: 'owner', value: 'k8s' }, { key: 'cluster', value: 'west' }] },
      virtual_network_refs: [{ to: ['default-domain', 'east-shop', 'east-shop-pod-network'], attr: null }],
      virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: 'east__worker-1' }] },
    });
    expect(changedFields(vmi, actual)).toEqual(['annotations', 'virtual_network_refs', 'security_group_refs']);
  });

  it('compares ref attributes, minus what the controller completes in subnets', () => {
    const ipam = ['default-domain', 'east-default', 'east-pod-ipam'];
    const vn: DesiredObject = { ...vmi, type: 'virtual-network', body: { network_ipam_refs: [{ to: ipam, attr: { ipam_subnets: [{ subnet: { ip_prefix: '10.0.0.0', ip_prefix_len: 24 } }] } }] } };
    const stored = (attr: unknown) => ({ ...asStored({ network_ipam_refs: [{ to: ipam, uuid: vmi.uuid, attr }] }), type: 'virtual-network' });
    const filled = { ipam_subnets: [{ subnet: { ip_prefix: '10.0.0.0', ip_prefix_len: 24 }, subnet_uuid: 'u', default_gateway: '10.0.0.1', host_routes: null }] };
    expect(changedFields(vn, stored(filled))).toEqual([]);
    expect(changedFields(vn, stored({ ipam_subnets: [{ subnet: { ip_prefix: '10.0.1.0', ip_prefix_len: 24 } }] }))).toEqual(['network_ipam_refs']);
  });

  it('compares an instance-ip’s address only when it asks for one, and by value', () => {
    const vip: DesiredObject = { ...vmi, type: 'instance-ip', body: { instance_ip_address: 'fd00:0:0::a' } };
    const pod: DesiredObject = { ...vmi, type: 'instance-ip', body: {} };
    const stored = { ...asStored({ instance_ip_address: 'fd00::a', instance_ip_family: 'v6', subnet_uuid: 'u' }), type: 'instance-ip' };
    expect(changedFields(vip, stored)).toEqual([]);
    expect(changedFields({ ...vip, body: { instance_ip_address: 'fd00::b' } }, stored)).toEqual(['instance_ip_address']);
    expect(changedFields(pod, stored)).toEqual([]);
  });
});
