import { describe, expect, it } from '@jest/globals';
import {
  CONFIG_MODEL,
  ConfigState,
  decideCreate,
  decideDelete,
  decideUpdate,
  type CommandContext,
  type ConfigObject,
  type Decision,
} from '#libs/domain';
import { inAnyCidr } from '../mapping/config-shapes.js';
import { desiredForKey } from '../mapping/desired-for-key.js';
import type { DesiredObject } from '../mapping/desired-object.js';
import { endpointSlice, MemorySnapshot, namespace, networkPolicy, node, pod, service } from '../mapping/kube-fixtures.test.js';
import type { MappingContext } from '../mapping/mapping-context.js';
import { ownerKeyFromAnnotations } from '../mapping/ownership.js';
import type { ActualObject } from './actual-object.js';
import { planKey, type ConfigCommand } from './plan.js';

/*
 * The plans run through the config plane's real deciders (libs/domain), as the config API runs them: the bodies
 * pass its checks and rules, refs resolve, deletes find nothing holding them, and what the rules fill in (VN ids,
 * security-group ids, MACs, subnet completion) does not make the next plan change anything.
 *
 * Instance-ips are left out: allocating from a flat-subnet IPAM is being added to the domain; until then an
 * instance-ip on a flat-subnet network is refused ("has no IPv4 subnet").
 */

const C = 'east';

class Config {
  readonly state = new ConfigState();
  private uuids = 0;

  private ctx(): CommandContext {
    const next = () => String(++this.uuids).padStart(8, '0');
    return { at: '2026-11-25T12:00:00.000Z', newUuid: () => `${next()}-0000-4000-8000-000000000000` };
  }

  private commit(decision: Decision): void {
    for (const write of decision.writes) {
      let revision = this.state.revision(write.streamId) ?? -1;
      for (const e of write.events) this.state.apply({ type: e.type, streamId: write.streamId, streamRevision: ++revision, data: e.data, globalPosition: this.state.position + 1 });
    }
  }

  create(type: string, body: Record<string, unknown>): void {
    this.commit(decideCreate(this.state, CONFIG_MODEL, type, body, this.ctx()));
  }

  run(command: ConfigCommand): void {
    if (command.op === 'create') {
      const { object } = command;
      this.create(object.type, { uuid: object.uuid, fq_name: object.fqName, ...(object.parentType ? { parent_type: object.parentType } : {}), ...object.body });
    } else if (command.op === 'update') {
      const body = Object.fromEntries(command.changed.map((field) => [field, command.object.body[field] ?? null]));
      this.commit(decideUpdate(this.state, CONFIG_MODEL, command.object.type, command.object.uuid, body, this.ctx()));
    } else {
      this.commit(decideDelete(this.state, CONFIG_MODEL, command.type, command.uuid, this.ctx()));
    }
  }

  /** An object as GET answers it: its properties, and refs with the target's fq_name. */
  actual(object: ConfigObject): ActualObject | undefined {
    const body: Record<string, unknown> = { uuid: object.uuid, fq_name: object.fq_name, ...object.props };
    for (const [type, refs] of Object.entries(object.refs)) {
      body[`${type.replace(/-/g, '_')}_refs`] = refs.map((ref) => ({ to: this.state.get(ref.uuid)!.fq_name, uuid: ref.uuid, attr: ref.attr ?? null }));
    }
    const ownerKey = ownerKeyFromAnnotations(body, C);
    return ownerKey === undefined ? undefined : { type: object.type, uuid: object.uuid, fqName: object.fq_name, body, ownerKey };
  }

  owned(key: string): ActualObject[] {
    const out: ActualObject[] = [];
    for (const object of this.state.all()) {
      const actual = this.actual(object);
      if (actual?.ownerKey === key) out.push(actual);
    }
    return out;
  }
}

/** The config side as the runtime answers the mapping: addresses and MACs read from the owned objects. */
function contextOf(config: Config): MappingContext {
  const owned = () => [...config.state.all()].map((o) => config.actual(o)).filter((o): o is ActualObject => o !== undefined);
  return {
    cluster: C,
    podSubnets: ['10.32.0.0/12'],
    serviceSubnets: ['10.96.0.0/12'],
    addressesOf: (vmi) =>
      owned()
        .filter((o) => o.type === 'instance-ip' && o.ownerKey.startsWith('Pod/'))
        .filter((o) => (o.body.virtual_machine_interface_refs as Array<{ uuid: string }>).some((ref) => ref.uuid === vmi))
        .map((o) => o.body.instance_ip_address as string)
        .sort(),
    macOf: (vmi) => (config.state.get(vmi)?.props.virtual_machine_interface_mac_addresses as { mac_address: string[] } | undefined)?.mac_address[0],
    networkExists: (fqName) => config.state.uuidOf('virtual-network', fqName) !== undefined,
  };
}

function setup() {
  const config = new Config();
  config.create('global-system-config', { fq_name: ['default-global-system-config'], autonomous_system: 64512 });
  config.create('domain', { fq_name: ['default-domain'] });
  config.create('cluster', { fq_name: ['default-global-system-config', C], parent_type: 'global-system-config', cluster_pod_subnets: ['10.32.0.0/12'] });
  const ctx = contextOf(config);
  const web = pod('web-0', 'shop', { labels: { app: 'web' } });
  const client = pod('client-0', 'vault', { labels: { app: 'client' } });
  const svc = service('web', 'shop', { clusterIP: '10.96.0.20' });
  const snap = new MemorySnapshot([
    namespace('default'),
    namespace('shop'),
    namespace('vault', { labels: { 'core.juniper.net/isolated-namespace': 'true', team: 'vault' } }),
    node('worker-1', [{ type: 'InternalIP', address: '192.168.0.11' }]),
    web,
    client,
    svc,
    endpointSlice('web-1', svc, [{ pod: web }]),
    networkPolicy('web', 'shop', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ _from: [{ namespaceSelector: { matchLabels: { team: 'vault' } } }], ports: [{ port: 80 }] }] }),
  ]);
  const keys = [
    `Cluster/${C}`,
    ...['Namespace', 'Node', 'NetworkPolicy', 'Pod', 'Service'].flatMap((kind) => snap.all(kind as never).map((o: { metadata?: { uid?: string } }) => `${kind}/${o.metadata!.uid}`)),
  ];
  const desired = (key: string): DesiredObject[] => desiredForKey(key, snap, ctx).objects;
  /** Reconciles every key until a pass sends nothing (a policy's peers follow the addresses a pass allocated). */
  const reconcileAll = () => {
    for (let pass = 0; pass < 4; pass++) {
      const commands = keys.flatMap((key) => {
        const planned = planKey(desired(key), config.owned(key));
        planned.forEach((command) => config.run(command));
        return planned;
      });
      if (commands.length === 0) return pass;
    }
    throw new Error('no convergence');
  };
  return { config, keys, desired, snap, web, client, svc, reconcileAll };
}

describe('plans through the config plane’s deciders (libs/domain)', () => {
  it('creates every key’s objects in plan order, then plans nothing: what the rules fill in is not a change', () => {
    const { config, keys, desired, reconcileAll, web, client, svc } = setup();
    expect(reconcileAll()).toBe(2);
    for (const key of keys) expect(planKey(desired(key), config.owned(key))).toEqual([]);
    const ofPod = (p: typeof web) => config.owned(`Pod/${p.metadata!.uid}`);
    const vmi = ofPod(web).find((o) => o.type === 'virtual-machine-interface')!;
    expect(vmi.body.virtual_machine_interface_mac_addresses).toEqual({ mac_address: [expect.stringMatching(/^02:/)] });
    const clientAddress = ofPod(client).find((o) => o.type === 'instance-ip')!.body.instance_ip_address as string;
    expect(inAnyCidr(clientAddress, ['10.32.0.0/12'])).toBe(true);
    const [vip] = config.owned(`Service/${svc.metadata!.uid}`);
    expect(vip.body).toMatchObject({ instance_ip_address: '10.96.0.20', virtual_machine_interface_refs: [{ uuid: vmi.uuid }] });
    const group = config.owned(keys.find((k) => k.startsWith('NetworkPolicy/'))!)[0];
    const [allowed] = (group.body.security_group_entries as { policy_rule: Array<{ src_addresses: unknown }> }).policy_rule;
    expect(allowed.src_addresses).toEqual([{ subnet: { ip_prefix: clientAddress, ip_prefix_len: 32 } }]);
  });

  it('updates a changed ref and deletes a key’s objects children first, which the deciders accept', () => {
    const { config, desired, snap, web, svc, reconcileAll } = setup();
    reconcileAll();
    const podKey = `Pod/${web.metadata!.uid}`;
    const policy = snap.networkPoliciesIn('shop')[0];
    snap.remove(policy);
    const update = planKey(desired(podKey), config.owned(podKey));
    expect(update).toEqual([expect.objectContaining({ op: 'update', changed: ['security_group_refs'] })]);
    update.forEach((c) => config.run(c));
    const policyKey = `NetworkPolicy/${policy.metadata!.uid}`;
    for (const command of planKey(desired(policyKey), config.owned(policyKey))) config.run(command);
    expect(config.owned(policyKey)).toEqual([]);
    // The pod goes: its Service lets go of its interface first (the deciders refuse to delete a referenced object).
    snap.remove(web);
    const serviceKey = `Service/${svc.metadata!.uid}`;
    const release = planKey(desired(serviceKey), config.owned(serviceKey));
    expect(release).toEqual([expect.objectContaining({ op: 'update', changed: ['virtual_machine_interface_refs'] })]);
    release.forEach((c) => config.run(c));
    const deletes = planKey(desired(podKey), config.owned(podKey));
    expect(deletes.map((c) => (c.op === 'delete' ? c.type : c.op))).toEqual(['instance-ip', 'virtual-machine-interface', 'virtual-machine']);
    deletes.forEach((c) => config.run(c));
    expect(config.owned(podKey)).toEqual([]);
  });
});
