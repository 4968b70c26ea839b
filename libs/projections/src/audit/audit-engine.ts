import type { EventStore, RecordedEvent, Subscription } from '#libs/event-store';
import { badRequest, ConfigState, copyConfigObject, type ConfigObject } from '#libs/domain';
import { eventRefOf, objectChange, resourceUuidOf, type ConfigDiff, type EventRef, type ObjectChange } from './config-diff.js';
import { firstDivergence, type VerifyReport } from './replay-check.js';
import { SnapshotShelf } from './snapshot-shelf.js';
import { foldRange } from '../fold-range.js';

export interface AuditEngineOptions {
  /** Events folded between two snapshots. Default 50,000. */
  snapshotEvery?: number;
  /** Snapshots kept in memory; when full, every other one goes and the spacing doubles. Default 32. */
  maxSnapshots?: number;
}

export const DEFAULT_SNAPSHOT_EVERY = 50_000;
export const DEFAULT_MAX_SNAPSHOTS = 32;

/** Events per read when replaying a range. */
const PAGE = 1000;

/**
 * Audit and replay over the log (DESIGN §4, as-of views): the config state as of any position or time, what
 * changed between two positions and who changed it, and whether a live state is what a replay from zero gives.
 *
 * As-of reads start from the nearest snapshot at or below the position and fold the tail read from the store.
 * Snapshots live in memory only: `start` makes them by replaying the whole log once, then a subscription keeps
 * taking them as the log grows. Snapshots share the objects that did not change between them (copy on write), so
 * their memory grows with what changes, plus the indexes (a few tens of bytes per object and stream) each holds.
 * Without `start` every read folds from position 0.
 */
export class AuditEngine {
  private readonly shelf: SnapshotShelf;
  /** The follower's fold, from which snapshots are taken. */
  private readonly state = new ConfigState();
  private sinceSnapshot = 0;
  /** Events between snapshots: snapshotEvery, doubled each time the shelf is thinned. */
  private interval: number;
  private starting: Promise<void> | undefined;
  private stopped = false;
  private subscription: Subscription | undefined;
  private running: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    private readonly store: EventStore,
    options: AuditEngineOptions = {},
  ) {
    this.interval = options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
    if (!Number.isInteger(this.interval) || this.interval < 1) throw new RangeError(`snapshotEvery must be a positive integer, not ${this.interval}`);
    this.shelf = new SnapshotShelf(options.maxSnapshots ?? DEFAULT_MAX_SNAPSHOTS);
  }

  /**
   * Reads the log once from 0 to the head, taking snapshots of the config fold every snapshotEvery events; then
   * keeps following (subscribeToAll) to take more.
   */
  start(): Promise<void> {
    this.stopped = false;
    this.starting ??= this.catchUpThenFollow().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /** Stops following. The snapshots stay; a later `start` goes on from where the follower stopped. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting?.catch(() => undefined);
    this.subscription?.close();
    await this.running;
    this.subscription = undefined;
    this.running = undefined;
    this.starting = undefined;
  }

  private async catchUpThenFollow(): Promise<void> {
    const head = await this.store.headPosition();
    let after = this.state.position;
    // Pages read directly rather than through the subscription: the replay of a long log is the slow part.
    while (after < head && !this.stopped) {
      const page = await this.store.readAll({ after, limit: PAGE });
      if (page.length === 0) break;
      for (const event of page) this.follow(event);
      after = page[page.length - 1].globalPosition;
    }
    if (this.stopped) return;
    const subscription = this.store.subscribeToAll({ after, batchSize: 1000 });
    this.subscription = subscription;
    this.running = (async () => {
      try {
        for await (const event of subscription) this.follow(event);
      } catch (error) {
        this.failure = error;
      }
    })();
  }

  /** Position the follower has folded to; snapshots exist up to here. */
  get followedPosition(): number {
    return this.state.position;
  }

  /** Positions of the snapshots held, oldest first. */
  snapshotPositions(): number[] {
    return this.shelf.positions();
  }

  /** The error that stopped the follower, if any (as-of reads still work, from older snapshots and the store). */
  get error(): unknown {
    return this.failure;
  }

  /**
   * The config state folded up to and including `position` (clamped to the head): nearest snapshot at or below,
   * plus the tail read with readAll. The state is the caller's: more events may be applied to it. Objects it shares with a snapshot are frozen.
   */
  async stateAt(position: number): Promise<ConfigState> {
    checkPosition(position, 'position');
    const target = Math.min(position, await this.store.headPosition());
    return this.foldTo(target);
  }

  /**
   * The position of the last event recorded at or before `time` (ISO-8601); 0 if none. Binary search over
   * positions (events are time-ordered; a store's positions may have gaps, e.g. KurrentDB). Times compare to the
   * millisecond.
   */
  async positionAtTime(time: string): Promise<number> {
    const limit = typeof time === 'string' ? Date.parse(time) : Number.NaN;
    if (Number.isNaN(limit)) throw badRequest(`'${String(time)}' is not an ISO-8601 time`, 'time');
    // The smallest x in [0, head] such that no event after x was recorded at or before `time`. If x > 0 there is
    // an event at x: the first event after x - 1 was recorded in time, the first after x was not, so they differ.
    let lo = 0;
    let hi = await this.store.headPosition();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const [next] = await this.store.readAll({ after: mid, limit: 1 });
      if (next === undefined || Date.parse(next.recordedAt) > limit) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * Objects created, deleted and changed between two positions (from exclusive, to inclusive), field by field
   * (props and each ref set), each change with the events (position, type, actor, source, recordedAt) that made it.
   * Both positions are clamped to the head.
   */
  async diff(from: number, to: number): Promise<ConfigDiff> {
    checkPosition(from, 'from');
    checkPosition(to, 'to');
    if (from > to) throw badRequest(`from (${from}) is after to (${to})`, 'from');
    const head = await this.store.headPosition();
    const start = Math.min(from, head);
    const end = Math.min(to, head);
    const state = await this.foldTo(start);
    // Each object the range touches, as it was at `from` (undefined: absent), in the order of first touch.
    const before = new Map<string, ConfigObject | undefined>();
    const events = new Map<string, EventRef[]>();
    await this.fold(state, start, end, (event, uuid) => {
      if (!before.has(uuid)) {
        const object = state.get(uuid);
        // A frozen object is shared with a snapshot and never changes; the fold changes the others in place.
        before.set(uuid, object && (Object.isFrozen(object) ? object : copyConfigObject(object)));
        events.set(uuid, []);
      }
      events.get(uuid)!.push(eventRefOf(event));
    });
    const diff: ConfigDiff = { from: start, to: end, created: [], deleted: [], changed: [] };
    for (const [uuid, was] of before) {
      const is = state.get(uuid);
      const change: ObjectChange | undefined = objectChange(was, is, events.get(uuid)!);
      if (!change) continue;
      if (!was) diff.created.push(change);
      else if (!is) diff.deleted.push(change);
      else diff.changed.push(change);
    }
    return diff;
  }

  /**
   * Rebuilds the config fold from position 0 in a scratch ConfigState and compares a digest with `live` (and
   * per-object digests to find the first divergence), at the position `live` has reached.
   */
  async verify(live: ConfigState): Promise<VerifyReport> {
    // The live state may move on while the log is read: compare with a copy of it as it is now.
    const now = live.clone();
    const position = now.position;
    const rebuilt = new ConfigState();
    const lastEvent = new Map<string, number>();
    await this.fold(rebuilt, 0, position, (event, uuid) => lastEvent.set(uuid, event.globalPosition));
    const liveDigest = now.digest();
    const rebuiltDigest = rebuilt.digest();
    const report: VerifyReport = {
      ok: liveDigest === rebuiltDigest && rebuilt.position === position,
      position,
      liveDigest,
      rebuiltDigest,
      objects: rebuilt.size,
    };
    if (!report.ok) {
      report.firstDivergence = firstDivergence(now, rebuilt, lastEvent) ?? {
        uuid: '',
        type: 'log',
        field: 'position',
        live: position,
        rebuilt: rebuilt.position,
      };
    }
    return report;
  }

  /** The fold up to `target` (at most the head): from the nearest snapshot, else from zero. */
  private async foldTo(target: number): Promise<ConfigState> {
    const snapshot = this.shelf.atOrBelow(target);
    const state = snapshot ? ConfigState.fromSnapshot(snapshot) : new ConfigState();
    await this.fold(state, state.position, target);
    return state;
  }

  /**
   * Folds the events after `after` up to and including `to` into `state`; `onResource` sees each resource event
   * (with its object's uuid) before it is applied.
   */
  private async fold(
    state: ConfigState,
    after: number,
    to: number,
    onResource?: (event: RecordedEvent, uuid: string) => void,
  ): Promise<void> {
    const onEvent = onResource
      ? (event: RecordedEvent) => {
          const uuid = resourceUuidOf(event);
          if (uuid !== undefined) onResource(event, uuid);
        }
      : undefined;
    await foldRange(this.store, state, after, to, onEvent);
  }

  /** The follower's step: fold, and take a snapshot when enough events went by. */
  private follow(event: RecordedEvent): void {
    this.state.apply(event);
    if (++this.sinceSnapshot < this.interval) return;
    // The follower's state is private: its snapshots share its objects, which it copies before changing.
    if (this.shelf.add(this.state.shareSnapshot())) this.interval *= 2;
    this.sinceSnapshot = 0;
  }
}

function checkPosition(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw badRequest(`${name} must be a log position (an integer >= 0), not ${String(value)}`, name);
}
