import { beforeEach, describe, expect, it } from '@jest/globals';
import { CONFIG_MODEL, ConfigState, decideCreate, decideDelete, decideUpdate, type CommandContext, type Decision } from '#libs/domain';
import type { ReadStreamOptions, RecordedEvent } from '#libs/event-store';
import { WatchEventKind } from '#libs/proto';
import { ObjectsAtEvent, resourceChangeOf } from './watch-events.js';

/** An in-memory log with the live config state folded from it, and a readStream that counts its calls. */
class Log {
  readonly events: RecordedEvent[] = [];
  readonly live = new ConfigState();
  streamReads = 0;
  private uuids = 0;

  ctx(): CommandContext {
    return { at: `2026-11-26T00:00:${String(this.events.length % 60).padStart(2, '0')}.000Z`, newUuid: () => `00000000-0000-4000-8000-${String(++this.uuids).padStart(12, '0')}` };
  }

  commit(decision: Decision): RecordedEvent[] {
    const written: RecordedEvent[] = [];
    for (const write of decision.writes) {
      let revision = this.live.revision(write.streamId) ?? -1;
      for (const e of write.events) {
        const event: RecordedEvent = {
          eventId: `e${this.events.length + 1}`,
          type: e.type,
          streamId: write.streamId,
          streamRevision: ++revision,
          globalPosition: this.events.length + 1,
          recordedAt: '2026-11-26T00:00:00.000Z',
          data: e.data,
          metadata: {},
        };
        this.events.push(event);
        this.live.apply(event);
        written.push(event);
      }
    }
    return written;
  }

  create(type: string, body: Record<string, unknown>): { uuid: string; event: RecordedEvent } {
    const decision = decideCreate(this.live, CONFIG_MODEL, type, body, this.ctx());
    return { uuid: decision.uuid, event: this.resourceEvent(this.commit(decision), decision.uuid) };
  }

  update(type: string, uuid: string, body: Record<string, unknown>): RecordedEvent {
    return this.resourceEvent(this.commit(decideUpdate(this.live, CONFIG_MODEL, type, uuid, body, this.ctx())), uuid);
  }

  delete(type: string, uuid: string): RecordedEvent {
    return this.resourceEvent(this.commit(decideDelete(this.live, CONFIG_MODEL, type, uuid, this.ctx())), uuid);
  }

  readonly store = {
    readStream: async (streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> => {
      this.streamReads++;
      const from = options.fromRevision ?? 0;
      const all = this.events.filter((e) => e.streamId === streamId && e.streamRevision >= from);
      return options.limit === undefined ? all : all.slice(0, options.limit);
    },
  };

  private resourceEvent(events: RecordedEvent[], uuid: string): RecordedEvent {
    return events.find((e) => e.streamId.endsWith(uuid))!;
  }
}

const PROJECT = ['default-domain', 'default-project'];

function withDefaults(): Log {
  const log = new Log();
  log.create('domain', { fq_name: ['default-domain'] });
  log.create('project', { fq_name: PROJECT, parent_type: 'domain' });
  return log;
}

describe('resourceChangeOf', () => {
  let log: Log;
  beforeEach(() => {
    log = withDefaults();
  });

  it('reads a create, an update and a delete of a resource from its own stream', () => {
    const { uuid, event: created } = log.create('network-policy', { fq_name: [...PROJECT, 'allow'] });
    expect(resourceChangeOf(created)).toEqual({ kind: WatchEventKind.CREATED, type: 'network-policy', uuid, fq_name: [...PROJECT, 'allow'] });
    expect(resourceChangeOf(log.update('network-policy', uuid, { display_name: 'Allow' }))).toEqual({
      kind: WatchEventKind.UPDATED,
      type: 'network-policy',
      uuid,
    });
    expect(resourceChangeOf(log.delete('network-policy', uuid))).toMatchObject({ kind: WatchEventKind.DELETED, fq_name: [...PROJECT, 'allow'] });
  });

  it('skips name reservations and pool allocations', () => {
    log.create('virtual-network', { fq_name: [...PROJECT, 'blue'] });
    const others = log.events.filter((e) => !/(Created|Updated|Deleted)$/.test(e.type));
    expect(others.map((e) => e.type)).toEqual(expect.arrayContaining(['FqNameReserved', 'NumberAllocated']));
    for (const event of others) expect(resourceChangeOf(event)).toBeUndefined();
  });

  it('skips an event named like a resource event outside the resource stream', () => {
    const data = { type: 'project', uuid: 'u-1', fq_name: ['x'] };
    expect(resourceChangeOf({ type: 'ProjectCreated', streamId: 'project-u-2', data })).toBeUndefined();
    expect(resourceChangeOf({ type: 'ProjectCreated', streamId: 'project-u-1', data: null })).toBeUndefined();
    expect(resourceChangeOf({ type: 'ProjectCreated', streamId: 'project-u-1', data })).toBeDefined();
  });
});

describe('ObjectsAtEvent: the object exactly as each of its events left it', () => {
  let log: Log;
  beforeEach(() => {
    log = withDefaults();
  });

  it('uses the live object when the live state is at the event', async () => {
    const { uuid, event } = log.create('network-policy', { fq_name: [...PROJECT, 'p'], display_name: 'one' });
    const objects = new ObjectsAtEvent(log.store, log.live);
    expect(await objects.after(event, uuid)).toBe(log.live.get(uuid));
    expect(log.streamReads).toBe(0);
  });

  it('folds past states for a watch behind the live state: one stream read, then one event at a time', async () => {
    const { uuid, event: created } = log.create('network-policy', { fq_name: [...PROJECT, 'p'], display_name: 'v0' });
    const updates = [1, 2, 3].map((n) => log.update('network-policy', uuid, { display_name: `v${n}` }));
    const objects = new ObjectsAtEvent(log.store, log.live);

    const seen = [];
    for (const event of [created, ...updates]) {
      const object = await objects.after(event, uuid);
      seen.push([object!.props.display_name, object!.revision]);
    }
    expect(seen).toEqual([
      ['v0', 0],
      ['v1', 1],
      ['v2', 2],
      ['v3', 3],
    ]);
    // A create needs no read; the live state served the last event.
    expect(log.streamReads).toBe(0);
  });

  it('reads the stream once when the watch starts in the middle of an object history', async () => {
    const { uuid } = log.create('network-policy', { fq_name: [...PROJECT, 'p'], display_name: 'v0' });
    const updates = [1, 2, 3, 4].map((n) => log.update('network-policy', uuid, { display_name: `v${n}` }));
    const objects = new ObjectsAtEvent(log.store, log.live);
    expect((await objects.after(updates[1], uuid))!.props.display_name).toBe('v2');
    expect((await objects.after(updates[2], uuid))!.props.display_name).toBe('v3');
    expect(log.streamReads).toBe(1);
  });

  it('shows an object deleted since as it was at the event', async () => {
    const { uuid, event: created } = log.create('network-policy', { fq_name: [...PROJECT, 'p'], display_name: 'before' });
    const updated = log.update('network-policy', uuid, { display_name: 'after' });
    log.delete('network-policy', uuid);
    const objects = new ObjectsAtEvent(log.store, log.live);
    expect((await objects.after(updated, uuid))!.props.display_name).toBe('after');
    expect((await objects.after(created, uuid))!.props.display_name).toBe('before');
  });

  it('keeps at most its capacity of objects, dropping the least recently used', async () => {
    const created = [1, 2, 3].map((n) => log.create('network-policy', { fq_name: [...PROJECT, `p${n}`] }));
    for (const { uuid } of created) log.update('network-policy', uuid, { display_name: 'later' });
    const objects = new ObjectsAtEvent(log.store, log.live, 2);
    for (const { uuid, event } of created) await objects.after(event, uuid);
    expect(objects.size).toBe(2);
  });
});
