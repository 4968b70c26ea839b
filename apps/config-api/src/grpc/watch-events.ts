import { ConfigState, resourceEventKind, streams, type ConfigObject, type ResourceEventKind } from '#libs/domain';
import type { EventStore, RecordedEvent } from '#libs/event-store';
import { WatchEventKind } from '#libs/proto';

/** A create, update or delete of one resource, read from its event. */
export interface ResourceChange {
  kind: WatchEventKind;
  type: string;
  uuid: string;
  /** In Created and Deleted events; an update does not repeat it. */
  fq_name?: string[];
}

const KINDS: Readonly<Record<ResourceEventKind, WatchEventKind>> = {
  Created: WatchEventKind.CREATED,
  Updated: WatchEventKind.UPDATED,
  Deleted: WatchEventKind.DELETED,
};

/**
 * The resource change an event records, or undefined for the log's other events (name reservations, pool
 * allocations): only `<Type>Created|Updated|Deleted` in the resource's own stream `<type>-<uuid>` count.
 */
export function resourceChangeOf(event: Pick<RecordedEvent, 'type' | 'streamId' | 'data'>): ResourceChange | undefined {
  const kind = resourceEventKind(event.type);
  const data = event.data;
  if (kind === undefined || data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const { type, uuid, fq_name: fqName } = data;
  if (typeof type !== 'string' || typeof uuid !== 'string' || event.streamId !== streams.resource(type, uuid)) return undefined;
  const change: ResourceChange = { kind: KINDS[kind], type, uuid };
  if (Array.isArray(fqName) && fqName.every((p) => typeof p === 'string')) change.fq_name = fqName as string[];
  return change;
}

/** How many objects' past states one watch keeps at hand. */
export const OBJECTS_AT_EVENT_CACHE = 256;

/**
 * The object exactly as one of its events left it, for a watch that is behind the live state. When the live
 * config state's stream revision is the event's, the live object is that state. Otherwise the object is folded from
 * its own stream up to the event (one read), and kept: a lagging watch meets the object's next event soon, and then
 * folds just that one event. A few hundred objects are kept per watch, least recently used dropped first.
 */
export class ObjectsAtEvent {
  private readonly folded = new Map<string, { state: ConfigState; revision: number }>();

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly live: ConfigState,
    private readonly capacity = OBJECTS_AT_EVENT_CACHE,
  ) {}

  /** The object after `event` (one of its resource events); undefined after a delete. */
  async after(event: RecordedEvent, uuid: string): Promise<ConfigObject | undefined> {
    const streamId = event.streamId;
    if (this.live.revision(streamId) === event.streamRevision) {
      this.folded.delete(streamId);
      return this.live.get(uuid);
    }
    let entry = this.folded.get(streamId);
    this.folded.delete(streamId);
    if (entry?.revision !== event.streamRevision - 1) {
      const state = new ConfigState();
      if (event.streamRevision > 0) {
        for (const earlier of await this.store.readStream(streamId, { limit: event.streamRevision })) state.apply(earlier);
      }
      entry = { state, revision: event.streamRevision - 1 };
    }
    entry.state.apply(event);
    entry.revision = event.streamRevision;
    this.folded.set(streamId, entry);
    if (this.folded.size > this.capacity) this.folded.delete(this.folded.keys().next().value!);
    return entry.state.get(uuid);
  }

  /** Objects kept (for tests). */
  get size(): number {
    return this.folded.size;
  }
}
