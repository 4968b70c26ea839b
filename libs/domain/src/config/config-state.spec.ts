import { describe, expect, it } from '@jest/globals';
import type { JsonValue } from '#libs/event-store';
import { canonicalDigest, canonicalJson } from './canonical-json.js';
import { digestDocument } from './config-state-digest.js';
import type { CommandContext } from './command-context.js';
import { ConfigState, type ConfigEvent } from './config-state.js';
import { decideCreate, decideDelete, decideRefUpdate, decideUpdate, type Decision } from './decide.js';
import { CONFIG_MODEL } from './registry-schema.js';

/** Commands decided against a state and committed to an in-memory log, with positions and revisions. */
class Log {
  readonly state = new ConfigState();
  readonly events: ConfigEvent[] = [];
  /** Each stream's last revision, as a store keeps it (the state forgets closed streams). */
  private readonly streams = new Map<string, number>();
  private uuids = 0;

  ctx(): CommandContext {
    const second = String(this.events.length % 60).padStart(2, '0');
    return { at: `2026-11-25T12:00:${second}.000Z`, newUuid: () => `00000000-0000-4000-8000-${String(++this.uuids).padStart(12, '0')}` };
  }

  commit(decision: Decision): string {
    for (const w of decision.writes) {
      let revision = this.streams.get(w.streamId) ?? -1;
      for (const e of w.events) {
        const event = { type: e.type, streamId: w.streamId, streamRevision: ++revision, globalPosition: this.events.length + 1, data: e.data };
        this.events.push(event);
        this.state.apply(event);
      }
      this.streams.set(w.streamId, revision);
    }
    return decision.uuid;
  }

  create(type: string, body: Record<string, unknown>): string {
    return this.commit(decideCreate(this.state, CONFIG_MODEL, type, body, this.ctx()));
  }

  update(type: string, uuid: string, body: Record<string, unknown>): string {
    return this.commit(decideUpdate(this.state, CONFIG_MODEL, type, uuid, body, this.ctx()));
  }
}

const PROJECT = ['default-domain', 'default-project'];
const IPAM = [...PROJECT, 'default-network-ipam'];
const subnet = (prefix: string, len: number) => ({ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: prefix, ip_prefix_len: len } }] } });

/** A history with every kind of index: names, children, back-refs made out of creation order, pools, MACs. */
function history(): { log: Log; uuids: Record<string, string> } {
  const log = new Log();
  log.create('global-system-config', { fq_name: ['default-global-system-config'], autonomous_system: 64512 });
  log.create('domain', { fq_name: ['default-domain'] });
  log.create('project', { fq_name: PROJECT, parent_type: 'domain' });
  log.create('network-ipam', { fq_name: IPAM, parent_type: 'project' });
  const blue = log.create('virtual-network', { fq_name: [...PROJECT, 'blue'], network_ipam_refs: [subnet('10.1.1.0', 24)] });
  const red = log.create('virtual-network', { fq_name: [...PROJECT, 'red'], network_ipam_refs: [subnet('10.2.0.0', 16)] });
  const policy = log.create('network-policy', { fq_name: [...PROJECT, 'p'], network_policy_entries: { policy_rule: [] } });
  // red refers to the policy before blue does, though blue was created first: the back-refs keep that order.
  log.update('virtual-network', red, { network_policy_refs: [{ uuid: policy, attr: { sequence: { major: 0, minor: 0 } } }] });
  log.update('virtual-network', blue, { display_name: 'Blue', network_policy_refs: [{ uuid: policy, attr: { sequence: { major: 1, minor: 0 } } }] });
  const port = log.create('virtual-machine-interface', { fq_name: [...PROJECT, 'port'], parent_type: 'project', virtual_network_refs: [{ uuid: blue }] });
  const ip = log.create('instance-ip', { fq_name: ['ip'], virtual_network_refs: [{ uuid: blue }], virtual_machine_interface_refs: [{ uuid: port }] });
  const gone = log.create('instance-ip', { fq_name: ['gone'], virtual_network_refs: [{ uuid: blue }] });
  log.commit(decideDelete(log.state, CONFIG_MODEL, 'instance-ip', gone, log.ctx()));
  const unlink = { type: 'virtual-network', uuid: blue, refType: 'network-policy', refUuid: policy, operation: 'DELETE' as const };
  log.commit(decideRefUpdate(log.state, CONFIG_MODEL, unlink, log.ctx()));
  log.update('virtual-network', blue, { network_policy_refs: [{ uuid: policy, attr: null }] });
  return { log, uuids: { blue, red, policy, port, ip } };
}

function fold(events: readonly ConfigEvent[], into = new ConfigState()): ConfigState {
  for (const event of events) into.apply(event);
  return into;
}

/** Everything a reader can ask of a state about these objects. */
function observed(state: ConfigState, uuids: Record<string, string>): unknown {
  const project = state.uuidOf('project', PROJECT)!;
  const blue = state.get(uuids.blue)!;
  const subnetUuid = (blue.refs['network-ipam'][0].attr as { ipam_subnets: Array<{ subnet_uuid: string }> }).ipam_subnets[0].subnet_uuid;
  return {
    position: state.position,
    size: state.size,
    objects: [...state.all()],
    children: state.children(project).map((o) => o.uuid),
    backRefs: Object.fromEntries(Object.entries(uuids).map(([name, uuid]) => [name, state.backRefs(uuid).map((o) => o.uuid)])),
    names: [...state.all()].map((o) => state.uuidOf(o.type, o.fq_name)),
    macs: [...state.all()].map((o) => state.macOwner(`02:${o.uuid.replaceAll('-', '').slice(0, 10).replace(/(..)(?!$)/g, '$1:')}`)),
    vnIds: [...state.numbersInUse('vn-id')],
    routeTargets: [...state.numbersInUse('route-target')],
    addresses: [...state.addressesInUse(subnetUuid)],
    addressValues: [...state.addressValuesInUse(subnetUuid)].map(String),
    revisions: [...state.streamRevisions()],
  };
}

describe('ConfigState snapshots and digests', () => {
  it('snapshot → fromSnapshot gives the same state: same digest and the same answers to every query', () => {
    const { log, uuids } = history();
    const restored = ConfigState.fromSnapshot(log.state.snapshot());
    expect(restored.digest()).toBe(log.state.digest());
    expect(observed(restored, uuids)).toEqual(observed(log.state, uuids));
    expect(restored.backRefs(uuids.policy).map((o) => o.uuid)).toEqual([uuids.red, uuids.blue]);
  });

  it('a snapshot is plain JSON: through JSON text and back it makes the same state', () => {
    const { log, uuids } = history();
    const restored = ConfigState.fromSnapshot(JSON.parse(JSON.stringify(log.state.snapshot())));
    expect(restored.digest()).toBe(log.state.digest());
    expect(observed(restored, uuids)).toEqual(observed(log.state, uuids));
  });

  it('a snapshot taken part-way plus the rest of the log equals the fold of the whole log', () => {
    const { log, uuids } = history();
    for (let cut = 0; cut <= log.events.length; cut += 5) {
      const head = fold(log.events.slice(0, cut));
      const resumed = fold(log.events.slice(cut), ConfigState.fromSnapshot(head.snapshot()));
      expect(resumed.digest()).toBe(log.state.digest());
      expect(observed(resumed, uuids)).toEqual(observed(log.state, uuids));
    }
  });

  it('later applies change neither a snapshot nor the state made from it, and a restored state allocates alike', () => {
    const { log, uuids } = history();
    const snapshot = log.state.snapshot();
    const frozen = JSON.stringify(snapshot);
    const restored = ConfigState.fromSnapshot(snapshot);
    const digest = restored.digest();
    log.update('virtual-network', uuids.blue, { display_name: 'Bluer', network_policy_refs: null });
    log.create('instance-ip', { fq_name: ['more'], virtual_network_refs: [{ uuid: uuids.blue }] });
    expect(JSON.stringify(snapshot)).toBe(frozen);
    expect(restored.digest()).toBe(digest);
    // The restored state decides the same next address as the original did (the allocator's view of the pool).
    const next = decideCreate(restored, CONFIG_MODEL, 'instance-ip', { fq_name: ['more'], virtual_network_refs: [{ uuid: uuids.blue }] }, log.ctx());
    expect(next.writes.find((w) => w.streamId.startsWith('pool-ipam-'))!.events[0].data).toMatchObject({
      address: log.state.get(log.state.uuidOf('instance-ip', ['more'])!)!.props.instance_ip_address as string,
    });
  });

  it('clone is independent of the original', () => {
    const { log, uuids } = history();
    const copy = log.state.clone();
    log.update('virtual-network', uuids.red, { display_name: 'Red' });
    expect(copy.get(uuids.red)!.props.display_name).toBeUndefined();
    expect(copy.digest()).not.toBe(log.state.digest());
    expect(fold(log.events.slice(copy.position), copy).digest()).toBe(log.state.digest());
  });

  it('shareSnapshot shares the objects, which the state then copies before changing; restored states share them too', () => {
    const { log, uuids } = history();
    const shared = log.state.shareSnapshot();
    const blueThen = shared.objects.find((o) => o.uuid === uuids.blue)!;
    expect(log.state.get(uuids.blue)).toBe(blueThen);
    expect(Object.isFrozen(blueThen) && Object.isFrozen(blueThen.props)).toBe(true);
    const frozenText = JSON.stringify(shared);
    log.update('virtual-network', uuids.blue, { display_name: 'Bluer' });
    expect(log.state.get(uuids.blue)).not.toBe(blueThen);
    expect(log.state.get(uuids.blue)!.props.display_name).toBe('Bluer');
    expect(JSON.stringify(shared)).toBe(frozenText);
    // The next snapshot takes the unchanged objects as they are and copies only the changed one.
    const next = log.state.snapshot();
    expect(next.objects.find((o) => o.uuid === uuids.red)).toBe(shared.objects.find((o) => o.uuid === uuids.red));
    expect(next.objects.find((o) => o.uuid === uuids.blue)).not.toBe(log.state.get(uuids.blue));
    const restored = ConfigState.fromSnapshot(shared);
    expect(restored.get(uuids.red)).toBe(shared.objects.find((o) => o.uuid === uuids.red));
    expect(() => {
      restored.get(uuids.red)!.props.display_name = 'scribbled';
    }).toThrow(TypeError);
    expect(fold(log.events.slice(restored.position), restored).digest()).toBe(log.state.digest());
    expect(JSON.stringify(shared)).toBe(frozenText);
  });

  it("answers each open stream's revision as of its last event, for live and re-created objects; none for closed streams", () => {
    const { log, uuids } = history();
    const again = '11111111-2222-4333-8444-555555555555';
    log.create('virtual-network', { uuid: again, fq_name: [...PROJECT, 'again'] });
    log.commit(decideDelete(log.state, CONFIG_MODEL, 'virtual-network', again, log.ctx()));
    log.create('virtual-network', { uuid: again, fq_name: [...PROJECT, 'again'] });
    log.update('virtual-network', again, { display_name: 'Again' });
    const expected = new Map<string, number>();
    for (const event of log.events) expected.set(event.streamId, event.streamRevision);
    // A deleted object's stream and a released name's are closed: the log keeps their revisions, the state not.
    const closing = (e: ConfigEvent) => e.type.endsWith('Deleted') || e.type === 'FqNameReleased';
    const closed = log.events.filter((e, i) => closing(e) && !log.events.slice(i + 1).some((later) => later.streamId === e.streamId));
    for (const event of closed) expected.delete(event.streamId);
    expect(closed.length).toBeGreaterThan(0);
    const restored = ConfigState.fromSnapshot(fold(log.events.slice(0, 30)).snapshot());
    fold(log.events.slice(30), restored);
    for (const state of [log.state, restored]) {
      for (const [streamId, revision] of expected) expect([streamId, state.revision(streamId)]).toEqual([streamId, revision]);
      expect(new Map([...state.streamRevisions()].sort())).toEqual(new Map([...expected].sort()));
      expect(state.revision(`virtual-network-${again}`)).toBe(3);
      expect(state.revision(`virtual-network-${uuids.policy}`)).toBeUndefined();
      expect(state.revision('no-such-stream')).toBeUndefined();
    }
  });

  it('the same events give the same digest; any change to an object, a pool or a revision changes it', () => {
    const { log } = history();
    const once = fold(log.events).digest();
    expect(fold(log.events).digest()).toBe(once);
    expect(once).toBe(log.state.digest());
    expect(once).toMatch(/^[0-9a-f]{64}$/);
    // Written piece by piece, it is the sha256 of the whole document's canonical JSON.
    expect(once).toBe(canonicalDigest(digestDocument(log.state)));
    expect(Object.keys(digestDocument(log.state))).toEqual(['addresses', 'numbers', 'objects', 'revisions']);
    const withoutLast = fold(log.events.slice(0, -1));
    expect(withoutLast.digest()).not.toBe(once);
    const extra = fold(log.events);
    extra.apply({ type: 'NumberAllocated', streamId: 'pool-vn-id', streamRevision: 99, globalPosition: 1000, data: { pool: 'vn-id', number: 77, owner: 'x' } });
    expect(extra.digest()).not.toBe(once);
  });

  it('the digest does not depend on the order of keys in the events or of allocations in a pool', () => {
    const created = (props: Record<string, JsonValue>, position: number) => ({
      type: 'TagCreated',
      streamId: 'tag-t1',
      streamRevision: 0,
      globalPosition: position,
      data: { type: 'tag', uuid: 't1', fq_name: ['t'], props, refs: {}, allocations: [], at: 'now' },
    });
    const allocate = (number: number, revision: number) => ({
      type: 'NumberAllocated',
      streamId: 'pool-vn-id',
      streamRevision: revision,
      globalPosition: revision + 2,
      data: { pool: 'vn-id', number, owner: 'o' },
    });
    const a = fold([created({ tag_type_name: 'app', tag_value: 'x' }, 1), allocate(1, 0), allocate(2, 1)]);
    const b = fold([created({ tag_value: 'x', tag_type_name: 'app' }, 1), allocate(2, 0), allocate(1, 1)]);
    expect(a.digest()).toBe(b.digest());
    expect(a.objectDigests()).toEqual(b.objectDigests());
  });

  it('canonical JSON sorts keys at every depth, keeps array order and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 'x' }, null], u: undefined })).toBe('{"a":[{"c":"x","d":1},null],"b":1}');
    expect(canonicalJson('é\u0000')).toBe(JSON.stringify('é\u0000'));
  });
});

describe('ConfigState indexes after deletes', () => {
  /** Creates a network with a subnet, a port in it, an address for the port, and deletes the three again. */
  function churn(log: Log, round: number, policy: string): void {
    const vn = log.create('virtual-network', {
      fq_name: [...PROJECT, `churn-${round}`],
      network_ipam_refs: [subnet(`10.${100 + round}.0.0`, 24)],
      network_policy_refs: [{ uuid: policy, attr: { sequence: { major: 0, minor: 0 } } }],
    });
    const port = log.create('virtual-machine-interface', { fq_name: [...PROJECT, `churn-${round}-port`], parent_type: 'project', virtual_network_refs: [{ uuid: vn }], virtual_machine_interface_mac_addresses: { mac_address: [`02:00:00:00:ab:${round.toString(16).padStart(2, '0')}`] } });
    const ip = log.create('instance-ip', { fq_name: [`churn-${round}-ip`], virtual_network_refs: [{ uuid: vn }], virtual_machine_interface_refs: [{ uuid: port }] });
    log.commit(decideDelete(log.state, CONFIG_MODEL, 'instance-ip', ip, log.ctx()));
    log.commit(decideDelete(log.state, CONFIG_MODEL, 'virtual-machine-interface', port, log.ctx()));
    log.commit(decideDelete(log.state, CONFIG_MODEL, 'virtual-network', vn, log.ctx()));
  }

  it('a create-then-delete cycle leaves every index as it was, but for its subnet’s address pool stream', () => {
    const { log, uuids } = history();
    const before = log.state.indexSizes();
    const streamsBefore = log.state.streamRevisions().size;
    for (let round = 0; round < 20; round++) churn(log, round, uuids.policy);
    const after = log.state.indexSizes();
    // Each round writes 3 resource streams and 3 name streams, closed again by the deletes, and its subnet's address
    // pool stream, which stays open.
    expect(after).toEqual({ ...before, streams: streamsBefore + 20 });
    // And the same as a state folded from the log.
    expect(fold(log.events).indexSizes()).toEqual(after);
  });

  it('deletes folded onto a state restored from a snapshot leave nothing behind either', () => {
    const { log, uuids } = history();
    for (let round = 0; round < 5; round++) churn(log, round, uuids.policy);
    const restored = ConfigState.fromSnapshot(JSON.parse(JSON.stringify(log.state.snapshot())) as ReturnType<ConfigState['snapshot']>);
    const at = log.events.length;
    for (let round = 5; round < 25; round++) churn(log, round, uuids.policy);
    fold(log.events.slice(at), restored);
    expect(restored.indexSizes()).toEqual(log.state.indexSizes());
    expect(restored.digest()).toBe(log.state.digest());
    expect(restored.backRefs(uuids.policy).map((o) => o.uuid)).toEqual(log.state.backRefs(uuids.policy).map((o) => o.uuid));
  });
});
