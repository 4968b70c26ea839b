/**
 * A generated config log for benchmarks: the commands a cluster's users and kube-managers send (projects, networks
 * with subnets, policies, security groups, then pod ports coming and going, ports relabelled, policies attached
 * and detached), decided by the real deciders and appended with appendMany as the command service does. Decisions
 * are folded locally as they are made, and many commands' appends go out in the same turn so the store writes
 * them in one group commit.
 */
import { randomUUID } from 'node:crypto';
import type { EventStore, JsonValue, StreamWrite } from '#libs/event-store';
import {
  CONFIG_MODEL,
  ConfigError,
  ConfigState,
  decideCreate,
  decideDelete,
  decideRefUpdate,
  decideUpdate,
  type CommandContext,
  type Decision,
} from '#libs/domain';
import { progress } from './measure.js';
export { mulberry32 as seededRandom } from '../../test/support/seeded-random.js';
import { mulberry32 as seededRandom } from '../../test/support/seeded-random.js';

const PROJECTS = 20;
const NETWORKS_PER_PROJECT = 10;
const POLICIES_PER_PROJECT = 5;
const GROUPS_PER_PROJECT = 3;
/** Commands whose appends are issued together (one group commit). */
const BATCH = 400;

const ACTORS = [
  { actor: 'admin', source: 'rest' },
  { actor: 'netops', source: 'grpc' },
  { actor: 'kubemanager-c1', source: 'kubemanager:c1' },
  { actor: 'kubemanager-c2', source: 'kubemanager:c2' },
];

interface Port {
  vmi: string;
  ip: string;
  project: number;
}

export interface GeneratedLog {
  events: number;
  commands: number;
  refused: number;
  objects: number;
  seconds: number;
}

/** Appends config commands to `store` until it holds at least `target` events. */
export async function generateConfigLog(store: EventStore, target: number, seed = 42): Promise<GeneratedLog> {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const state = new ConfigState();
  let position = await store.headPosition();
  if (position !== 0) throw new Error('generateConfigLog wants an empty store');
  let pending: StreamWrite[][] = [];
  let commands = 0;
  let refused = 0;
  const started = Date.now();
  let reported = 0;

  const flush = async () => {
    const batch = pending;
    pending = [];
    await Promise.all(batch.map((writes) => store.appendMany(writes)));
    if (position - reported >= 100_000) {
      reported = position;
      progress(`  generated ${position} events (${commands} commands, ${state.size} objects) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  };

  /** Decides one command against the local fold, folds its events, queues its append. */
  const run = async (decide: (ctx: CommandContext) => Decision, who = pick(ACTORS)): Promise<string | undefined> => {
    let decision: Decision;
    try {
      decision = decide({ at: new Date().toISOString(), newUuid: randomUUID });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      refused++;
      return undefined;
    }
    const commandId = randomUUID();
    const metadata = { ...who, correlationId: commandId, commandId, schemaVersion: 1 };
    for (const w of decision.writes) {
      let revision = state.revision(w.streamId) ?? -1;
      for (const e of w.events) {
        state.apply({ type: e.type, streamId: w.streamId, streamRevision: ++revision, globalPosition: ++position, data: e.data });
      }
    }
    pending.push(decision.writes.map((w) => ({ ...w, events: w.events.map((e) => ({ ...e, metadata })) })));
    commands++;
    if (pending.length >= BATCH) await flush();
    return decision.uuid;
  };
  const create = (type: string, body: Record<string, unknown>) => run((ctx) => decideCreate(state, CONFIG_MODEL, type, body, ctx), ACTORS[0]);

  await create('global-system-config', { fq_name: ['default-global-system-config'], autonomous_system: 64512 });
  await create('domain', { fq_name: ['default-domain'] });
  const networks: string[][] = [];
  const policies: string[][] = [];
  const groups: string[][] = [];
  for (let p = 0; p < PROJECTS; p++) {
    const project = ['default-domain', `tenant-${p}`];
    await create('project', { fq_name: project, parent_type: 'domain' });
    const ipam = [...project, 'ipam'];
    await create('network-ipam', { fq_name: ipam, parent_type: 'project' });
    networks.push([]);
    policies.push([]);
    groups.push([]);
    for (let v = 0; v < NETWORKS_PER_PROJECT; v++) {
      const subnet = { subnet: { ip_prefix: `10.${p * NETWORKS_PER_PROJECT + v}.0.0`, ip_prefix_len: 16 } };
      const uuid = await create('virtual-network', { fq_name: [...project, `net-${v}`], network_ipam_refs: [{ to: ipam, attr: { ipam_subnets: [subnet] } }] });
      networks[p].push(uuid!);
    }
    for (let k = 0; k < POLICIES_PER_PROJECT; k++) {
      policies[p].push((await create('network-policy', { fq_name: [...project, `policy-${k}`], network_policy_entries: { policy_rule: [] } }))!);
    }
    for (let k = 0; k < GROUPS_PER_PROJECT; k++) {
      groups[p].push((await create('security-group', { fq_name: [...project, `sg-${k}`] }))!);
    }
  }

  const ports: Port[] = [];
  let podSerial = 0;
  const createPort = async () => {
    const p = Math.floor(random() * PROJECTS);
    const network = pick(networks[p]);
    const name = `pod-${podSerial++}`;
    const kube = ACTORS[2 + (p % 2)];
    const vmi = await run(
      (ctx) =>
        decideCreate(
          state,
          CONFIG_MODEL,
          'virtual-machine-interface',
          {
            fq_name: ['default-domain', `tenant-${p}`, name],
            parent_type: 'project',
            virtual_network_refs: [{ uuid: network }],
            security_group_refs: [{ uuid: groups[p][0] }],
            annotations: { key_value_pair: [{ key: 'namespace', value: `ns-${p}` }, { key: 'pod', value: name }, { key: 'cluster', value: kube.actor }] },
          },
          ctx,
        ),
      kube,
    );
    if (!vmi) return;
    const ip = await run(
      (ctx) =>
        decideCreate(
          state,
          CONFIG_MODEL,
          'instance-ip',
          { fq_name: [`${name}-${p}`], virtual_network_refs: [{ uuid: network }], virtual_machine_interface_refs: [{ uuid: vmi }] },
          ctx,
        ),
      kube,
    );
    if (ip) ports.push({ vmi, ip, project: p });
  };
  const deletePort = async () => {
    const port = ports.splice(Math.floor(random() * Math.min(ports.length, 1000)), 1)[0];
    const kube = ACTORS[2 + (port.project % 2)];
    await run((ctx) => decideDelete(state, CONFIG_MODEL, 'instance-ip', port.ip, ctx), kube);
    await run((ctx) => decideDelete(state, CONFIG_MODEL, 'virtual-machine-interface', port.vmi, ctx), kube);
  };
  const relabelPort = async () => {
    const port = pick(ports);
    const body: Record<string, unknown> =
      random() < 0.5
        ? { display_name: `pod v${Math.floor(random() * 1000)}` }
        : { security_group_refs: groups[port.project].filter(() => random() < 0.5).map((uuid) => ({ uuid })) };
    await run((ctx) => decideUpdate(state, CONFIG_MODEL, 'virtual-machine-interface', port.vmi, body, ctx));
  };
  const attachPolicy = async () => {
    const p = Math.floor(random() * PROJECTS);
    const network = pick(networks[p]);
    const policy = pick(policies[p]);
    const operation = random() < 0.6 ? 'ADD' : 'DELETE';
    const attr: JsonValue = { sequence: { major: Math.floor(random() * 10), minor: 0 } };
    const command = { type: 'virtual-network', uuid: network, refType: 'network-policy', refUuid: policy, operation, attr } as const;
    await run((ctx) => decideRefUpdate(state, CONFIG_MODEL, command, ctx));
  };
  const editPolicy = async () => {
    const p = Math.floor(random() * PROJECTS);
    const policy = pick(policies[p]);
    const rules = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
      direction: '<>',
      protocol: 'any',
      src_addresses: [{ virtual_network: ['default-domain', `tenant-${p}`, `net-${Math.floor(random() * NETWORKS_PER_PROJECT)}`].join(':') }],
      dst_addresses: [{ virtual_network: ['default-domain', `tenant-${p}`, `net-${Math.floor(random() * NETWORKS_PER_PROJECT)}`].join(':') }],
      src_ports: [{ start_port: -1, end_port: -1 }],
      dst_ports: [{ start_port: -1, end_port: -1 }],
      action_list: { simple_action: 'pass' },
    }));
    await run((ctx) => decideUpdate(state, CONFIG_MODEL, 'network-policy', policy, { network_policy_entries: { policy_rule: rules } }, ctx));
  };

  // Per step on average: 0.3 port creates (5 events), 0.1 port deletes (5), 0.6 single-event updates: 2.6 events.
  while (position < target) {
    const r = random();
    if (r < 0.3 || ports.length < 100) await createPort();
    else if (r < 0.4) await deletePort();
    else if (r < 0.75) await relabelPort();
    else if (r < 0.92) await attachPolicy();
    else await editPolicy();
  }
  await flush();
  const head = await store.headPosition();
  if (head !== position) throw new Error(`the store holds ${head} events, the generator folded ${position}`);
  return { events: head, commands, refused, objects: state.size, seconds: (Date.now() - started) / 1000 };
}
