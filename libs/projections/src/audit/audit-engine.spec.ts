import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore, type EventStore, type RecordedEvent, type Subscription } from '#libs/event-store';
import {
  CONFIG_MODEL,
  ConfigError,
  ConfigState,
  decideCreate,
  decideDelete,
  decideRefUpdate,
  decideUpdate,
  type CommandContext,
  type ConfigView,
  type Decision,
} from '#libs/domain';
import { NetworkModel } from '#libs/routing';
import { ConfigProjection } from '../config-projection.js';
import { DesiredStateProjection } from '../desired-state/desired-state-projection.js';
import { AuditEngine } from './audit-engine.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Actor {
  actor: string;
  source: string;
}
const ALICE: Actor = { actor: 'alice', source: 'rest' };
const BOB: Actor = { actor: 'bob', source: 'grpc' };
const KUBE: Actor = { actor: 'kubemanager-c1', source: 'kubemanager:c1' };

/**
 * Writes commands the way the config command service does: decide against the state folded from the log, append
 * every stream of the decision in one appendMany with the revisions read and the actor in the metadata, then fold
 * what was appended. A few milliseconds apart, so that each command has its own recordedAt.
 */
class Writer {
  readonly state = new ConfigState();

  constructor(readonly store: EventStore) {}

  async run(who: Actor, decide: (state: ConfigView, ctx: CommandContext) => Decision): Promise<{ uuid: string; position: number }> {
    await new Promise((resolve) => setTimeout(resolve, 3));
    const ctx: CommandContext = { at: new Date().toISOString(), newUuid: () => randomUUID() };
    const decision = decide(this.state, ctx);
    const commandId = randomUUID();
    const metadata = { ...who, correlationId: commandId, commandId, schemaVersion: 1 };
    await this.store.appendMany(decision.writes.map((w) => ({ ...w, events: w.events.map((e) => ({ ...e, metadata })) })));
    for (const event of await this.store.readAll({ after: this.state.position, limit: 1000 })) this.state.apply(event);
    return { uuid: decision.uuid, position: this.state.position };
  }

  create(who: Actor, type: string, body: Record<string, unknown>) {
    return this.run(who, (state, ctx) => decideCreate(state, CONFIG_MODEL, type, body, ctx));
  }

  update(who: Actor, type: string, uuid: string, body: Record<string, unknown>) {
    return this.run(who, (state, ctx) => decideUpdate(state, CONFIG_MODEL, type, uuid, body, ctx));
  }

  delete(who: Actor, type: string, uuid: string) {
    return this.run(who, (state, ctx) => decideDelete(state, CONFIG_MODEL, type, uuid, ctx));
  }
}

const PROJECT = ['default-domain', 'default-project'];
const IPAM = [...PROJECT, 'default-network-ipam'];

/** Creates, updates, ref adds and removes, deletes, by three actors; `at` is the position after each step. */
async function scriptedHistory(store: EventStore) {
  const w = new Writer(store);
  await w.create(ALICE, 'global-system-config', { fq_name: ['default-global-system-config'], autonomous_system: 64512 });
  await w.create(ALICE, 'domain', { fq_name: ['default-domain'] });
  await w.create(ALICE, 'project', { fq_name: PROJECT, parent_type: 'domain' });
  await w.create(ALICE, 'network-ipam', { fq_name: IPAM, parent_type: 'project' });
  const subnet = { to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: '10.1.1.0', ip_prefix_len: 24 } }] } };
  const blue = await w.create(ALICE, 'virtual-network', { fq_name: [...PROJECT, 'blue'], network_ipam_refs: [subnet] });
  const policy = await w.create(ALICE, 'network-policy', { fq_name: [...PROJECT, 'p'], network_policy_entries: { policy_rule: [] } });
  const red = await w.create(BOB, 'virtual-network', { fq_name: [...PROJECT, 'red'] });
  const blueRenamed = await w.update(BOB, 'virtual-network', blue.uuid, {
    display_name: 'Blue',
    network_policy_refs: [{ uuid: policy.uuid, attr: { sequence: { major: 0, minor: 0 } } }],
  });
  const port = await w.create(KUBE, 'virtual-machine-interface', {
    fq_name: [...PROJECT, 'pod-a'],
    parent_type: 'project',
    virtual_network_refs: [{ uuid: blue.uuid }],
  });
  const ip = await w.create(KUBE, 'instance-ip', {
    fq_name: ['pod-a'],
    virtual_network_refs: [{ uuid: blue.uuid }],
    virtual_machine_interface_refs: [{ uuid: port.uuid }],
  });
  const link = { type: 'virtual-network', uuid: red.uuid, refType: 'network-policy', refUuid: policy.uuid, operation: 'ADD' as const };
  const redLinked = await w.run(ALICE, (state, ctx) => decideRefUpdate(state, CONFIG_MODEL, { ...link, attr: { sequence: { major: 1, minor: 0 } } }, ctx));
  const blueUnlinked = await w.update(BOB, 'virtual-network', blue.uuid, { network_policy_refs: null });
  const ipGone = await w.delete(KUBE, 'instance-ip', ip.uuid);
  const portGone = await w.delete(KUBE, 'virtual-machine-interface', port.uuid);
  const redGone = await w.delete(ALICE, 'virtual-network', red.uuid);
  const events = await store.readAll({ limit: 10_000 });
  return {
    writer: w,
    events,
    uuids: { blue: blue.uuid, policy: policy.uuid, red: red.uuid, port: port.uuid, ip: ip.uuid },
    at: {
      blue: blue.position,
      policy: policy.position,
      red: red.position,
      blueRenamed: blueRenamed.position,
      port: port.position,
      ip: ip.position,
      redLinked: redLinked.position,
      blueUnlinked: blueUnlinked.position,
      ipGone: ipGone.position,
      portGone: portGone.position,
      redGone: redGone.position,
    },
  };
}

type History = Awaited<ReturnType<typeof scriptedHistory>>;

function foldUpTo(events: readonly RecordedEvent[], position: number): ConfigState {
  const state = new ConfigState();
  for (const event of events) if (event.globalPosition <= position) state.apply(event);
  return state;
}

/** What a reader sees of a state: every object, and each one's back-refs and children in order. */
function observed(state: ConfigState): unknown {
  const objects = [...state.all()];
  return {
    position: state.position,
    objects,
    links: objects.map((o) => [o.uuid, state.backRefs(o.uuid).map((r) => r.uuid), state.children(o.uuid).map((c) => c.uuid)]),
    revisions: [...state.streamRevisions()],
  };
}

let n = 0;
const newStore = () => new SqliteEventStore({ path: join(dir, `store-${n++}.db`), pollIntervalMs: 20 });

describe('AuditEngine over a SQLite log', () => {
  let store: SqliteEventStore;
  let history: History;
  const engines: AuditEngine[] = [];
  const engine = (options?: ConstructorParameters<typeof AuditEngine>[1]) => {
    const made = new AuditEngine(store, options);
    engines.push(made);
    return made;
  };

  beforeAll(async () => {
    store = newStore();
    history = await scriptedHistory(store);
  });
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop();
  });
  afterAll(async () => {
    await store.close();
  });

  describe('stateAt', () => {
    it('equals the fold of the log up to each position, from snapshots (thinned) or from zero', async () => {
      const head = await store.headPosition();
      const snapshotted = engine({ snapshotEvery: 4, maxSnapshots: 3 });
      await snapshotted.start();
      // 4, 8, 12, then thinned to 8, 16 and spaced 8 apart, and so on: never more than 3.
      const positions = snapshotted.snapshotPositions();
      expect(positions.length).toBeGreaterThanOrEqual(2);
      expect(positions.length).toBeLessThanOrEqual(3);
      expect(positions[1] - positions[0]).toBeGreaterThan(4);
      const cold = engine();
      for (let position = 0; position <= head; position++) {
        const expected = foldUpTo(history.events, position);
        for (const e of [snapshotted, cold]) {
          const state = await e.stateAt(position);
          expect(state.position).toBe(position);
          expect(state.digest()).toBe(expected.digest());
          expect(observed(state)).toEqual(observed(expected));
        }
      }
    });

    it('clamps a position past the head to the head, and refuses a position that is not one (400)', async () => {
      const e = engine();
      const head = await store.headPosition();
      expect((await e.stateAt(head + 1000)).position).toBe(head);
      await expect(e.stateAt(-1)).rejects.toMatchObject({ status: 400 });
      await expect(e.stateAt(1.5)).rejects.toBeInstanceOf(ConfigError);
    });

    it('returns a state of its own: folding more into it changes neither the snapshots nor later answers', async () => {
      const e = engine({ snapshotEvery: 5 });
      await e.start();
      const position = e.snapshotPositions()[1];
      const first = await e.stateAt(position);
      // Objects shared with a snapshot are frozen.
      expect(() => {
        [...first.all()][0].props.display_name = 'scribbled';
      }).toThrow(TypeError);
      for (const event of history.events) if (event.globalPosition > position) first.apply(event);
      expect(first.digest()).toBe(history.writer.state.digest());
      expect((await e.stateAt(position)).digest()).toBe(foldUpTo(history.events, position).digest());
    });
  });

  it('keeps following the log after start, taking snapshots as it grows; stop and start again go on where it was', async () => {
    const own = newStore();
    const w = new Writer(own);
    await w.create(ALICE, 'domain', { fq_name: ['default-domain'] });
    const e = new AuditEngine(own, { snapshotEvery: 3 });
    await Promise.all([e.start(), e.start()]);
    expect(e.snapshotPositions()).toEqual([]);
    const caughtUp = async () => {
      const head = await own.headPosition();
      for (let waited = 0; e.followedPosition < head && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(e.followedPosition).toBe(head);
    };
    for (let i = 0; i < 4; i++) await w.create(BOB, 'project', { fq_name: ['default-domain', `p${i}`], parent_type: 'domain' });
    await caughtUp();
    expect(e.snapshotPositions()).toEqual([3, 6, 9]);
    await e.stop();
    await w.create(BOB, 'project', { fq_name: ['default-domain', 'p4'], parent_type: 'domain' });
    expect(e.followedPosition).toBe(10);
    await e.start();
    await caughtUp();
    expect(e.snapshotPositions()).toEqual([3, 6, 9, 12]);
    const events = await own.readAll();
    for (let position = 0; position <= events.length; position++) {
      expect((await e.stateAt(position)).digest()).toBe(foldUpTo(events, position).digest());
    }
    await e.stop();
    await own.close();
  });

  describe('positionAtTime', () => {
    it('is the last event recorded at or before the time; 0 before the first', async () => {
      const e = engine();
      const { events } = history;
      const ms = (event: RecordedEvent) => Date.parse(event.recordedAt);
      const lastAtOrBefore = (t: number) => events.filter((x) => ms(x) <= t).reduce((p, x) => Math.max(p, x.globalPosition), 0);
      for (const event of events) {
        expect(await e.positionAtTime(event.recordedAt)).toBe(lastAtOrBefore(ms(event)));
        expect(await e.positionAtTime(new Date(ms(event) - 1).toISOString())).toBe(lastAtOrBefore(ms(event) - 1));
      }
      // Between two commands: the last event of the earlier one.
      const renamed = events.find((x) => x.globalPosition === history.at.blueRenamed)!;
      const next = events.find((x) => x.globalPosition === history.at.blueRenamed + 1)!;
      expect(ms(next)).toBeGreaterThan(ms(renamed));
      expect(await e.positionAtTime(new Date(ms(renamed) + (ms(next) - ms(renamed)) / 2).toISOString())).toBe(history.at.blueRenamed);
      expect(await e.positionAtTime('2000-01-01T00:00:00Z')).toBe(0);
      expect(await e.positionAtTime('2999-01-01T00:00:00Z')).toBe(await store.headPosition());
    });

    it('refuses a time that is not ISO-8601 (400)', async () => {
      await expect(engine().positionAtTime('yesterday')).rejects.toMatchObject({ status: 400, field: 'time' });
    });

    it('finds events and states in a store whose positions have gaps', async () => {
      const gappy = new GappyStore(store, 7);
      const e = new AuditEngine(gappy, { snapshotEvery: 3 });
      await e.start();
      const events = await gappy.readAll({ limit: 10_000 });
      for (const event of events) {
        expect(await e.positionAtTime(event.recordedAt)).toBe(Math.max(...events.filter((x) => x.recordedAt <= event.recordedAt).map((x) => x.globalPosition)));
        for (const position of [event.globalPosition - 1, event.globalPosition]) {
          expect((await e.stateAt(position)).digest()).toBe(foldUpTo(events, position).digest());
        }
      }
      await e.stop();
    });
  });

  describe('diff', () => {
    it('names the objects created, deleted and changed, field by field, with the events and actors that did it', async () => {
      const { uuids, at } = history;
      const diff = await engine().diff(at.blue, at.blueUnlinked);
      expect(diff).toMatchObject({ from: at.blue, to: at.blueUnlinked, deleted: [] });
      expect(diff.created.map((c) => [c.type, c.uuid])).toEqual([
        ['network-policy', uuids.policy],
        ['virtual-network', uuids.red],
        ['virtual-machine-interface', uuids.port],
        ['instance-ip', uuids.ip],
      ]);
      const red = diff.created[1];
      expect(red.fields.map((f) => f.field)).toEqual([
        'fq_name',
        'parent_type',
        'parent_uuid',
        'network_policy_refs',
        'virtual_network_network_id',
        'virtual_network_properties',
        'allocations',
      ]);
      expect(red.fields.every((f) => f.before === null)).toBe(true);
      expect(red.events.map((e) => [e.type, e.actor, e.source])).toEqual([
        ['VirtualNetworkCreated', 'bob', 'grpc'],
        ['VirtualNetworkUpdated', 'alice', 'rest'],
      ]);
      // blue got a policy ref and lost it again: only its display name differs between the two positions.
      expect(diff.changed).toHaveLength(1);
      expect(diff.changed[0]).toMatchObject({
        type: 'virtual-network',
        uuid: uuids.blue,
        fq_name: [...PROJECT, 'blue'],
        fields: [{ field: 'display_name', before: null, after: 'Blue' }],
      });
      expect(diff.changed[0].events.map((e) => [e.position, e.actor])).toEqual([
        [at.blueRenamed, 'bob'],
        [at.blueUnlinked, 'bob'],
      ]);
    });

    it('shows a ref set added and one removed, with before and after', async () => {
      const { uuids, at } = history;
      const e = engine({ snapshotEvery: 4 });
      await e.start();
      const added = await e.diff(at.red, at.blueRenamed);
      expect(added.changed).toHaveLength(1);
      expect(added.changed[0].fields).toEqual([
        { field: 'display_name', before: null, after: 'Blue' },
        { field: 'network_policy_refs', before: null, after: [{ uuid: uuids.policy, attr: { sequence: { major: 0, minor: 0 } } }] },
      ]);
      const [event] = added.changed[0].events;
      expect(event).toEqual({ position: at.blueRenamed, type: 'VirtualNetworkUpdated', actor: 'bob', source: 'grpc', recordedAt: expect.any(String) });
      const removed = await e.diff(at.redLinked, at.blueUnlinked);
      expect(removed.changed.map((c) => [c.uuid, c.fields.map((f) => [f.field, f.after])])).toEqual([[uuids.blue, [['network_policy_refs', null]]]]);
      const linked = await e.diff(at.ip, at.redLinked);
      const linkedSummary = linked.changed.map((c) => [c.uuid, c.fields.map((f) => f.field), c.events.map((x) => x.actor)]);
      expect(linkedSummary).toEqual([[uuids.red, ['network_policy_refs'], ['alice']]]);
    });

    it('lists deletes with what the object held; an object created and deleted inside the range is not listed', async () => {
      const { uuids, at } = history;
      const e = engine();
      const gone = await e.diff(at.blueUnlinked, at.redGone + 100);
      expect(gone.to).toBe(at.redGone);
      expect(gone.created).toEqual([]);
      expect(gone.changed).toEqual([]);
      expect(gone.deleted.map((d) => [d.uuid, d.events.map((x) => `${x.type} ${x.actor}`)])).toEqual([
        [uuids.ip, ['InstanceIpDeleted kubemanager-c1']],
        [uuids.port, ['VirtualMachineInterfaceDeleted kubemanager-c1']],
        [uuids.red, ['VirtualNetworkDeleted alice']],
      ]);
      const ip = gone.deleted[0];
      const address = ip.fields.find((f) => f.field === 'instance_ip_address');
      expect(address).toEqual({ field: 'instance_ip_address', before: expect.stringMatching(/^10\.1\.1\./), after: null });
      expect(ip.fields.every((f) => f.after === null)).toBe(true);
      const transient = await e.diff(at.blueRenamed, at.redGone);
      expect([...transient.created, ...transient.deleted].map((c) => c.uuid)).toEqual([uuids.red]);
      expect(await e.diff(at.ip, at.ip)).toEqual({ from: at.ip, to: at.ip, created: [], deleted: [], changed: [] });
      await expect(e.diff(5, 4)).rejects.toMatchObject({ status: 400 });
    });
  });

  describe('verify', () => {
    it('passes against the live projection, at the head and at an earlier position', async () => {
      const projection = new ConfigProjection(store);
      await projection.start();
      const report = await engine().verify(projection.state);
      await projection.stop();
      const head = await store.headPosition();
      const expected = history.writer.state;
      const config = { ok: true, position: head, liveDigest: expected.digest(), rebuiltDigest: expected.digest(), objects: expected.size };
      // Without a desired state, the config projection alone.
      expect(report).toEqual({ ...config, projections: [{ projection: 'config', ...config }] });
      const earlier = await engine().verify(foldUpTo(history.events, history.at.ip));
      expect(earlier).toMatchObject({ ok: true, position: history.at.ip });
    });

    it('fails on a live state changed behind the fold, naming the object, the field and both values', async () => {
      const live = foldUpTo(history.events, Number.MAX_SAFE_INTEGER);
      live.get(history.uuids.blue)!.props.display_name = 'Tampered';
      const report = await engine().verify(live);
      expect(report.ok).toBe(false);
      expect(report.liveDigest).not.toBe(report.rebuiltDigest);
      expect(report.firstDivergence).toEqual({ uuid: history.uuids.blue, type: 'virtual-network', field: 'display_name', live: 'Tampered', rebuilt: 'Blue' });
    });

    it('fails on a live state folded from a log missing one event, at the object that event changed', async () => {
      const missing = history.at.blueRenamed;
      const live = new ConfigState();
      for (const event of history.events) if (event.globalPosition !== missing) live.apply(event);
      const report = await engine().verify(live);
      expect(report).toMatchObject({ ok: false, position: await store.headPosition() });
      expect(report.firstDivergence).toEqual({ uuid: history.uuids.blue, type: 'virtual-network', field: 'display_name', live: null, rebuilt: 'Blue' });
    });

    it('fails on a pool allocation the log does not hold, and on an object the log never made', async () => {
      const live = foldUpTo(history.events, Number.MAX_SAFE_INTEGER);
      const allocation = { pool: 'vn-id', number: 4242, owner: 'ghost' };
      live.apply({ type: 'NumberAllocated', streamId: 'pool-vn-id', streamRevision: 99, globalPosition: live.position, data: allocation });
      expect((await engine().verify(live)).firstDivergence).toMatchObject({ uuid: 'pool-vn-id', type: 'pool', field: '4242', live: 'ghost', rebuilt: null });
      const ghost = foldUpTo(history.events, Number.MAX_SAFE_INTEGER);
      const tag = { type: 'tag', uuid: 'ghost', fq_name: ['g'], props: {}, refs: {}, allocations: [], at: 'x' };
      ghost.apply({ type: 'TagCreated', streamId: 'tag-ghost', streamRevision: 0, globalPosition: ghost.position, data: tag });
      expect((await engine().verify(ghost)).firstDivergence).toMatchObject({ uuid: 'ghost', type: 'tag', rebuilt: null });
    });
  });
});

const GSC = ['default-global-system-config'];

/** A network with a port on a virtual-router of the default cluster, and a virtual-router in cluster `edge`. */
async function networkHistory(store: EventStore) {
  const w = new Writer(store);
  await w.create(ALICE, 'global-system-config', { fq_name: GSC, autonomous_system: 64512 });
  await w.create(ALICE, 'domain', { fq_name: ['default-domain'] });
  await w.create(ALICE, 'project', { fq_name: PROJECT, parent_type: 'domain' });
  await w.create(ALICE, 'network-ipam', { fq_name: IPAM, parent_type: 'project' });
  const subnet = { to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: '10.2.0.0', ip_prefix_len: 24 } }] } };
  await w.create(ALICE, 'virtual-network', { fq_name: [...PROJECT, 'green'], network_ipam_refs: [subnet] });
  await w.create(ALICE, 'virtual-router', { fq_name: [...GSC, 'vr-1'], parent_type: 'global-system-config', virtual_router_ip_address: '192.0.2.1' });
  const port = await w.create(KUBE, 'virtual-machine-interface', {
    fq_name: [...PROJECT, 'pod-g'],
    parent_type: 'project',
    virtual_network_refs: [{ to: [...PROJECT, 'green'] }],
    virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: 'vr-1' }] },
  });
  const ip = await w.create(KUBE, 'instance-ip', { fq_name: ['pod-g'], virtual_network_refs: [{ to: [...PROJECT, 'green'] }], virtual_machine_interface_refs: [{ uuid: port.uuid }] });
  const beforeEdge = ip.position;
  await w.create(ALICE, 'cluster', { fq_name: [...GSC, 'edge'], parent_type: 'global-system-config' });
  await w.create(ALICE, 'virtual-router', {
    fq_name: [...GSC, 'vr-2'],
    parent_type: 'global-system-config',
    virtual_router_ip_address: '192.0.2.2',
    cluster_refs: [{ to: [...GSC, 'edge'] }],
  });
  return { beforeEdge, events: await store.readAll({ limit: 10_000 }) };
}

describe('AuditEngine.verify with the desired state', () => {
  let store: SqliteEventStore;
  let history: Awaited<ReturnType<typeof networkHistory>>;
  let projection: ConfigProjection;
  let desired: DesiredStateProjection;

  beforeAll(async () => {
    store = newStore();
    history = await networkHistory(store);
  });
  afterAll(async () => {
    await store.close();
  });

  beforeEach(async () => {
    projection = new ConfigProjection(store);
    // Started on the empty state, before the projection folds: it follows the fold run by run, as in the controller.
    desired = new DesiredStateProjection(projection, store);
    desired.start();
    await projection.start();
  });
  afterEach(async () => {
    desired.stop();
    await projection.stop();
  });

  it('checks both projections, each against its rebuild from position 0', async () => {
    const head = await store.headPosition();
    expect(desired.model.clusters()).toEqual(['default', 'edge']);
    expect(desired.model.agentConfig('vr-1')!.interfaces).toHaveLength(1);
    const report = await new AuditEngine(store).verify(projection.state, desired);
    const digest = NetworkModel.build(foldUpTo(history.events, head)).digest();
    expect(report.ok).toBe(true);
    expect(report.projections.map((p) => p.projection)).toEqual(['config', 'desired-state']);
    expect(report.projections[1]).toEqual({ projection: 'desired-state', ok: true, position: head, liveDigest: digest, rebuiltDigest: digest, clusters: 2 });
    expect(report.projections[0]).toMatchObject({ projection: 'config', ok: true, position: head, liveDigest: report.liveDigest });
  });

  it('fails when the live desired state is corrupted, naming the cluster, the virtual router, the field and both values', async () => {
    const interfaces = desired.model.agentConfig('vr-1')!.interfaces;
    const rebuilt = structuredClone(interfaces);
    interfaces[0].ipAddresses = ['10.2.0.99'];
    const report = await new AuditEngine(store).verify(projection.state, desired);
    expect(report.ok).toBe(false);
    // The config state is fine: only the desired state differs.
    expect(report.projections.map((p) => [p.projection, p.ok])).toEqual([
      ['config', true],
      ['desired-state', false],
    ]);
    const check = report.projections[1];
    expect(check.liveDigest).not.toBe(check.rebuiltDigest);
    expect(check.firstDivergence).toEqual({ cluster: 'default', kind: 'virtual-router', name: 'vr-1', field: 'interfaces', live: interfaces, rebuilt });
    expect((check.firstDivergence!.rebuilt as Array<{ ipAddresses: string[] }>)[0].ipAddresses).toEqual([expect.stringMatching(/^10\.2\.0\./)]);
  });

  it('names a cluster the live desired state lacks, and a VRF that differs where it first shows', async () => {
    const head = await store.headPosition();
    // A model that missed the last events (the edge cluster and its virtual-router), claiming the head.
    const stale = { position: head, model: NetworkModel.build(foldUpTo(history.events, history.beforeEdge)) };
    const missing = await new AuditEngine(store).verify(projection.state, stale);
    expect(missing.projections[1].firstDivergence).toEqual({ cluster: 'edge', kind: 'cluster', name: 'edge', live: null, rebuilt: expect.objectContaining({ cluster: 'edge' }) });

    const live = NetworkModel.build(foldUpTo(history.events, head));
    const [vrf] = live.desiredState('default').vrfs;
    vrf.importTargets = [...vrf.importTargets, 'target:64512:1'];
    const report = await new AuditEngine(store).verify(projection.state, { position: head, model: live });
    // The VRF is also in vr-1's config, which comes first.
    expect(report.projections[1].firstDivergence).toMatchObject({ cluster: 'default', kind: 'virtual-router', name: 'vr-1', field: 'vrfs' });
  });

  it('rebuilds the desired state at its own position when it is behind the config state', async () => {
    const head = await store.headPosition();
    const behind = { position: history.beforeEdge, model: NetworkModel.build(foldUpTo(history.events, history.beforeEdge)) };
    const report = await new AuditEngine(store).verify(projection.state, behind);
    expect(report.ok).toBe(true);
    expect(report.projections.map((p) => [p.projection, p.position])).toEqual([
      ['config', head],
      ['desired-state', history.beforeEdge],
    ]);
  });
});

/** A store that answers reads a few events at a time, each read after `delayMs` (0: at once, in a microtask). */
function slowReads(inner: EventStore, perRead: number, delayMs: number): EventStore {
  return {
    kind: 'slow',
    append: (...args) => inner.append(...args),
    appendMany: (writes) => inner.appendMany(writes),
    readStream: (...args) => inner.readStream(...args),
    subscribeToAll: (options) => inner.subscribeToAll(options),
    headPosition: () => inner.headPosition(),
    close: () => Promise.resolve(),
    async readAll(options = {}) {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return inner.readAll({ ...options, limit: Math.min(options.limit ?? 1000, perRead) });
    },
  };
}

describe('AuditEngine catching up in the background', () => {
  let store: SqliteEventStore;
  let events: RecordedEvent[];
  const engines: AuditEngine[] = [];

  beforeAll(async () => {
    store = newStore();
    events = (await networkHistory(store)).events;
  });
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop();
  });
  afterAll(async () => {
    await store.close();
  });

  const started = (inner: EventStore, options: ConstructorParameters<typeof AuditEngine>[1]) => {
    const e = new AuditEngine(inner, options);
    engines.push(e);
    const done = e.start();
    return { e, done };
  };

  it('gives way to the event loop between pages, and reports how far it is', async () => {
    const head = await store.headPosition();
    const { e, done } = started(slowReads(store, 5, 0), { snapshotEvery: 10 });
    expect(e.progress).toEqual({ position: 0, target: 0, caughtUp: false });
    const seen: number[] = [];
    const sample = () => {
      seen.push(e.progress.position);
      if (!e.progress.caughtUp) setImmediate(sample);
    };
    setImmediate(sample);
    await done;
    expect(e.progress).toEqual({ position: head, target: head, caughtUp: true });
    // Sampled while it ran: positions strictly between the start and the head.
    expect(seen.some((p) => p > 0 && p < head)).toBe(true);
  });

  it('makes an as-of read beyond the position reached wait for it, then answers from its snapshots', async () => {
    const head = await store.headPosition();
    const { e, done } = started(slowReads(store, 4, 5), { snapshotEvery: 8 });
    const state = await e.stateAt(head);
    expect(e.progress.position).toBeGreaterThanOrEqual(head);
    expect(state.digest()).toBe(foldUpTo(events, head).digest());
    await done;
    expect((await e.diff(8, head)).to).toBe(head);
  });

  it('answers a 503 saying how far it is when the wait runs out; at once for a position already reached', async () => {
    const head = await store.headPosition();
    const { e, done } = started(slowReads(store, 2, 20), { snapshotEvery: 8, catchUpWaitMs: 30 });
    const refused = await e.stateAt(head).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect(refused).toMatchObject({ status: 503, message: expect.stringMatching(new RegExp(`^the audit engine is catching up with the log after a start: at position \\d+ of ${head}; try again shortly$`)) });
    await expect(e.diff(0, head)).resolves.toMatchObject({ from: 0 });
    const reached = e.progress.position;
    expect((await e.stateAt(reached)).digest()).toBe(foldUpTo(events, reached).digest());
    await e.stop();
    await done;
    // Stopped half-way: reads no longer wait, they fold from the snapshots taken (or from 0).
    expect((await e.stateAt(head)).digest()).toBe(foldUpTo(events, head).digest());
  });

  it('folds of a range (as-of reads, verify) give way to the event loop between pages too', async () => {
    const head = await store.headPosition();
    const e = new AuditEngine(slowReads(store, 3, 0));
    let turns = 0;
    let folding = true;
    const turn = () => {
      turns++;
      if (folding) setImmediate(turn);
    };
    setImmediate(turn);
    const state = await e.stateAt(head);
    folding = false;
    expect(state.position).toBe(head);
    // One turn per page of 3 events, give or take the first and the last.
    expect(turns).toBeGreaterThanOrEqual(Math.floor(head / 3) - 2);
  });

  it('does not wait when it was never started (the CLI), nor after a failed start', async () => {
    const head = await store.headPosition();
    expect((await new AuditEngine(slowReads(store, 2, 0), { catchUpWaitMs: 0 }).stateAt(head)).position).toBe(head);
    const failing: EventStore = { ...slowReads(store, 2, 0), readAll: () => Promise.reject(new Error('disk on fire')) };
    const { e, done } = started(failing, { catchUpWaitMs: 0 });
    await expect(done).rejects.toThrow('disk on fire');
    expect(e.progress.caughtUp).toBe(false);
  });
});

/** The same log with every position multiplied by `factor`: positions with gaps, as KurrentDB's commit positions. */
class GappyStore implements EventStore {
  readonly kind = 'gappy';

  constructor(
    private readonly inner: EventStore,
    private readonly factor: number,
  ) {}

  private out = (event: RecordedEvent): RecordedEvent => ({ ...event, globalPosition: event.globalPosition * this.factor });
  private in = (position: number) => Math.floor(position / this.factor);

  append: EventStore['append'] = (...args) => this.inner.append(...args);
  appendMany: EventStore['appendMany'] = (writes) => this.inner.appendMany(writes);
  readStream: EventStore['readStream'] = async (...args) => (await this.inner.readStream(...args)).map(this.out);

  async readAll(options: { after?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
    return (await this.inner.readAll({ after: this.in(options.after ?? 0), limit: options.limit })).map(this.out);
  }

  subscribeToAll(options: { after?: number; batchSize?: number } = {}): Subscription {
    const inner = this.inner.subscribeToAll({ ...options, after: this.in(options.after ?? 0) });
    const out = this.out;
    const factor = this.factor;
    return {
      get position() {
        return inner.position * factor;
      },
      get buffered() {
        return inner.buffered;
      },
      close: () => inner.close(),
      async *[Symbol.asyncIterator]() {
        for await (const event of inner) yield out(event);
      },
    };
  }

  async headPosition(): Promise<number> {
    return (await this.inner.headPosition()) * this.factor;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
