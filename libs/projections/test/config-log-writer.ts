// Test support for the projection specs: writes config commands to a real store the way the config command service
// does (decide against the fold, one appendMany with the metadata, command ids for Idempotency-Key), and a
// scripted history that touches objects, refs, children, pools and addresses.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore, type EventStore } from '#libs/event-store';
import { CONFIG_MODEL, ConfigState, decideCreate, decideDelete, decideUpdate, type CommandContext, type ConfigView, type Decision } from '#libs/domain';

export class ConfigLogWriter {
  readonly state = new ConfigState();

  constructor(readonly store: EventStore) {}

  async run(decide: (state: ConfigView, ctx: CommandContext) => Decision, commandId: string = randomUUID()): Promise<{ uuid: string; position: number }> {
    await this.catchUp();
    const ctx: CommandContext = { at: new Date().toISOString(), newUuid: () => randomUUID() };
    const decision = decide(this.state, ctx);
    const metadata = { actor: 'tester', source: 'rest', correlationId: commandId, commandId, schemaVersion: 1 };
    await this.store.appendMany(decision.writes.map((w) => ({ ...w, events: w.events.map((e) => ({ ...e, metadata })) })));
    await this.catchUp();
    return { uuid: decision.uuid, position: this.state.position };
  }

  create(type: string, body: Record<string, unknown>, commandId?: string) {
    return this.run((state, ctx) => decideCreate(state, CONFIG_MODEL, type, body, ctx), commandId);
  }

  update(type: string, uuid: string, body: Record<string, unknown>) {
    return this.run((state, ctx) => decideUpdate(state, CONFIG_MODEL, type, uuid, body, ctx));
  }

  delete(type: string, uuid: string) {
    return this.run((state, ctx) => decideDelete(state, CONFIG_MODEL, type, uuid, ctx));
  }

  private async catchUp(): Promise<void> {
    for (;;) {
      const page = await this.store.readAll({ after: this.state.position, limit: 1000 });
      if (page.length === 0) return;
      for (const event of page) this.state.apply(event);
    }
  }
}

export const PROJECT = ['default-domain', 'default-project'];
export const IPAM = [...PROJECT, 'default-network-ipam'];

/** The objects every history starts with: global config, domain, project, IPAM. */
export async function seed(w: ConfigLogWriter): Promise<void> {
  await w.create('global-system-config', { fq_name: ['default-global-system-config'], autonomous_system: 64512 });
  await w.create('domain', { fq_name: ['default-domain'] });
  await w.create('project', { fq_name: PROJECT, parent_type: 'domain' });
  await w.create('network-ipam', { fq_name: IPAM, parent_type: 'project' });
}

/** A network with a subnet, a port and an address in it, a policy on it, then some of that changed and deleted. */
export async function someHistory(w: ConfigLogWriter, name: string): Promise<{ network: string; port: string }> {
  const subnet = { to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: '10.9.0.0', ip_prefix_len: 16 } }] } };
  const network = await w.create('virtual-network', { fq_name: [...PROJECT, name], network_ipam_refs: [subnet] });
  const policy = await w.create('network-policy', { fq_name: [...PROJECT, `${name}-p`], network_policy_entries: { policy_rule: [] } });
  await w.update('virtual-network', network.uuid, { display_name: name.toUpperCase(), network_policy_refs: [{ uuid: policy.uuid, attr: { sequence: { major: 0, minor: 0 } } }] });
  const port = await w.create('virtual-machine-interface', { fq_name: [...PROJECT, `${name}-port`], parent_type: 'project', virtual_network_refs: [{ uuid: network.uuid }] });
  await w.create('instance-ip', { fq_name: [`${name}-ip`], virtual_network_refs: [{ uuid: network.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] });
  const doomed = await w.create('virtual-machine-interface', { fq_name: [...PROJECT, `${name}-doomed`], parent_type: 'project', virtual_network_refs: [{ uuid: network.uuid }] });
  await w.delete('virtual-machine-interface', doomed.uuid);
  return { network: network.uuid, port: port.uuid };
}

/** What a reader sees of a state: each object with its back-refs and children in order, names, MACs, pools. */
export function observed(state: ConfigState): unknown {
  const objects = [...state.all()].sort((a, b) => (a.uuid < b.uuid ? -1 : 1));
  return {
    position: state.position,
    digest: state.digest(),
    objects: objects.map((o) => ({
      object: o,
      backRefs: state.backRefs(o.uuid).map((r) => r.uuid),
      children: state.children(o.uuid).map((c) => c.uuid),
      byName: state.uuidOf(o.type, o.fq_name),
    })),
    numbers: [...state.numberPools()].map(([pool, owners]) => [pool, [...owners]]),
    addresses: [...state.addressPools()].map(([subnet, owners]) => [subnet, [...owners]]),
  };
}

/** A temp folder for stores and checkpoint files, removed by `remove`. */
export function tempDir(prefix: string): { path: string; store(name: string): SqliteEventStore; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, store: (name) => new SqliteEventStore({ path: join(path, `${name}.db`) }), remove: () => rmSync(path, { recursive: true, force: true }) };
}
