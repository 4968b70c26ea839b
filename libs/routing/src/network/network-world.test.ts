/*
 * Test support (not a spec; `*.test.ts` is left out of the build): config states made by the real deciders, the
 * way the config API makes them, with the uuids each command touched for NetworkModel.update.
 */
import { CONFIG_MODEL, ConfigState, decideCreate, decideDelete, decideUpdate, resourceEventKind, type CommandContext, type ConfigEvent, type Decision } from '#libs/domain';

export const PROJECT = ['default-domain', 'default-project'];
export const IPAM = [...PROJECT, 'default-network-ipam'];
export const GSC = ['default-global-system-config'];

/** A network-ipam ref carrying one subnet, as a VN create body gives it. */
export const subnetRef = (prefix: string, len: number) => ({ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: prefix, ip_prefix_len: len } }] } });

export class World {
  readonly state = new ConfigState();
  private uuids = 0;
  private networks = 0;
  private touched = new Set<string>();

  ctx(): CommandContext {
    // The counter leads the uuid: interface MACs are made from its first ten hex digits.
    const next = () => String(++this.uuids).padStart(8, '0');
    return { at: '2026-11-25T12:00:00.000Z', newUuid: () => `${next()}-0000-4000-8000-000000000000` };
  }

  commit(decision: Decision): string {
    for (const write of decision.writes) {
      let revision = this.state.revision(write.streamId) ?? -1;
      for (const e of write.events) this.apply({ type: e.type, streamId: write.streamId, streamRevision: ++revision, data: e.data });
    }
    return decision.uuid;
  }

  /** Folds one event at the next position (tests also hand-make events the deciders would not write). */
  apply(event: Omit<ConfigEvent, 'globalPosition'>): void {
    this.state.apply({ ...event, globalPosition: this.state.position + 1 });
    if (resourceEventKind(event.type)) this.touched.add((event.data as { uuid: string }).uuid);
  }

  create(type: string, body: Record<string, unknown>): string {
    return this.commit(decideCreate(this.state, CONFIG_MODEL, type, body, this.ctx()));
  }

  update(type: string, uuid: string, body: Record<string, unknown>): void {
    this.commit(decideUpdate(this.state, CONFIG_MODEL, type, uuid, body, this.ctx()));
  }

  delete(type: string, uuid: string): void {
    this.commit(decideDelete(this.state, CONFIG_MODEL, type, uuid, this.ctx()));
  }

  /** The uuids touched since the last call. */
  takeTouched(): string[] {
    const out = [...this.touched];
    this.touched.clear();
    return out;
  }

  // Shorthands for the objects the specs use most.

  network(name: string, body: Record<string, unknown> = {}, project = PROJECT): string {
    // The n-th network of a world gets 10.n.0.0/24.
    const subnet = subnetRef(`10.${++this.networks}.0.0`, 24);
    return this.create('virtual-network', { fq_name: [...project, name], parent_type: 'project', network_ipam_refs: [subnet], ...body });
  }

  policy(name: string, rules: unknown[], project = PROJECT): string {
    return this.create('network-policy', { fq_name: [...project, name], parent_type: 'project', network_policy_entries: { policy_rule: rules } });
  }

  virtualRouter(name: string, body: Record<string, unknown> = {}): string {
    return this.create('virtual-router', { fq_name: [...GSC, name], parent_type: 'global-system-config', virtual_router_ip_address: '192.168.0.1', ...body });
  }

  machine(name: string): string {
    return this.create('virtual-machine', { fq_name: [name] });
  }

  port(name: string, network: string, body: Record<string, unknown> = {}): string {
    return this.create('virtual-machine-interface', { fq_name: [...PROJECT, name], parent_type: 'project', virtual_network_refs: [{ uuid: network }], ...body });
  }

  instanceIp(name: string, network: string, port: string, body: Record<string, unknown> = {}): string {
    return this.create('instance-ip', { fq_name: [name], virtual_network_refs: [{ uuid: network }], virtual_machine_interface_refs: [{ uuid: port }], ...body });
  }
}

/** A world with the objects a controller provisions at start: global config (ASN), domain, project, IPAM. */
export function provisioned(asn = 64512): World {
  const world = new World();
  world.create('global-system-config', { fq_name: GSC, autonomous_system: asn });
  world.create('domain', { fq_name: ['default-domain'] });
  world.create('project', { fq_name: PROJECT, parent_type: 'domain' });
  world.create('network-ipam', { fq_name: IPAM, parent_type: 'project' });
  world.takeTouched();
  return world;
}

/** A policy rule: `pass` between two virtual_network values unless other actions are given. */
export function rule(src: string, dst: string, actionList: Record<string, unknown> | null = { simple_action: 'pass' }, direction = '<>'): Record<string, unknown> {
  return {
    direction,
    protocol: 'any',
    src_addresses: [{ virtual_network: src }],
    src_ports: [{ start_port: -1, end_port: -1 }],
    dst_addresses: [{ virtual_network: dst }],
    dst_ports: [{ start_port: -1, end_port: -1 }],
    ...(actionList ? { action_list: actionList } : {}),
  };
}

/** `default-domain:default-project:<name>`. */
export const fq = (name: string, project = PROJECT): string => [...project, name].join(':');
/** The VRF name of a VN in the default project. */
export const vrfOf = (name: string, project = PROJECT): string => `${fq(name, project)}:${name}`;
